"""The running web app through a database outage longer than its retries: every message the
coach saw is in Chainlit's history afterwards, in its final text, once; the coach was told
while the database was away and when it came back."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from uiserver import ChatClient, login, running

pytestmark = pytest.mark.server

LINES = ["What has this year been like for your team?",
         "So the last programmes cost you good people.",
         "What would make these sessions worth your while?",
         "What would your best technician say about all this?"]


def seen(events: list[tuple[str, Any]]) -> dict[str, str]:
    """Final text of every message the browser was shown and not told to remove."""
    shown: dict[str, str] = {}
    for event, data in events:
        if event in ("new_message", "update_message") and isinstance(data, dict) \
                and data.get("type") in ("assistant_message", "user_message"):
            shown[data["id"]] = data.get("output", "")
        elif event == "delete_message" and isinstance(data, dict):
            shown.pop(data.get("id", ""), None)
    return shown


def stored(db: Path, thread_id: str) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db, timeout=5) as conn:
        return conn.execute(
            "SELECT id, type, output FROM steps WHERE threadId = ? "
            "AND type IN ('assistant_message', 'user_message')", (thread_id,)).fetchall()


async def test_messages_made_during_a_long_outage_reach_the_history(tmp_path: Path) -> None:
    db = tmp_path / "db" / "sparring.db"
    # A 0.2 s busy timeout: each write's retries end after about 2 s against the lock.
    env = {"SPARRING_DATABASE_URL": f"sqlite:///{db}?timeout=0.2"}
    with running(tmp_path, **env) as server:
        client = await ChatClient(server, await login(server), profile="sceptic").connect()
        try:
            await client.send(LINES[0])
            thread_id = next(d["thread_id"] for e, d in client.events if e == "first_interaction")
            await asyncio.sleep(0.5)

            blocker = sqlite3.connect(db, timeout=1)
            blocker.execute("BEGIN EXCLUSIVE")
            try:
                await client.send(LINES[1], timeout=60)
                await client.send(LINES[2], timeout=60)
                await asyncio.sleep(4)  # well past every write's retries
                toasts = [d for e, d in client.events if e == "toast"]
                assert any(t["type"] == "error" and "database is not answering" in t["message"]
                           for t in toasts), toasts
                during = blocker.execute("SELECT COUNT(*) FROM steps WHERE threadId = ?",
                                         (thread_id,)).fetchone()[0]
            finally:
                blocker.rollback()
                blocker.close()

            await client.wait_for(lambda e, d: e == "toast" and d.get("type") == "success"
                                  and "database is back" in d.get("message", ""), timeout=60)
            await client.send(LINES[3])
            await asyncio.sleep(1)
            shown = seen(client.events)
        finally:
            await client.close()

    rows = stored(db, thread_id)
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids))
    saved = {r[0]: r[2] for r in rows}
    missing = {i: t for i, t in shown.items() if i not in saved}
    assert not missing, f"shown but not in the history: {missing}"
    stale = {i: (t, saved[i]) for i, t in shown.items() if saved[i] != t}
    assert not stale, f"history holds an older text: {stale}"
    coach = sorted(r[2] for r in rows if r[1] == "user_message")
    assert coach == sorted(LINES), "a coach line was lost or doubled"
    assert during < len(rows), "the outage should have held some messages back"
