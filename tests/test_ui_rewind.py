"""'Try this turn again' in the running web app (socket.io client, fake model): the turns taken
back leave the screen and the stored history, the manager's state is as it was, the debrief
shows both tries, and a restarted server resumes on the new branch."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from uiserver import ChatClient, login, messages, running

from sparring.persona.loader import load_personas
from sparring.settings import ROOT

pytestmark = pytest.mark.server

PERSONA = "sceptic"
LINES = [
    "What has this year been like for your team?",
    "So you've seen programmes like this come and go, and it cost you good people.",
    "You should just get on board with the programme.",
]
INSTEAD = "What would make these sessions worth your while?"


def meter(events: list[tuple[str, Any]]) -> dict[str, Any]:
    return next(d["props"] for e, d in events if e == "element" and d.get("type") == "custom")


def rewind_button(events: list[tuple[str, Any]], turn: int) -> dict[str, Any]:
    return next(d for e, d in events if e == "action" and d["name"] == "rewind_turn" and d["payload"]["turn"] == turn)


def stored(db: Path) -> dict[str, Any]:
    with sqlite3.connect(db) as conn:
        (raw,) = conn.execute("SELECT record FROM sparring_sessions").fetchone()
        outputs = [row[0] for row in conn.execute("SELECT output FROM steps")]
    return {"record": json.loads(raw), "steps": outputs}


async def test_go_back_two_turns_take_another_branch_and_resume_it(tmp_path: Path) -> None:
    persona = load_personas(ROOT / "personas")[PERSONA]
    db = tmp_path / "db" / "sparring.db"
    env = {"SPARRING_DATABASE_URL": f"sqlite:///{db}"}
    with running(tmp_path, **env) as srv:
        client = await ChatClient(srv, await login(srv), profile=PERSONA).connect()
        try:
            turns = [await client.send(line) for line in LINES]
            levels = [meter(t) for t in turns]
            thread_id = next(d["thread_id"] for e, d in client.events if e == "first_interaction")
            button = rewind_button(turns[1], 2)

            await client.action("rewind_turn", button["payload"], button["forId"])
            await client.wait_for(lambda e, d: e == "new_message" and "Back to before turn 2" in d.get("output", ""))
            await asyncio.sleep(0.3)
            deleted = {d["output"] for e, d in client.events if e == "delete_message"}
            assert LINES[1] in deleted and LINES[2] in deleted and LINES[0] not in deleted
            taken_replies = [m["output"] for t in turns[1:] for m in messages(t, author=persona.name)]
            assert set(taken_replies) <= deleted
            notice = [m["output"] for m in messages(client.events, author="Sparring") if "Back to before turn 2" in m["output"]]
            assert f"**{levels[0]['after']}/10**" in notice[-1]

            again = await client.send(INSTEAD)
            assert meter(again)["before"] == levels[0]["after"], "the state is as it was after turn 1"
            await asyncio.sleep(1.0)
            saved = stored(db)
            record = saved["record"]["transcript"]
            assert [t["coach"] for t in record["turns"]] == [LINES[0], INSTEAD]
            assert [[t["coach"] for t in b["turns"]] for b in record["branches"]] == [LINES[1:]]
            assert LINES[1] not in saved["steps"] and LINES[2] not in saved["steps"]
        finally:
            await client.close()

    with running(tmp_path, **env) as second:
        resumed = ChatClient(second, await login(second), profile=PERSONA, thread_id=thread_id)
        await resumed.connect()
        try:
            _, thread = await resumed.wait_for(lambda e, d: e == "resume_thread")
            shown = [s["output"] for s in thread["steps"]]
            assert INSTEAD in shown and LINES[1] not in shown and LINES[2] not in shown
            events = await resumed.send("/end")
            debrief = next(m["output"] for m in messages(events, author="Sparring") if "Turns you tried again" in m["output"])
            assert LINES[1] in debrief and INSTEAD in debrief
        finally:
            await resumed.close()


async def test_a_walk_out_at_hard_is_said_plainly_and_going_back_reopens_the_talk(tmp_path: Path) -> None:
    persona = load_personas(ROOT / "personas")[PERSONA]
    pushes = ["You need to get on board with Drive Forward.", "HR expects results, so do what I say.",
              "You should just delegate more."]
    with running(tmp_path) as srv:
        client = await ChatClient(srv, await login(srv), profile=PERSONA).connect()
        try:
            await client.change_settings({"difficulty": "hard", "live_feedback": True, "show_meter": True})
            turns = [await client.send(line) for line in pushes]
            notice = [m["output"] for m in messages(turns[-1], author="Sparring")]
            assert any(f"{persona.name} has ended the conversation" in n for n in notice), notice
            refused = await client.send("Sorry, can we start again?")
            assert any("has ended the conversation" in m["output"] for m in messages(refused))
            assert not [e for e, _ in refused if e == "stream_token"]
            button = rewind_button(turns[-1], 3)
            await client.action("rewind_turn", button["payload"], button["forId"])
            await client.wait_for(lambda e, d: e == "new_message" and "Back to before turn 3" in d.get("output", ""))
            again = await client.send("What would make this hour worth it for you?")
            assert [m for m in messages(again, author=persona.name) if m["output"].strip()]
        finally:
            await client.close()
