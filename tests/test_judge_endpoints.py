"""The judge asks an OpenAI-compatible endpoint for JSON in the form that endpoint takes.

One test captures the request bodies a local stand-in endpoint receives; one runs the
real `python -m llama_cpp.server` on the shipped GGUF, which rejects OpenAI's `json_schema`
and enforces a schema given inside `json_object` as a grammar.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from uiserver import free_port

from sparring.coding.judge import judge_schema, make_judge
from sparring.settings import Settings

TURN = "So you've seen this before and it cost you good people."
CONTEXT = "With respect, we've had three of these programmes."
ANSWER = {"question": None, "reflection": "complex", "empathy": True, "affirmation": False,
          "goal_cocreation": False, "neutral_observation": False, "asking_permission": False, "autonomy": False,
          "directive": False,
          "arguing": False, "judging": False, "pulling_rank": False,
          "reasons": {"reflection": "it cost you good people", "empathy": "seen this before"}}


class Capturing:
    """A stand-in chat-completions endpoint that records each request body."""

    def __init__(self) -> None:
        import uvicorn
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import JSONResponse, Response, StreamingResponse
        from starlette.routing import Route

        self.bodies: list[dict[str, Any]] = []

        async def completions(request: Request) -> Response:
            body = await request.json()
            self.bodies.append(body)
            text = json.dumps(ANSWER)
            if not body.get("stream"):
                return JSONResponse({"id": "x", "object": "chat.completion", "created": 0, "model": "m",
                                     "choices": [{"index": 0, "finish_reason": "stop", "message": {
                                         "role": "assistant", "content": text}}]})

            async def chunks() -> Any:
                chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m",
                         "choices": [{"index": 0, "finish_reason": None, "delta": {"role": "assistant", "content": text}}]}
                yield f"data: {json.dumps(chunk)}\n\n"
                yield "data: [DONE]\n\n"

            return StreamingResponse(chunks(), media_type="text/event-stream")

        self.port = free_port()
        app = Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


@pytest.fixture
def endpoint() -> Iterator[Capturing]:
    server = Capturing()
    yield server
    server.stop()


def judge_on(url: str, **extra: Any) -> Any:
    settings = Settings(_env_file=None, model="openai:judge", base_url=url,  # type: ignore[call-arg]
                        max_retries=0, request_timeout=60, **extra)
    return make_judge(settings)


@pytest.mark.parametrize(("json_format", "expected"), [
    ("auto", {"type": "json_object", "schema": judge_schema()}),  # an endpoint of one's own
    ("json_schema", {"type": "json_schema", "json_schema": {"name": "turn_codes", "schema": judge_schema()}}),
    ("object", {"type": "json_object"}),
])
async def test_the_endpoint_receives_the_schema_in_the_configured_form(
    endpoint: Capturing, json_format: str, expected: dict[str, Any]
) -> None:
    judge = judge_on(f"http://127.0.0.1:{endpoint.port}/v1", json_format=json_format)
    result = await judge.acode(TURN, CONTEXT)
    assert endpoint.bodies[0]["response_format"] == expected
    assert result.source != "rules" and result.codes.reflection == "complex"


def test_openai_itself_gets_json_schema() -> None:
    from sparring.coding.judge import response_kwargs
    from sparring.providers import make_chat_model

    settings = Settings(_env_file=None, model="openai:gpt-4o-mini", **{"SPARRING_API_KEY": "sk-test"})  # type: ignore[arg-type]
    kwargs = response_kwargs(make_chat_model(settings.model, settings), settings)
    assert kwargs["response_format"]["type"] == "json_schema"


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pytest.importorskip("llama_cpp.server.app", reason="llama-cpp-python's server extra is not installed")
    from sparring.providers.local import embedded_gguf

    port = free_port()
    log = (tmp_path_factory.mktemp("llama-server") / "server.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(embedded_gguf()),
                             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--n_threads", "1"],
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise AssertionError(Path(log.name).read_text()[-2000:])
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.integration
async def test_a_real_llama_cpp_server_answers_the_judge_in_the_schemas_shape(llama_server: str) -> None:
    """Before, the judge sent plain JSON mode and every answer missed fields ('question':
    Field required). Now the server enforces the schema: every answer has the shape."""
    import jsonschema

    from sparring.coding.judge import response_kwargs
    from sparring.providers import make_chat_model

    judge = judge_on(llama_server)
    model = make_chat_model(judge.settings.model, judge.settings, temperature=0.0, max_tokens=300)
    bound = model.bind(**response_kwargs(model, judge.settings))
    for turn, context in [(TURN, CONTEXT), ("What would make this hour worth it for you?", None)]:
        answer = json.loads(str((await bound.ainvoke(judge.messages(turn, context))).content))
        jsonschema.validate(answer, judge_schema())


@pytest.mark.integration
async def test_the_llama_cpp_server_rejects_openais_form(llama_server: str) -> None:
    """Why `auto` does not send `json_schema` to an endpoint of one's own."""
    result = await judge_on(llama_server, json_format="json_schema").acode(TURN, CONTEXT)
    assert result.source == "rules" and result.error
