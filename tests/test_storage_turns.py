"""One coach turn is one write: Chainlit's history writes of the turn and the practice record
reach the database in one transaction, so the turn is stored whole or not at all, through a
long outage and through a crash in the middle of writing it.

The writes are made the way Chainlit makes them in a coach's socket chat (its data-layer
calls, in order); the database is real (SQLite, and PostgreSQL when its binaries exist).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from chainlit.context import ChainlitContext, context_var
from chainlit.session import WebsocketSession
from pgcluster import cluster_or_skip
from sqlalchemy import event

from sparring.engine.transcript import ManagerState, Transcript
from sparring.storage import datalayer, outbox
from sparring.storage.datalayer import SparringDataLayer, make_data_layer
from sparring.storage.schema import ensure_schema
from sparring.storage.sessions import PracticeOptions, StoredPractice

ROOT = Path(__file__).resolve().parents[1]


class Tab:
    """A coach's browser tab: records the toasts it was shown."""

    def __init__(self) -> None:
        self.toasts: list[tuple[str, str]] = []

    async def send_toast(self, message: str, type: str = "info") -> None:
        self.toasts.append((type, message))


def open_chat(thread_id: str) -> Tab:
    """Chainlit's context of a coach's socket chat that has had its first message."""
    async def emit(*_: Any) -> None:
        return None

    session = WebsocketSession(id=str(uuid.uuid4()), socket_id=str(uuid.uuid4()), emit=emit,
                               emit_call=emit, user_env={}, client_type="webapp",
                               thread_id=thread_id)
    session.has_first_interaction = True
    tab = Tab()
    context_var.set(ChainlitContext(session, emitter=tab))  # type: ignore[arg-type]
    return tab


def step(thread: str, step_id: str, kind: str, output: str, **extra: Any) -> dict[str, Any]:
    return {"id": step_id, "threadId": thread, "name": "coach" if kind == "user_message" else
            "Graham Whitfield", "type": kind, "output": output, "createdAt": step_id, **extra}


def sid(turn: int, part: int) -> str:
    """A step id (PostgreSQL's columns are UUIDs) that sorts by turn, then part."""
    return f"00000000-0000-4000-8000-{turn:010d}{part:02d}"


def record(line: str, reply: str) -> StoredPractice:
    state = ManagerState(resistance=6.0, revealed=[], closed_streak=0, turn=1, commitments=[])
    transcript = Transcript(persona_id="sceptic", persona_name="Graham Whitfield",
                            difficulty="realistic", opening=reply, state=state, turns=[])
    return StoredPractice(transcript=transcript, options=PracticeOptions(model="fake"))


async def play_turn(layer: SparringDataLayer, thread: str, n: int) -> None:
    """The writes of one turn, in Chainlit's order: the coach's line, the run step Chainlit
    opens for it, the reply, the feedback note (its final text only: the placeholder is shown,
    never stored), the practice record, and the run step closing after the handler."""
    coach, run, reply, note = (sid(n, part) for part in range(4))
    await layer.create_step(step(thread, coach, "user_message", f"Coach line {n}"))
    await layer.create_step(step(thread, run, "run", "", parentId=coach, start="s"))
    await layer.create_step(step(thread, reply, "assistant_message", f"Reply {n}", parentId=run))
    await layer.update_step(step(thread, note, "tool", f"Note {n}", parentId=run))
    await layer.update_step(step(thread, reply, "assistant_message", f"Reply {n}.", parentId=run))
    assert await layer.practice.save(thread, "alice", record(f"Coach line {n}", f"Reply {n}."))
    await layer.update_step(step(thread, run, "run", "", parentId=coach, start="s", end="e"))


@pytest.fixture()
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datalayer, "RETRY_PAUSE_S", 0.01)
    monkeypatch.setattr(outbox, "REPLAY_PAUSE_S", 0.02)
    monkeypatch.setattr(outbox, "REPLAY_MAX_PAUSE_S", 0.05)


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    yield from cluster_or_skip("the PostgreSQL half of this test")


@pytest.fixture(params=["sqlite", "postgres"])
async def layer(request: pytest.FixtureRequest, tmp_path: Path, fast: None
                ) -> AsyncIterator[SparringDataLayer]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'sparring.db'}?timeout=0.05"
    else:
        url = request.getfixturevalue("pg_url")
    data_layer = make_data_layer(await ensure_schema(url))
    yield data_layer
    await data_layer.engine.dispose()


class Counter:
    """Statements and commits the database received."""

    def __init__(self, layer: SparringDataLayer) -> None:
        self.statements: list[str] = []
        self.commits = 0
        engine = layer.engine.sync_engine
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.statements.append(statement.split(None, 1)[0].upper())

    def _commit(self, _conn: Any) -> None:
        self.commits += 1


