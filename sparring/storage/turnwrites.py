"""The data layer's side of one transaction per turn: open, collect, close, write.

`batch.py` says what a turn's batch holds; this mixin of `SparringDataLayer` decides when a
chat's batch opens (the coach's line) and closes (the turn is over), and writes it in one
transaction with the same retries as any write. A database that stays away queues the whole
turn in the outbox in the place of its first write, so it neither overtakes older writes
nor is overtaken by the chat's later ones; later writes of the chat wait for a turn being
written.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextvars import Context
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import sessionmaker

from sparring.storage.batch import MAX_OPEN_S, TX, Run, TurnBatch, Tx
from sparring.storage.outbox import DatabaseUnavailable, Outbox, transient

log = logging.getLogger("sparring.storage")

T = TypeVar("T")


def socket_thread() -> str | None:
    """The thread of the coach's open chat behind the current write, if there is one."""
    from chainlit.context import ChainlitContextException, get_context
    from chainlit.session import WebsocketSession

    try:
        session = get_context().session
    except ChainlitContextException:
        return None
    return session.thread_id if isinstance(session, WebsocketSession) else None


def _audience() -> Any:
    from chainlit.context import ChainlitContextException, get_context

    try:
        return get_context().emitter
    except ChainlitContextException:
        return None


class TurnWrites:
    """Turn batches of a data layer; the layer provides the session factory, the outbox,
    the retry policy and the one-write path used when a turn cannot be written whole."""

    outbox: Outbox
    async_session: sessionmaker[AsyncSession]  # type: ignore[type-var]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.turns: dict[str, TurnBatch] = {}  # open batches by thread
        self._flushing: dict[str, asyncio.Task[None]] = {}
        self.turns_written = 0

    async def _retrying(self, what: str, call: Callable[[], Awaitable[T]], attempts: int = 0) -> T:
        raise NotImplementedError

    async def _queue(self, kind: str, run: Callable[[], Awaitable[Any]], seq: int | None = None) -> None:
        raise NotImplementedError

    async def _tracked(self, kind: str, run: Callable[[], Awaitable[T]], default: T) -> T:
        raise NotImplementedError

    def _batch(self, thread_id: str | None, opens: bool = False) -> TurnBatch | None:
        """The open batch of a coach's chat; a coach's line opens one (socket chats only:
        other writes, e.g. feedback over HTTP, go straight through)."""
        if not thread_id:
            return None
        batch = self.turns.get(thread_id)
        if batch is None and opens and socket_thread() == thread_id:
            batch = TurnBatch(thread_id, self.outbox.ticket(), _audience())
            # In an empty context: a cancelled timer stays in the loop's heap until it falls
            # due, and with the chat's context it would keep the closed chat's session alive.
            batch.timer = asyncio.get_running_loop().call_later(MAX_OPEN_S, self._close, batch,
                                                                context=Context())
            self.turns[thread_id] = batch
        return batch

    def _join_practice(self, thread_id: str, run: Run) -> bool:
        """The practice record joins the turn's batch, if the chat has one open."""
        batch = self.turns.get(thread_id)
        if batch is None:
            return False
        batch.set_practice(run)
        self._close_if_complete(batch)
        return True

    def _close_if_complete(self, batch: TurnBatch) -> None:
        if batch.complete:
            self._close(batch)

    def _close(self, batch: TurnBatch) -> None:
        """Stop collecting and write the batch, after the chat's previous one."""
        if batch.closing:
            return
        batch.closing = True
        if batch.timer is not None:
            batch.timer.cancel()
        if self.turns.get(batch.thread_id) is batch:
            del self.turns[batch.thread_id]
        previous = self._flushing.get(batch.thread_id)
        task = asyncio.get_running_loop().create_task(self._flush(batch, previous),
                                                      context=batch.context.copy())
        self._flushing[batch.thread_id] = task

        def done(_: asyncio.Task[None]) -> None:
            if self._flushing.get(batch.thread_id) is task:
                del self._flushing[batch.thread_id]

        task.add_done_callback(done)

    async def _flush(self, batch: TurnBatch, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        if len(self.outbox):  # never overtake an older queued write
            await self._queue("turn", lambda: self._commit_once(batch), batch.seq)
            return

        try:
            await self._retrying("a turn", lambda: self._commit(batch))
        except SQLAlchemyError as exc:
            if transient(exc):  # the whole turn waits in the outbox, in its place in line
                await self._queue("turn", lambda: self._commit_once(batch), batch.seq)
                return
            # A statement that can never work must not cost the rest of the turn.
            log.warning("writing a turn as one failed (%s); writing its parts one by one", exc)
            for write in batch.writes:
                await self._tracked(write.kind, write.perform, None)
        except Exception:  # e.g. an element file that cannot be written
            log.exception("could not write a turn (%s)", batch.describe())

    async def _commit(self, batch: TurnBatch) -> None:
        """All the turn's writes in one transaction: stored whole, or not at all."""
        async with self.async_session() as session, session.begin():
            token = TX.set(Tx(session))
            try:
                for write in batch.writes:
                    await write.perform()
            finally:
                TX.reset(token)
        self.turns_written += 1

    async def _commit_once(self, batch: TurnBatch) -> None:
        """A replay from the outbox: one try; still unavailable -> stays queued."""
        try:
            await self._commit(batch)
        except SQLAlchemyError as exc:
            if transient(exc):
                raise DatabaseUnavailable from exc
            raise

    async def flush_turns(self) -> None:
        """Write every open batch now and wait for them (shutdown, tests)."""
        for batch in list(self.turns.values()):
            self._close(batch)
        while self._flushing:
            await asyncio.wait(list(self._flushing.values()))
