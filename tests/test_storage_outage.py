"""A real SQLite database locked by another connection for longer than the data layer's retry
window, then released: every chat-history write made meanwhile is in the database afterwards,
once, in its latest version, and the coach was told while it was down."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from chainlit.context import ChainlitContext, context_var
from chainlit.session import HTTPSession
from chainlit.types import Feedback

from sparring.settings import Settings
from sparring.storage import datalayer, outbox
from sparring.storage.datalayer import SparringDataLayer, make_data_layer
from sparring.storage.schema import ensure_schema


class Tab:
    """Stands in for a coach's browser tab: records the toasts Chainlit would show."""

    def __init__(self) -> None:
        self.toasts: list[tuple[str, str]] = []

    async def send_toast(self, message: str, type: str = "info") -> None:
        self.toasts.append((type, message))


@pytest.fixture()
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datalayer, "RETRY_PAUSE_S", 0.01)
    monkeypatch.setattr(outbox, "REPLAY_PAUSE_S", 0.02)
    monkeypatch.setattr(outbox, "REPLAY_MAX_PAUSE_S", 0.05)


@pytest.fixture()
async def db(settings: Settings, fast: None) -> AsyncIterator[tuple[SparringDataLayer, Path]]:
    url = await ensure_schema(settings.effective_database_url)
    path = settings.data_dir / "sparring.db"
    # A short busy timeout, so each try against the lock fails in 50 ms instead of 5 s.
    layer = make_data_layer(f"{url}?timeout=0.05")
    yield layer, path
    await layer.engine.dispose()


def open_tab() -> Tab:
    """Chainlit's context for this task, as in a coach's session (set inside the test: the
    context must be the one the writes run in)."""
    tab = Tab()
    session = HTTPSession(id=str(uuid.uuid4()), client_type="webapp")
    context_var.set(ChainlitContext(session, emitter=tab))  # type: ignore[arg-type]
    return tab


class Lock:
    """Another process's connection holding an exclusive transaction: reads and writes wait."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


def step(thread_id: str, step_id: str, kind: str, output: str) -> dict[str, Any]:
    return {"id": step_id, "threadId": thread_id, "name": "coach" if kind == "user_message" else
            "Graham Whitfield", "type": kind, "output": output, "createdAt": step_id}


def rows(path: Path, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(query).fetchall()


async def drained(layer: SparringDataLayer) -> None:
    await asyncio.wait_for(layer.outbox.wait_empty(), timeout=60)


async def test_a_long_lock_loses_no_history_and_doubles_nothing(
        db: tuple[SparringDataLayer, Path]) -> None:
    layer, path = db
    tab = open_tab()
    thread = str(uuid.uuid4())
    await layer.update_thread(thread, name="Practice with Graham", metadata={"persona": "sceptic"})
    await layer.create_step(step(thread, "01", "user_message", "What has this year been like?"))
    await layer.create_step(step(thread, "02", "assistant_message", "Busy. Why?"))
    assert layer.pending_writes == 0

    lock = Lock(path)
    try:
        # Each of these exhausts (or skips) the retries while the lock is held, and returns.
        await layer.create_step(step(thread, "03", "user_message", "What worries you most?"))
        assert layer.pending_writes == 1, "the first write should have outlasted its retries"
        await layer.create_step(step(thread, "04", "assistant_message", ""))
        await layer.update_step(step(thread, "04", "assistant_message", "Losing two of my lads."))
        feedback_id = await layer.upsert_feedback(Feedback(forId="02", value=1, comment="fair"))
        await layer.update_thread(thread, metadata={"ended": True})
        await layer.create_step(step(thread, "05", "user_message", "Tell me about them."))
        await layer.create_step(step(thread, "06", "assistant_message", "Good men, both."))
        await asyncio.sleep(0.5)  # several replay rounds fail against the lock
        assert layer.pending_writes == 7
        # Only the lock holder can read now: nothing of the outage reached the file yet.
        assert lock.conn.execute("SELECT COUNT(*) FROM steps").fetchall() == [(2,)]
        assert tab.toasts and tab.toasts[0][0] == "error"
        assert "database is not answering" in tab.toasts[0][1] and len(tab.toasts) == 1
    finally:
        lock.release()

    await drained(layer)
    assert layer.pending_writes == 0
    saved = rows(path, f"SELECT id, output FROM steps WHERE threadId = '{thread}' ORDER BY id")
    assert saved == [
        ("01", "What has this year been like?"), ("02", "Busy. Why?"),
        ("03", "What worries you most?"), ("04", "Losing two of my lads."),
        ("05", "Tell me about them."), ("06", "Good men, both."),
    ]
    assert rows(path, "SELECT id, forId, value FROM feedbacks") == [(feedback_id, "02", 1)]
    [(name, metadata)] = rows(path, f"SELECT name, metadata FROM threads WHERE id = '{thread}'")
    # The thread write made during the outage merged with what was there; it did not wipe it.
    assert name == "Practice with Graham"
    assert json.loads(metadata) == {"persona": "sceptic", "ended": True}
    assert tab.toasts[-1] == ("success", "The database is back: your conversation is saved.")

    # Afterwards writes go straight through again.
    await layer.create_step(step(thread, "07", "user_message", "And you?"))
    assert layer.pending_writes == 0 and rows(path, "SELECT COUNT(*) FROM steps") == [(7,)]


async def test_writes_past_the_limit_are_refused_visibly_and_the_rest_kept(
        db: tuple[SparringDataLayer, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox, "MAX_PENDING", 3)
    layer, path = db
    tab = open_tab()
    thread = str(uuid.uuid4())
    await layer.update_thread(thread, name="Practice")
    lock = Lock(path)
    try:
        for i in range(5):
            await layer.create_step(step(thread, f"{i:02}", "user_message", f"line {i}"))
        assert layer.pending_writes == 3 and layer.outbox.dropped == 2
        assert [kind for kind, _ in tab.toasts] == ["error", "error", "error"]
        assert "no longer being kept" in tab.toasts[-1][1]
    finally:
        lock.release()
    await drained(layer)
    assert rows(path, "SELECT id FROM steps ORDER BY id") == [("00",), ("01",), ("02",)]


async def test_a_statement_that_can_never_work_is_not_kept(
        db: tuple[SparringDataLayer, Path]) -> None:
    """'no such table' has the same exception class as 'database is locked' in SQLite; only
    the second is worth waiting for, or one bad statement would block every later write."""
    layer, _ = db
    tab = open_tab()
    assert await layer.execute_sql("INSERT INTO nowhere VALUES (1)", {}) is None
    assert layer.pending_writes == 0 and tab.toasts == []


async def test_shutdown_saves_what_is_queued_once_the_database_answers(
        db: tuple[SparringDataLayer, Path]) -> None:
    layer, path = db
    open_tab()
    thread = str(uuid.uuid4())
    lock = Lock(path)
    await layer.create_step(step(thread, "01", "user_message", "Last words before closing."))
    assert layer.pending_writes == 1
    asyncio.get_running_loop().call_later(0.3, lock.release)  # the database returns meanwhile
    await layer.close()
    assert layer.pending_writes == 0
    assert rows(path, "SELECT id, output FROM steps") == [("01", "Last words before closing.")]