async def history(layer: SparringDataLayer, thread: str) -> list[tuple[str, str]]:
    rows = await layer.execute_sql('SELECT "id", "output" FROM steps WHERE "threadId" = :t '
                                   'ORDER BY "id"', {"t": thread})
    assert isinstance(rows, list)
    return [(r["id"], r["output"]) for r in rows]


async def test_a_turn_reaches_the_database_in_one_transaction(layer: SparringDataLayer) -> None:
    thread = str(uuid.uuid4())
    open_chat(thread)
    await play_turn(layer, thread, 1)  # the thread row is created by the first turn
    await layer.flush_turns()
    counter = Counter(layer)
    await play_turn(layer, thread, 2)
    assert counter.commits == 0, "nothing is written before the turn is over"
    await layer.flush_turns()
    # One commit; per step one upsert (the note's placeholder is never stored, the reply's
    # two versions are one), one check that the thread exists, one practice upsert.
    writes = [s for s in counter.statements if s in ("INSERT", "UPDATE", "DELETE")]
    assert counter.commits == 1, counter.statements
    assert len(writes) == 5 and len(counter.statements) <= 7, counter.statements
    assert await history(layer, thread) == [
        (sid(1, 0), "Coach line 1"), (sid(1, 1), ""), (sid(1, 2), "Reply 1."), (sid(1, 3), "Note 1"),
        (sid(2, 0), "Coach line 2"), (sid(2, 1), ""), (sid(2, 2), "Reply 2."), (sid(2, 3), "Note 2"),
    ]
    run = await layer.execute_sql('SELECT "end" FROM steps WHERE "id" = :id', {"id": sid(2, 1)})
    assert run == [{"end": "e"}], "the run step's closing update is part of the turn"
    assert await layer.practice.load(thread, "alice") is not None
    assert layer.turns_written == 2


async def test_a_long_outage_keeps_each_turn_whole_and_in_order(tmp_path: Path, fast: None) -> None:
    path = tmp_path / "sparring.db"
    url = await ensure_schema(f"sqlite:///{path}")
    layer = make_data_layer(f"{url}?timeout=0.05")
    thread = str(uuid.uuid4())
    tab = open_chat(thread)
    await play_turn(layer, thread, 1)
    await layer.flush_turns()

    lock = sqlite3.connect(path, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        await play_turn(layer, thread, 2)
        await play_turn(layer, thread, 3)
        await layer.flush_turns()  # both outlast their retries and are queued
        assert layer.pending_writes == 2, "each turn should wait as one write"
        await asyncio.sleep(0.3)  # replay rounds fail against the lock
        assert lock.execute("SELECT COUNT(*) FROM steps").fetchall() == [(4,)]
        assert [kind for kind, _ in tab.toasts] == ["error"]
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    await asyncio.wait_for(layer.outbox.wait_empty(), timeout=60)
    saved = await history(layer, thread)
    assert [i for i, _ in saved] == [sid(n, p) for n in (1, 2, 3) for p in range(4)]
    assert (sid(3, 2), "Reply 3.") in saved
    assert tab.toasts[-1] == ("success", "The database is back: your conversation is saved.")
    await layer.engine.dispose()


CRASHING_WRITER = """
import asyncio, sys, time, uuid
sys.path.insert(0, {tests!r})
from sqlalchemy import event
from sparring.storage.datalayer import make_data_layer
from test_storage_turns import open_chat, play_turn

async def main():
    layer = make_data_layer({url!r})
    thread = {thread!r}
    open_chat(thread)
    await play_turn(layer, thread, 1)
    await layer.flush_turns()

    def stall(conn, cursor, statement, *args):
        if "sparring_sessions" in statement:  # the last write of turn 2: die in the middle
            print("writing", flush=True)
            time.sleep(60)

    event.listen(layer.engine.sync_engine, "before_cursor_execute", stall)
    await play_turn(layer, thread, 2)
    await layer.flush_turns()

asyncio.run(main())
"""


def test_a_crash_while_a_turn_is_written_leaves_none_of_it(tmp_path: Path) -> None:
    path = tmp_path / "sparring.db"
    url = asyncio.run(ensure_schema(f"sqlite:///{path}"))
    thread = str(uuid.uuid4())
    script = CRASHING_WRITER.format(tests=str(ROOT / "tests"), url=url, thread=thread)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPARRING_")}
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             env=env, cwd=ROOT)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "writing", "the writer never reached turn 2"
        # Turn 2's steps are already inserted, uncommitted, when the process dies.
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    with sqlite3.connect(path) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM steps ORDER BY id")]
        records = conn.execute("SELECT record FROM sparring_sessions").fetchall()
    assert ids == [sid(1, p) for p in range(4)], "turn 2 must be stored whole or not at all"
    assert len(records) == 1 and json.loads(records[0][0])["transcript"]["opening"] == "Reply 1."
