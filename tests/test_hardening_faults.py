"""Model endpoint faults against a real OpenAI-compatible HTTP server on 127.0.0.1: refused,
timed out, HTTP 500, malformed JSON, a stream dropped mid-reply, and a web page with status 200. Each time the turn fails
with a clear `ModelError`, whatever was shown is withdrawn, nothing is committed, and the same
line retried afterwards advances the hidden state exactly once."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from sparring.engine.events import Done, Event, Reset, Token
from sparring.engine.session import PracticeSession
from sparring.persona.loader import get_persona
from sparring.providers import FakeChatModel, ModelError, make_chat_model, translate
from sparring.settings import Settings

REPLY = "With respect, I have heard all this before, and my lads have too."
LINE = "What has this year been like for your team?"


class FaultyEndpoint:
    """`/v1/chat/completions` that misbehaves in the way `mode` names, then recovers ("ok")."""

    def __init__(self) -> None:
        import uvicorn
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import JSONResponse, Response, StreamingResponse
        from starlette.routing import Route
        from uiserver import free_port

        self.mode = "ok"
        self.calls = 0

        def chunk(text: str) -> str:
            body = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m",
                    "choices": [{"index": 0, "finish_reason": None,
                                 "delta": {"role": "assistant", "content": text}}]}
            return f"data: {json.dumps(body)}\n\n"

        async def completions(request: Request) -> Response:
            self.calls += 1
            await request.body()
            mode = self.mode
            if mode == "500":
                return JSONResponse({"error": {"message": "internal"}}, status_code=500)
            if mode == "timeout":
                await asyncio.sleep(5)
            if mode == "malformed":
                return Response("data: {\"choices\": [{\"delta\": {\"content\": \"Wi\n\n",
                                media_type="text/event-stream")
            if mode == "html":  # a proxy's or portal's page, labelled as what it is
                return Response("<!DOCTYPE html>\n<html><body>Sign in</body></html>",
                                status_code=200, media_type="text/html")
            if mode == "html-as-json":  # the same page with a misleading content type
                return Response("<html>Bad gateway</html>", status_code=200,
                                media_type="application/json")

            async def stream() -> AsyncIterator[str]:
                words = REPLY.split(" ")
                for i, word in enumerate(words):
                    if mode == "drop" and i == 4:
                        raise ConnectionResetError("upstream went away")
                    yield chunk(word + ("" if i == len(words) - 1 else " "))
                    await asyncio.sleep(0.005)
                yield "data: [DONE]\n\n"

            return StreamingResponse(stream(), media_type="text/event-stream")

        self.port = free_port()
        app = Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="critical"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            threading.Event().wait(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[FaultyEndpoint]:
    server = FaultyEndpoint()
    yield server
    server.stop()


def hosted(settings: Settings, port: int, salt: int = 0) -> Settings:
    """langchain-openai caches one async HTTP client per (base URL, timeout) for the process;
    each test runs in its own event loop, so each gets its own timeout value (`salt`)."""
    return settings.model_copy(update={
        "model": "openai:test-model", "api_key": "sk-test", "max_retries": 0,
        "request_timeout": 1.0 + salt / 1000, "base_url": f"http://127.0.0.1:{port}/v1"})


async def run_turn(session: PracticeSession, line: str) -> list[Event]:
    events: list[Event] = []
    async for event in session.turn(line):
        events.append(event)
    return events


FAULTS = {
    "refused": "Could not reach the model endpoint",
    "timeout": "timed out",
    "500": "HTTP 500",
    "malformed": "not valid JSON",
    "drop": "",
    "html": "answered with a web page, not a model reply: check the URL in SPARRING_BASE_URL",
    "html-as-json": "answered with a web page",
}
INJECTED: list[str] = []


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_endpoint_fault_keeps_state_and_retry_advances_once(
        settings: Settings, endpoint: FaultyEndpoint, fault: str) -> None:
    from uiserver import free_port

    salt = list(FAULTS).index(fault) + 1
    port = free_port() if fault == "refused" else endpoint.port  # nothing listens there
    conf = hosted(settings, port, salt)
    persona = get_persona(conf, "sceptic")
    session = PracticeSession(persona, "realistic", make_chat_model(conf.model, conf), conf, seed=1)
    before = session.state.model_copy()

    endpoint.mode = fault
    shown: list[Event] = []
    with pytest.raises(ModelError) as caught:
        async for event in session.turn(LINE):
            shown.append(event)
    INJECTED.append(fault)
    message = str(caught.value)
    assert FAULTS[fault] in message and "try again" in message, message
    assert session.state == before and session.transcript.turns == []
    # Anything streamed before the failure was withdrawn with a Reset, so no half reply stands.
    tokens = [e for e in shown if isinstance(e, Token)]
    if tokens:
        assert isinstance(shown[-1], Reset)
    if fault == "drop":
        assert tokens, "the dropped stream should have shown its first words"

    endpoint.mode = "ok"
    if fault == "refused":  # the endpoint is back (here: at the test server's address)
        back = hosted(settings, endpoint.port, salt + 100)
        session.model = make_chat_model(back.model, back)
    events = await run_turn(session, LINE)
    record = next(e.record for e in events if isinstance(e, Done))
    assert record.manager == REPLY and record.index == 1 and len(session.transcript.turns) == 1
    reference = PracticeSession(persona, "realistic", FakeChatModel(responses=[REPLY]), conf, seed=1)
    expected = await reference.reply(LINE)
    assert record.resistance_after == expected.resistance_after
    assert session.state.turn == 1


async def test_a_web_page_names_the_endpoint_and_is_never_voiced_as_the_manager(
        settings: Settings, endpoint: FaultyEndpoint) -> None:
    """An HTML page with status 200 used to stream as an empty reply, so the persona's fallback
    line was spoken as if the model had answered; now the URL to fix is named instead."""
    conf = hosted(settings, endpoint.port, 50)
    persona = get_persona(conf, "sceptic")
    model = make_chat_model(conf.model, conf)
    session = PracticeSession(persona, "realistic", model, conf, seed=1)
    endpoint.mode = "html"
    calls = endpoint.calls
    try:
        with pytest.raises(ModelError) as caught:
            await session.reply(LINE)
    finally:
        endpoint.mode = "ok"
    assert f"http://127.0.0.1:{endpoint.port}/v1 answered with a web page" in str(caught.value)
    # One page fetch per turn, not three generations ending in a made-up line.
    assert endpoint.calls - calls == 1 and session.transcript.turns == []
    # The same client reads a real stream token by token afterwards.
    events = await run_turn(session, LINE)
    assert sum(isinstance(e, Token) for e in events) > 3
    assert next(e.record for e in events if isinstance(e, Done)).manager == REPLY
    # The sync path (used outside the event loop) has the same check.
    endpoint.mode = "html"
    try:
        with pytest.raises(Exception) as sync_caught:
            model.invoke("hello")
    finally:
        endpoint.mode = "ok"
    assert "answered with a web page" in str(translate(sync_caught.value))


async def test_fake_model_failing_mid_stream_withdraws_the_partial_reply(settings: Settings) -> None:
    """The same seam without HTTP: FakeChatModel raises after some tokens were shown."""

    class Dropping(FakeChatModel):
        async def _astream(self, messages: Any, stop: Any = None, run_manager: Any = None,
                           **kwargs: Any) -> AsyncIterator[Any]:
            sent = 0
            async for chunk in super()._astream(messages, stop, run_manager, **kwargs):
                yield chunk
                sent += 1
                if sent == 6:
                    raise ConnectionError("stream dropped")

    persona = get_persona(settings, "sceptic")
    model = Dropping(responses=[REPLY, REPLY])
    session = PracticeSession(persona, "realistic", model, settings, seed=1)
    events: list[Event] = []
    with pytest.raises(ModelError, match="try again"):
        async for event in session.turn(LINE):
            events.append(event)
    assert any(isinstance(e, Token) for e in events) and isinstance(events[-1], Reset)
    assert events[-1].reason == "model_error" and session.transcript.turns == []


async def test_chainlit_writes_survive_a_busy_database(settings: Settings,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Chainlit drops a message on any database error; ours retries locked/unreachable ones."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.ext.asyncio import AsyncSession

    from sparring.storage import datalayer, outbox
    from sparring.storage.schema import ensure_schema

    monkeypatch.setattr(datalayer, "RETRY_PAUSE_S", 0.01)
    monkeypatch.setattr(outbox, "REPLAY_PAUSE_S", 0.01)
    url = await ensure_schema(settings.effective_database_url)
    layer = datalayer.make_data_layer(url, settings.data_dir / "files")
    real = AsyncSession.execute
    failures = {"left": 2}

    async def busy(self: AsyncSession, *args: Any, **kwargs: Any) -> Any:
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(AsyncSession, "execute", busy)
    try:
        insert = ('INSERT INTO threads ("id", "createdAt", "name") VALUES (:id, :t, :n)')
        assert await layer.execute_sql(insert, {"id": "t1", "t": "now", "n": "x"}) == 1
        assert failures["left"] == 0
        rows = await layer.execute_sql('SELECT "id" FROM threads', {})
        assert rows == [{"id": "t1"}]
        # A statement that can never work is not retried nor kept: Chainlit's contract is None.
        assert await layer.execute_sql('INSERT INTO nowhere VALUES (1)', {}) is None
        assert layer.pending_writes == 0
        # Busy past the retries: the write is kept and saved once the database answers.
        failures["left"] = 10
        assert await layer.execute_sql(insert, {"id": "t2", "t": "now", "n": "x"}) is None
        assert failures["left"] == 10 - datalayer.WRITE_ATTEMPTS and layer.pending_writes == 1
        failures["left"] = 0
        await layer.outbox.wait_empty()
        rows = await layer.execute_sql('SELECT "id" FROM threads ORDER BY "id"', {})
        assert rows == [{"id": "t1"}, {"id": "t2"}]
    finally:
        await layer.engine.dispose()
