"""Faults in the running web app (`chainlit run` on 127.0.0.1, driven over socket.io):
a model stream dropped mid-reply, a locked database, a server killed with SIGKILL, and
what the server log holds at the default level."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from test_hardening_faults import REPLY, FaultyEndpoint
from uiserver import ChatClient, login, messages, running

from sparring.persona.loader import load_personas
from sparring.persona.model import Persona
from sparring.settings import ROOT

pytestmark = pytest.mark.server

PERSONA = "sceptic"
SECRET_KEY = "sk-hardening-DO-NOT-LOG-7f3a9c"
PRIVATE_LINE = "Zebediah Quarrington told me in confidence that his marriage is over; what now?"


def meters(events: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    return [d["props"] for e, d in events if e == "element" and d.get("type") == "custom"]


async def retry_gives_the_whole_reply(client: ChatClient, endpoint: FaultyEndpoint,
                                      retry: dict[str, Any], persona: Persona) -> None:
    """With the endpoint healthy again, Retry plays the turn once, from the unmoved state."""
    endpoint.mode = "ok"
    await client.action("retry_turn", retry["payload"], retry["forId"])
    await client.wait_for(lambda e, d: e == "element" and d.get("type") == "custom")
    await asyncio.sleep(0.5)
    done = meters(client.events)
    assert len(done) == 1
    assert done[0]["before"] == round(persona.starting_resistance["realistic"])
    replies = [m for m in messages(client.events, author=persona.name) if m["output"] == REPLY]
    assert replies, "retry did not produce the whole reply"


def stored_turns(db: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT record FROM sparring_sessions").fetchall()
    return [turn for (raw,) in rows for turn in json.loads(raw)["transcript"]["turns"]]


async def test_stream_dropped_mid_reply_is_marked_and_retry_advances_once(tmp_path: Path) -> None:
    endpoint = FaultyEndpoint()
    persona = load_personas(ROOT / "personas")[PERSONA]
    env = {"SPARRING_MODEL": "openai:test-model", "SPARRING_API_KEY": SECRET_KEY,
           "SPARRING_BASE_URL": f"http://127.0.0.1:{endpoint.port}/v1",
           "SPARRING_MAX_RETRIES": "0", "SPARRING_REQUEST_TIMEOUT": "5"}
    try:
        with running(tmp_path, **env) as srv:
            client = await ChatClient(srv, await login(srv), profile=PERSONA).connect()
            try:
                endpoint.mode = "drop"
                events = await client.send(PRIVATE_LINE)
                assert not [d for e, d in events if e == "delete_message"
                            and d.get("type") == "user_message"], "the coach's line was removed"
                cut = [m for m in messages(events, author=persona.name) if "cut off" in m["output"]]
                assert cut, [m["output"] for m in messages(events)]
                assert cut[-1]["output"].startswith(" ".join(REPLY.split(" ")[:2]))
                failure = [m for m in messages(events, author="Sparring") if "could not reply" in m["output"]]
                assert failure and "try again" in failure[0]["output"].lower()
                retry = next(d for e, d in events if e == "action" and d["name"] == "retry_turn")
                assert retry["payload"]["text"] == PRIVATE_LINE

                await retry_gives_the_whole_reply(client, endpoint, retry, persona)

                calls = endpoint.calls
                pasted = await client.send("x" * 100_000)
                refusal = [m["output"] for m in messages(pasted, author="Sparring")]
                assert any("100,000 characters; the limit is 4,000" in m for m in refusal), refusal
                assert not [d for e, d in pasted if e == "action" and d["name"] == "retry_turn"]
                assert not meters(pasted) and endpoint.calls == calls
                blank = await client.send(" \t\n ")
                assert any("Your message is empty" in m["output"]
                           for m in messages(blank, author="Sparring"))
                assert endpoint.calls == calls
            finally:
                await client.close()
            turns = stored_turns(srv.data_dir / "sparring.db")
            assert [t["coach"] for t in turns] == [PRIVATE_LINE], "stored once, not twice"
            log = srv.log()
    finally:
        endpoint.stop()
    # Default log level: neither the coach's words nor the API key are written to the log.
    assert "Zebediah" not in log and "marriage" not in log, log[-2000:]
    assert SECRET_KEY not in log and SECRET_KEY[-6:] not in log


async def test_locked_database_is_retried_shown_and_resumed_after_sigkill(tmp_path: Path) -> None:
    db = tmp_path / "db" / "sparring.db"
    env = {"SPARRING_DATABASE_URL": f"sqlite:///{db}"}
    lines = ["What has this year been like for your team?",
             "So the last programmes cost you good people.",
             "What would make these sessions worth your while?",
             "What would your best technician say about all this?"]
    with running(tmp_path, **env) as first:
        client = await ChatClient(first, await login(first), profile=PERSONA).connect()
        await client.send(lines[0])
        thread_id = next(d["thread_id"] for e, d in client.events if e == "first_interaction")
        await asyncio.sleep(0.5)

        blocker = sqlite3.connect(db, timeout=1)
        blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the database
        try:
            events = await client.send(lines[1], timeout=60)
            assert meters(events), "the reply itself must not wait for the database"
            # The turn is written as one transaction after the reply; when its retries run
            # out, the whole turn waits in the outbox and the coach is told so.
            warned = await client.wait_for(lambda e, d: e == "toast" and d["type"] == "error",
                                           timeout=60)
            assert "Your conversation is kept" in warned[1]["message"]
        finally:
            blocker.rollback()
            blocker.close()

        back = await client.wait_for(lambda e, d: e == "toast" and d["type"] == "success", timeout=60)
        assert "your conversation is saved" in back[1]["message"]
        events = await client.send(lines[2], timeout=60)
        last = meters(events)[-1]["after"]
        assert [t["coach"] for t in stored_turns(db)] == lines[:3], "a turn was lost or doubled"
        first.proc.kill()  # SIGKILL: no shutdown handlers run
        first.proc.wait(timeout=10)
        log = first.log()
    assert "So the last programmes" not in log and "worth your while" not in log

    with running(tmp_path, **env) as second:
        resumed = ChatClient(second, await login(second), profile=PERSONA, thread_id=thread_id)
        await resumed.connect()
        try:
            welcome = await resumed.wait_for(
                lambda e, d: e == "new_message" and "Welcome back" in d.get("output", ""))
            assert f"**{last}/10**" in welcome[1]["output"]
            events = await resumed.send(lines[3])
            assert meters(events)[0]["before"] == last
        finally:
            await resumed.close()
    assert [t["coach"] for t in stored_turns(db)] == lines
    assert [t["index"] for t in stored_turns(db)] == [1, 2, 3, 4]


async def test_another_coach_can_neither_delete_nor_rename_a_session(tmp_path: Path) -> None:
    """Reading is covered by tests/test_auth.py; here the writes, and the log after logins."""
    import httpx

    from sparring.ui.auth import hash_password

    users = tmp_path / "users.txt"
    users.write_text(f"alice:{hash_password('alice-Pw-91x')}\nbob:{hash_password('bob-Pw-73q')}\n")
    secret = "hardening-secret-" + "q" * 40
    with running(tmp_path, SPARRING_USERS_FILE=str(users), SPARRING_AUTH_SECRET=secret) as srv:
        alice_token = await login(srv, "alice", "alice-Pw-91x")
        bob_token = await login(srv, "bob", "bob-Pw-73q")
        alice = await ChatClient(srv, alice_token, profile=PERSONA).connect()
        try:
            events = await alice.send(PRIVATE_LINE)
            thread_id = next(d["thread_id"] for e, d in events if e == "first_interaction")
            meter = next(d for e, d in events if e == "element" and d["type"] == "custom")
            await asyncio.sleep(0.5)
            async with httpx.AsyncClient(base_url=srv.url) as http:
                bob = {"access_token": bob_token}
                deleted = await http.request("DELETE", "/project/thread", cookies=bob,
                                             json={"threadId": thread_id})
                renamed = await http.put("/project/thread", cookies=bob,
                                         json={"threadId": thread_id, "name": "mine now"})
                removed = await http.request("DELETE", "/project/element", cookies=bob, json={
                    "sessionId": alice.session_id, "element": meter})
                assert (deleted.status_code, renamed.status_code) == (401, 401)
                assert removed.status_code == 401
                thread = await http.get(f"/project/thread/{thread_id}",
                                        cookies={"access_token": alice_token})
                assert thread.status_code == 200 and thread.json()["name"] != "mine now"
                assert any(s["output"] == PRIVATE_LINE for s in thread.json()["steps"])
                assert any(e["id"] == meter["id"] for e in thread.json()["elements"])
        finally:
            await alice.close()
        log = srv.log()
    for secret_text in ("alice-Pw-91x", "bob-Pw-73q", secret, "Zebediah", alice_token, bob_token):
        assert secret_text not in log
