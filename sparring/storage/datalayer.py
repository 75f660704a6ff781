"""Chainlit's own SQLAlchemy data layer, wired to our settings and our practice table.

A short outage is ridden out by retrying each statement; a long one by the outbox
(`outbox.py`): Chainlit's history writes are kept in memory, in order, and replayed once
the database answers again, while the coach is told (a toast) that nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from chainlit.data.sql_alchemy import SQLAlchemyDataLayer
from sqlalchemy import event, text
from sqlalchemy.exc import SQLAlchemyError

from sparring.storage.batch import TX
from sparring.storage.files import LocalStorageClient
from sparring.storage.outbox import ATTEMPTS, DatabaseUnavailable, Outbox, Pending, transient
from sparring.storage.retry import retrying
from sparring.storage.reviews import ReviewStore
from sparring.storage.schema import normalise_url
from sparring.storage.sessions import PracticeStore
from sparring.storage.sharing import ShareStore
from sparring.storage.turnwrites import TurnWrites, _audience, socket_thread

if TYPE_CHECKING:
    from chainlit.element import Element
    from chainlit.step import StepDict
    from chainlit.types import Feedback

log = logging.getLogger("sparring.storage")

#: Tries per statement when the database is busy or briefly gone, and the first pause.
WRITE_ATTEMPTS = 4
RETRY_PAUSE_S = 0.2
#: How long shutdown waits for queued writes when the database is still away.
CLOSE_WAIT_S = 10.0

T = TypeVar("T")


async def _toast(emitter: Any, kind: str, message: str) -> None:
    await emitter.send_toast(message, kind)


def _is_write(query: str) -> bool:
    words = query.split(None, 1)
    return bool(words) and words[0].upper() in ("INSERT", "UPDATE", "DELETE")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers and the one writer proceed together and commits without an fsync
    each: with many coaches, Chainlit's ~17 history statements a turn otherwise queue on the
    database lock (50 coaches: 265 -> 328 turns in 30 s, benchmarks/bench_server_load.py).
    `synchronous=NORMAL` can lose the last commits on power loss, not on a process crash.
    `secure_delete` overwrites deleted rows, so `sparring sessions delete` leaves no text
    behind in free pages of the file."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


class SparringDataLayer(TurnWrites, SQLAlchemyDataLayer):
    """Adds the practice store, removes a session's practice row with its thread, and keeps
    history writes through a database outage."""

    def __init__(self, url: str, files_dir: Path | None = None) -> None:
        storage = LocalStorageClient(files_dir) if files_dir is not None else None
        super().__init__(conninfo=normalise_url(url), storage_provider=storage)
        # Chainlit logs database errors with str(exc), which by default quotes the SQL
        # parameters: the coach's words and the practice record. Keep them out of logs.
        self.engine.sync_engine.hide_parameters = True
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.files = storage
        self.practice = PracticeStore(self.engine, join=self._join_practice)
        self.shares = ShareStore(self.engine)  # what coaches share with trainers
        self.reviews = ReviewStore(self.engine)  # trainers' verdicts on rated replies
        self.outbox = Outbox(notify=_toast)

    @property
    def pending_writes(self) -> int:
        """History writes waiting for the database; non-zero means it is (or was just) down."""
        return len(self.outbox)

    async def execute_sql(self, query: str, parameters: dict[str, Any]) -> list[dict[str, Any]] | int | None:
        """Chainlit's statement runner, retrying a locked or unreachable database.

        Chainlit writes each message with one statement in a background task and drops it
        on any error. With many coaches on SQLite, writers wait for each other longer than
        the 5 s busy timeout; a restarting PostgreSQL drops connections. Both pass, so a
        few tries keep the message; past them a write is queued in the outbox.
        """
        tx = TX.get()
        if tx is not None:  # inside a turn's transaction: its commit owns retries and failures
            return self._rows(await tx.run(text(query), parameters))
        tracked = ATTEMPTS.get()
        if not tracked and _is_write(query) and len(self.outbox):
            await self._queue("statement", self._replayable(query, parameters))
            return None  # never overtake an older queued write
        attempts = tracked or WRITE_ATTEMPTS
        try:
            return await self._retrying("a statement", lambda: self._statement(query, parameters), attempts)
        except SQLAlchemyError as exc:  # parameters are hidden (see __init__)
            if not transient(exc):
                log.warning("database statement failed: %s", exc)
                return None
        if tracked:
            raise DatabaseUnavailable  # the write this statement belongs to is queued whole
        if _is_write(query):
            await self._queue("statement", self._replayable(query, parameters))
        else:
            log.error("database read failed after %d tries", attempts)
        return None

    async def _retrying(self, what: str, call: Callable[[], Awaitable[T]], attempts: int = 0) -> T:
        """Tries while the database is busy or briefly away, with a growing pause."""
        attempts = attempts or WRITE_ATTEMPTS

        def busy(number: int, error: BaseException) -> None:
            log.warning("database busy or unreachable writing %s (try %d of %d): %s",
                        what, number, attempts, type(error).__name__)

        return await retrying(call, attempts=attempts, pause=RETRY_PAUSE_S, after=busy,
                              retry_if=lambda e: isinstance(e, SQLAlchemyError) and transient(e))

    async def _statement(self, query: str, parameters: dict[str, Any]) -> list[dict[str, Any]] | int | None:
        """One try: the statement in its own transaction, rolled back if it fails."""
        async with self.async_session() as session:
            try:
                await session.begin()
                result = await session.execute(text(query), parameters)
                await session.commit()
            except SQLAlchemyError:
                with contextlib.suppress(Exception):
                    await session.rollback()
                raise
            return self._rows(result)

    def _rows(self, result: Any) -> list[dict[str, Any]] | int | None:
        if result.returns_rows:
            rows = self.clean_result([dict(row._mapping) for row in result.fetchall()])
            return rows if isinstance(rows, list) else None
        return int(result.rowcount)

    def _replayable(self, query: str, parameters: dict[str, Any]) -> Callable[[], Awaitable[Any]]:
        saved = copy.deepcopy(parameters)
        return lambda: self.execute_sql(query, saved)

    async def _queue(self, kind: str, run: Callable[[], Awaitable[Any]],
                     seq: int | None = None) -> None:
        ticket = self.outbox.ticket() if seq is None else seq
        await self.outbox.add(Pending(ticket, kind, run, _audience()))

    async def _tracked(self, kind: str, run: Callable[[], Awaitable[T]], default: T) -> T:
        """Run one Chainlit write; if the database stays away, queue all of it for later.

        A whole write is queued, not its last statement: `update_thread` reads the thread's
        metadata before it upserts it, and replaying the upsert alone would wipe it.
        """
        if ATTEMPTS.get():  # nested in another write, or a replay: that one owns failures
            return await run()
        thread = socket_thread()
        flushing = self._flushing.get(thread) if thread else None
        if flushing is not None and flushing is not asyncio.current_task():  # never overtake
            # the chat's turn being written (unless this is that turn, written part by part)
            await asyncio.wait([flushing])
        seq = self.outbox.ticket()
        if len(self.outbox):
            await self._queue(kind, run, seq)
            return default
        token = ATTEMPTS.set(WRITE_ATTEMPTS)
        try:
            return await run()
        except DatabaseUnavailable:
            await self._queue(kind, run, seq)
            return default
        finally:
            ATTEMPTS.reset(token)

    async def update_thread(self, thread_id: str, name: str | None = None,
                            user_id: str | None = None, metadata: dict[Any, Any] | None = None,
                            tags: list[str] | None = None) -> None:
        tx = TX.get()
        if tx is not None:  # a step of a turn being written makes sure its thread exists
            if thread_id in tx.threads and (name, user_id, metadata, tags) == (None, None, None, None):
                return  # already checked or written in this transaction
            await SQLAlchemyDataLayer.update_thread(self, thread_id, name, user_id, metadata, tags)
            tx.threads.add(thread_id)
            return
        saved = copy.deepcopy(metadata)
        await self._tracked("update_thread", lambda: SQLAlchemyDataLayer.update_thread(
            self, thread_id, name, user_id, copy.deepcopy(saved), tags), None)

    async def create_step(self, step_dict: StepDict) -> None:
        saved = copy.deepcopy(step_dict)  # Chainlit edits the dict it writes
        batch = self._batch(saved.get("threadId"), opens=saved.get("type") == "user_message")
        if batch is not None:
            batch.add_step(cast(dict[str, Any], saved),
                           lambda step: SQLAlchemyDataLayer.create_step(self, cast("StepDict", step)))
            self._close_if_complete(batch)
            return
        await self._tracked("create_step", lambda: SQLAlchemyDataLayer.create_step(
            self, copy.deepcopy(saved)), None)

    async def delete_step(self, step_id: str) -> None:
        batch = self._batch(socket_thread())
        if batch is not None:
            batch.add_delete_step(step_id, lambda: SQLAlchemyDataLayer.delete_step(self, step_id))
            return
        await self._tracked("delete_step", lambda: SQLAlchemyDataLayer.delete_step(self, step_id), None)

    async def upsert_feedback(self, feedback: Feedback) -> str:
        if not feedback.id:
            feedback.id = str(uuid.uuid4())  # the id is returned now, even if saved later
        saved = copy.deepcopy(feedback)
        return await self._tracked("upsert_feedback", lambda: SQLAlchemyDataLayer.upsert_feedback(
            self, copy.deepcopy(saved)), saved.id or "")

    async def delete_feedback(self, feedback_id: str) -> bool:
        return await self._tracked("delete_feedback", lambda: SQLAlchemyDataLayer.delete_feedback(
            self, feedback_id), True)

    async def create_element(self, element: Element) -> None:
        batch = self._batch(element.thread_id)
        if batch is not None:
            batch.add("element", lambda: SQLAlchemyDataLayer.create_element(self, element))
            return
        await self._tracked("create_element", lambda: SQLAlchemyDataLayer.create_element(
            self, element), None)

    async def delete_element(self, element_id: str, thread_id: str | None = None) -> None:
        batch = self._batch(thread_id or socket_thread())
        if batch is not None:
            batch.add("delete_element", lambda: SQLAlchemyDataLayer.delete_element(
                self, element_id, thread_id))
            return
        await self._tracked("delete_element", lambda: SQLAlchemyDataLayer.delete_element(
            self, element_id, thread_id), None)

    async def close(self) -> None:
        """At shutdown, give queued writes a last chance; they live in memory only."""
        await self.flush_turns()
        if len(self.outbox):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.outbox.wait_empty(), CLOSE_WAIT_S)
            if len(self.outbox):
                log.error("shutting down with %d chat history writes unsaved (database down)",
                          len(self.outbox))
        await super().close()

    async def delete_thread(self, thread_id: str) -> None:
        await self._tracked("delete_thread", lambda: SQLAlchemyDataLayer.delete_thread(
            self, thread_id), None)
        await self.practice.delete(thread_id)
        await self.shares.forget(thread_id)


def make_data_layer(url: str, files_dir: Path | None = None) -> SparringDataLayer:
    """Build the data layer; the engine connects lazily, so this does no I/O."""
    return SparringDataLayer(url, files_dir)
