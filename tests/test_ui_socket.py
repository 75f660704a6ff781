"""The web app over its real protocol: `chainlit run --headless` on 127.0.0.1 with the
fake model, driven through socket.io and HTTP as the browser client does."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from uiserver import ChatClient, UIServer, login, messages, running

from sparring.persona.loader import load_personas
from sparring.settings import ROOT

pytestmark = pytest.mark.server

PERSONA = "sceptic"
COACH_TURNS = [
    "What has this year been like for your team?",
    "So you've seen programmes like this come and go, and it cost you good people.",
    "You should just get on board with the programme.",
    "What would make these sessions worth your while?",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UIServer]:
    with running(tmp_path_factory.mktemp("ui")) as srv:
        yield srv


@pytest.fixture(scope="module")
def persona_name() -> str:
    return load_personas(ROOT / "personas")[PERSONA].name


def steps_named(events: list[tuple[str, Any]], name: str) -> list[dict[str, Any]]:
    return [d for e, d in events if e in ("new_message", "update_message")
            and isinstance(d, dict) and d.get("name") == name]


def streamed_text(events: list[tuple[str, Any]], message_id: str) -> str:
    """What the browser showed while streaming: stream_start, then tokens (a sequence replaces)."""
    text = ""
    for event, data in events:
        if event == "stream_start" and data["id"] == message_id:
            text = data["output"]
        elif event == "stream_token" and data["id"] == message_id:
            text = data["token"] if data["isSequence"] else text + data["token"]
    return text


def elements(events: list[tuple[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for e, d in events if e == "element" and d.get("type") == kind]


def test_health_endpoint(server: UIServer) -> None:
    response = httpx.get(f"{server.url}/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_personas_are_chat_profiles_with_starters(server: UIServer, persona_name: str) -> None:
    import asyncio

    token = asyncio.run(login(server))
    settings = httpx.get(f"{server.url}/project/settings", params={"language": "en-US"},
                         cookies={"access_token": token}).json()
    profiles = {p["name"]: p for p in settings["chatProfiles"]}
    assert set(profiles) == set(load_personas(ROOT / "personas"))
    sceptic = profiles[PERSONA]
    assert persona_name in sceptic["markdown_description"]
    assert "Pattern:" in sceptic["markdown_description"]
    assert "realistic" in sceptic["markdown_description"]
    assert sceptic["starters"] and sceptic["starters"][0]["message"].startswith("Thanks for making")
    assert "Sparring" in settings["markdown"] and "Chainlit" not in settings["markdown"]


async def test_a_whole_session(server: UIServer, persona_name: str) -> None:
    client = await ChatClient(server, await login(server), profile=PERSONA).connect()
    try:
        opening = await client.wait_for(
            lambda e, d: e == "new_message" and d.get("name") == persona_name)
        assert opening[1]["output"]
        _, widgets = await client.wait_for(lambda e, d: e == "chat_settings")
        assert {w["id"] for w in widgets} == {"difficulty", "live_feedback", "show_meter", "share_with_trainers"}
        share = next(w for w in widgets if w["id"] == "share_with_trainers")
        assert share["initial"] is False  # a session is private unless its coach shares it

        levels: list[tuple[int, int]] = []
        for text in COACH_TURNS:
            events = await client.send(text)
            tokens = [d["token"] for e, d in events if e == "stream_token"]
            replies = messages(events, author=persona_name)
            assert len(tokens) >= 2, "the reply was not streamed token by token"
            assert replies and replies[-1]["output"].strip()
            shown = streamed_text(events, replies[-1]["id"])
            assert shown.strip() == replies[-1]["output"].strip()
            notes = steps_named(events, "Feedback")
            assert notes and notes[-1]["type"] == "tool"
            # Under the coach's turn, before the reply: same parent, created earlier.
            assert notes[0]["parentId"] == replies[-1]["parentId"]
            assert notes[0]["createdAt"] < replies[-1]["createdAt"]
            final_note = notes[-1]["output"]
            assert "—" in final_note and "Coding your turn" not in final_note
            meters = [m for m in elements(events, "custom") if m["name"] == "ResistanceMeter"]
            assert len(meters) == 1 and meters[0]["forId"] == replies[-1]["id"]
            props = meters[0]["props"]
            assert props["label"].startswith(f"Resistance {props['before']} → {props['after']}")
            levels.append((props["before"], props["after"]))
        # The meter is continuous across turns, and the push (turn 3) raises resistance.
        assert all(levels[i][1] == levels[i + 1][0] for i in range(len(levels) - 1))
        assert levels[2][1] > levels[2][0]
        notes_by_turn = [steps_named(client.events, "Feedback")]
        assert any("open question" in n["output"] for n in notes_by_turn[0])
        assert any("advice unasked" in n["output"] for n in notes_by_turn[0])

        events = await client.send("/end")
        debrief = [m for m in messages(events, author="Sparring") if "Score" in m["output"]
                   or "score" in m["output"]]
        assert debrief, [m["output"][:80] for m in messages(events)]
        charts = elements(events, "plotly")
        assert charts and charts[0]["forId"] == debrief[-1]["id"]
        files = {f["name"] for f in elements(events, "file")}
        assert any(n.endswith(".md") for n in files) and any(n.endswith(".json") for n in files)

        after = await client.send("One more thing?")
        assert any("has ended" in m["output"] for m in messages(after))
        assert not [e for e, _ in after if e == "stream_token"]
    finally:
        await client.close()


async def test_settings_turn_off_feedback_and_meter_and_end_button(
        server: UIServer, persona_name: str) -> None:
    client = await ChatClient(server, await login(server), profile=PERSONA).connect()
    try:
        await client.wait_for(lambda e, d: e == "chat_settings")
        await client.change_settings(
            {"difficulty": "realistic", "live_feedback": False, "show_meter": False})
        events = await client.send(COACH_TURNS[0])
        assert messages(events, author=persona_name)
        assert not steps_named(events, "Feedback")
        assert not elements(events, "custom")
        actions = [d for e, d in events if e == "action" and d["name"] == "end_session"]
        assert actions, "the reply carries no End session button"
        pressed = await client.action("end_session", {}, actions[-1]["forId"])
        assert elements(pressed, "plotly"), "pressing End session gave no debrief chart"
    finally:
        await client.close()


async def test_difficulty_before_the_first_turn_restarts_at_that_level(
        server: UIServer, persona_name: str) -> None:
    persona = load_personas(ROOT / "personas")[PERSONA]
    client = await ChatClient(server, await login(server), profile=PERSONA).connect()
    try:
        await client.wait_for(lambda e, d: e == "chat_settings")
        await client.change_settings(
            {"difficulty": "hard", "live_feedback": True, "show_meter": True})
        await client.wait_for(lambda e, d: e == "new_message" and "Difficulty: hard" in d["output"])
        events = await client.send(COACH_TURNS[0])
        meter = elements(events, "custom")[0]["props"]
        assert meter["before"] == round(persona.starting_resistance["hard"])
        # Once talking has started, a new difficulty waits for the next session.
        await client.change_settings(
            {"difficulty": "easy", "live_feedback": True, "show_meter": True})
        note = await client.wait_for(lambda e, d: e == "new_message"
                                     and "applies to your next session" in d["output"])
        assert "stays **hard**" in note[1]["output"]
        events = await client.send(COACH_TURNS[1])
        assert elements(events, "custom")[0]["props"]["before"] == meter["after"]
    finally:
        await client.close()


def test_server_refuses_multi_user_without_secret(tmp_path: Path) -> None:
    users = tmp_path / "users.txt"
    from sparring.ui.auth import hash_password

    users.write_text(f"alice:{hash_password('pw')}\n")
    server = UIServer(tmp_path, env={"SPARRING_USERS_FILE": str(users)})
    with pytest.raises(RuntimeError, match="SPARRING_AUTH_SECRET"):
        server.start()


async def test_session_resumes_after_a_restart(tmp_path: Path, persona_name: str) -> None:
    """SQLite via SPARRING_DATABASE_URL; PostgreSQL is covered at the storage level."""
    env = {"SPARRING_DATABASE_URL": f"sqlite:///{tmp_path / 'db' / 'sparring.db'}"}
    with running(tmp_path, **env) as first:
        client = await ChatClient(first, await login(first), profile=PERSONA).connect()
        for text in COACH_TURNS[:2]:
            events = await client.send(text)
        thread_id = next(d["thread_id"] for e, d in client.events if e == "first_interaction")
        last = elements(events, "custom")[0]["props"]["after"]
        reply_before = messages(events, author=persona_name)[-1]["output"]
        await asyncio.sleep(0.5)
        await client.close()

    with running(tmp_path, **env) as second:
        resumed = ChatClient(second, await login(second), profile=PERSONA, thread_id=thread_id)
        await resumed.connect()
        try:
            _, thread = await resumed.wait_for(lambda e, d: e == "resume_thread")
            assert thread["name"] == f"{persona_name} · realistic"
            outputs = [s["output"] for s in thread["steps"]]
            assert COACH_TURNS[0] in outputs and COACH_TURNS[1] in outputs
            assert reply_before in outputs
            assert any(s["name"] == "Feedback" for s in thread["steps"])
            assert any(e["name"] == "ResistanceMeter" for e in thread["elements"])
            welcome = await resumed.wait_for(
                lambda e, d: e == "new_message" and "Welcome back" in d.get("output", ""))
            assert f"**{last}/10**" in welcome[1]["output"]
            events = await resumed.send(COACH_TURNS[3])
            meter = elements(events, "custom")[0]["props"]
            assert meter["before"] == last, "the hidden state did not survive the restart"
        finally:
            await resumed.close()


class FlakyEndpoint:
    """A minimal OpenAI-compatible endpoint that fails (HTTP 503) until `fail` is cleared."""

    def __init__(self) -> None:
        import threading

        import uvicorn
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import JSONResponse, Response, StreamingResponse
        from starlette.routing import Route

        self.fail = True
        self.calls = 0

        async def completions(request: Request) -> Response:
            self.calls += 1
            body = await request.json()
            if self.fail:
                return JSONResponse({"error": {"message": "overloaded"}}, status_code=503)
            text = "With respect, I have heard all this before."
            if not body.get("stream"):
                return JSONResponse({"id": "x", "object": "chat.completion", "created": 0,
                                     "model": "m", "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": text}}]})

            async def chunks() -> Any:
                import json

                for piece in text.split(" "):
                    chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0,
                             "model": "m", "choices": [{"index": 0, "finish_reason": None,
                             "delta": {"role": "assistant", "content": piece + " "}}]}
                    yield f"data: {json.dumps(chunk)}\n\n"
                yield "data: [DONE]\n\n"

            return StreamingResponse(chunks(), media_type="text/event-stream")

        from uiserver import free_port

        self.port = free_port()
        app = Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="error"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


async def test_model_failure_keeps_the_coach_line_and_retry_works(tmp_path: Path) -> None:
    endpoint = FlakyEndpoint()
    env = {"SPARRING_MODEL": "openai:test-model", "SPARRING_API_KEY": "k",
           "SPARRING_BASE_URL": f"http://127.0.0.1:{endpoint.port}/v1",
           "SPARRING_MAX_RETRIES": "0", "SPARRING_REQUEST_TIMEOUT": "5"}
    try:
        with running(tmp_path, **env) as srv:
            client = await ChatClient(srv, await login(srv), profile=PERSONA).connect()
            try:
                events = await client.send(COACH_TURNS[0])
                failure = [m for m in messages(events, author="Sparring")
                           if "could not reply" in m["output"]]
                assert failure, [m["output"] for m in messages(events)]
                assert "try again" in failure[0]["output"].lower()
                assert not [d for e, d in events if e == "delete_message"
                            and d.get("type") == "user_message"]
                retry = next(d for e, d in events if e == "action" and d["name"] == "retry_turn")
                assert retry["payload"]["text"] == COACH_TURNS[0]

                endpoint.fail = False
                await client.action("retry_turn", retry["payload"], retry["forId"])
                await client.wait_for(lambda e, d: e == "element" and d["type"] == "custom")
                replies = [d for e, d in client.events if e in ("new_message", "update_message")
                           and d.get("type") == "assistant_message"
                           and "heard all this" in d.get("output", "")]
                assert replies, "retry did not produce the manager's reply"
                meter = [d for e, d in client.events if e == "element" and d["type"] == "custom"]
                persona = load_personas(ROOT / "personas")[PERSONA]
                assert meter[0]["props"]["before"] == round(persona.starting_resistance["realistic"])
            finally:
                await client.close()
    finally:
        endpoint.stop()


async def test_starter_button_speaks_for_the_coach_and_thumbs_are_kept(
        server: UIServer, persona_name: str) -> None:
    persona = load_personas(ROOT / "personas")[PERSONA]
    token = await login(server)
    client = await ChatClient(server, token, profile=PERSONA).connect()
    try:
        starter = next(d for e, d in client.events
                       if e == "action" and d["name"] == "starter_line")
        assert starter["payload"]["text"] == persona.starters[0]
        events = await client.action("starter_line", starter["payload"], starter["forId"])
        await client.wait_for(lambda e, d: e == "element" and d.get("type") == "custom")
        said = [d for e, d in client.events if e == "new_message"
                and d.get("type") == "user_message"]
        assert said and said[0]["output"] == persona.starters[0]
        assert any(e == "remove_action" and d["name"] == "starter_line" for e, d in events)
        reply = messages(client.events, author=persona_name)[-1]
        thread_id = next(d["thread_id"] for e, d in client.events if e == "first_interaction")
        await asyncio.sleep(0.5)
        async with httpx.AsyncClient(base_url=server.url, cookies={"access_token": token}) as http:
            thumbs = await http.put("/feedback", json={
                "sessionId": client.session_id,
                "feedback": {"forId": reply["id"], "value": 0, "threadId": thread_id,
                             "comment": "too agreeable"}})
            assert thumbs.status_code == 200, thumbs.text
            thread = (await http.get(f"/project/thread/{thread_id}")).json()
        step = next(s for s in thread["steps"] if s["id"] == reply["id"])
        assert step["feedback"]["value"] == 0 and step["feedback"]["comment"] == "too agreeable"
    finally:
        await client.close()
