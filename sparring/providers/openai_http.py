"""HTTP clients for OpenAI-compatible endpoints that refuse to read a web page as a reply.

A wrong `SPARRING_BASE_URL` (the server's home page, a login portal, a reverse proxy's error
page) often answers `200 OK` with HTML. The OpenAI client reads a stream as server-sent
events and silently skips lines that are not events, so the page becomes an *empty* reply:
the engine regenerates and then speaks the persona's fallback line as if the model had, and
nobody learns the URL is wrong. Checking the response before the client parses it turns the
page into a `ModelUnavailable` naming the URL, like any other endpoint fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from sparring.providers.errors import ModelUnavailable

if TYPE_CHECKING:
    from openai import DefaultAsyncHttpxClient, DefaultHttpxClient


class _Response(Protocol):
    """The part of a response we read; the OpenAI client's HTTP library (httpx, or its fork
    httpx2 in newer releases) decides the concrete class."""

    headers: Mapping[str, str]
    request: Any

    @property
    def is_success(self) -> bool: ...

    def read(self) -> bytes: ...

    async def aread(self) -> bytes: ...


class EndpointAnsweredPage(ModelUnavailable):
    """The endpoint sent a web page (HTML), not an OpenAI-style reply."""


def _base(url: Any) -> str:
    path = url.path
    for suffix in ("/chat/completions", "/completions", "/embeddings"):
        path = path.removesuffix(suffix)
    return f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}{path}"


def _is_page(content_type: str, body: bytes) -> bool:
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return "html" in content_type or head == b"<"


def page_error(url: Any) -> EndpointAnsweredPage:
    return EndpointAnsweredPage(
        f"The model endpoint at {_base(url)} answered with a web page, not a model reply: "
        "check the URL in SPARRING_BASE_URL (an OpenAI-compatible API base, usually ending "
        "in /v1). Your message is kept; try again."
    )


def _needs_check(response: _Response) -> bool:
    """Only successful answers that are not an event stream: errors have their own handling,
    and reading a real stream here would hold every token back until the reply ends."""
    content_type = response.headers.get("content-type", "").lower()
    return response.is_success and "text/event-stream" not in content_type


async def _check_async(response: _Response) -> None:
    if _needs_check(response):
        body = await response.aread()  # cached: the OpenAI client reads the same bytes later
        if _is_page(response.headers.get("content-type", "").lower(), body):
            raise page_error(response.request.url)


def _check_sync(response: _Response) -> None:
    if _needs_check(response):
        body = response.read()
        if _is_page(response.headers.get("content-type", "").lower(), body):
            raise page_error(response.request.url)


def http_clients(timeout: float) -> tuple[DefaultHttpxClient, DefaultAsyncHttpxClient]:
    """Sync and async clients with the OpenAI client's defaults plus the web-page check.

    The OpenAI client wraps an exception from a hook in `APIConnectionError` (raised *from*
    ours); `translate` follows that cause back to the `EndpointAnsweredPage`.
    """
    from openai import DefaultAsyncHttpxClient, DefaultHttpxClient

    sync = DefaultHttpxClient(timeout=timeout, event_hooks={"response": [_check_sync]})
    async_ = DefaultAsyncHttpxClient(timeout=timeout, event_hooks={"response": [_check_async]})
    return sync, async_
