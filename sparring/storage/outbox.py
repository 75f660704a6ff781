"""Chat-history writes kept in memory while the database is down, replayed in order after.

Chainlit writes each message in a fire-and-forget task and forgets it on any error, so a
database outage longer than the data layer's few retries used to cut messages out of the
history a coach sees later (the practice record, saved separately, kept them). Every write
Chainlit makes is an upsert or a delete by id, so replaying a whole write later is safe:
nothing is doubled, and replaying in the order the writes were made keeps the latest text.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import logging
import re
from collections.abc import Awaitable, Callable
from contextvars import Context, ContextVar, copy_context
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger("sparring.storage")

#: Writes kept while the database is away; past this, new ones are dropped (and said so).
MAX_PENDING = 10_000
#: First and longest pause between replay attempts.
REPLAY_PAUSE_S = 0.5
REPLAY_MAX_PAUSE_S = 10.0

#: Tries the current write gets per statement; 0 outside a tracked write.
ATTEMPTS: ContextVar[int] = ContextVar("sparring_write_attempts", default=0)

Notify = Callable[[Any, str, str], Awaitable[None]]


#: Words in a driver's error that mean "try again later", not "this statement is wrong"
#: (SQLite says "no such table" with the same exception class as "database is locked").
_PASSING = re.compile(
    r"locked|busy|unable to open|disk i/o|connect|connection|closed|timeout|timed out|"
    r"terminat|shutting down|starting up|recovery|too many clients", re.IGNORECASE
)


def transient(exc: SQLAlchemyError) -> bool:
    """True when the database is busy or away (worth waiting for), not when the statement is wrong."""
    if isinstance(exc, PoolTimeout) or getattr(exc, "connection_invalidated", False):
        return True
    return isinstance(exc, OperationalError | DBAPIError) and bool(_PASSING.search(str(exc.orig)))


class DatabaseUnavailable(Exception):
    """Raised inside a tracked write when the database stayed busy or unreachable."""


@dataclass(order=True)
class Pending:
    """One write to replay; `seq` is when it was first made, so replays keep that order."""

    seq: int
    kind: str = field(compare=False)
    run: Callable[[], Awaitable[Any]] = field(compare=False, repr=False)
    audience: Any = field(compare=False, default=None, repr=False)
    #: The context the write was made in (Chainlit's session), so a replay runs as it would have.
    context: Context = field(compare=False, default_factory=copy_context, repr=False)

    async def replay(self) -> None:
        """Run once more, in a copy of the original context, with one try per statement."""

        async def once() -> None:
            ATTEMPTS.set(1)  # the outbox's pause between rounds is the backoff
            await self.run()

        await asyncio.get_running_loop().create_task(once(), context=self.context.copy())


class Outbox:
    """Ordered pending writes and the one task that replays them."""

    def __init__(self, notify: Notify | None = None) -> None:
        self._pending: list[Pending] = []
        self._task: asyncio.Task[None] | None = None
        self._counter = itertools.count()
        self._notify = notify
        self._told: dict[int, Any] = {}  # audiences told about this outage, by id()
        self.dropped = 0
        self.replayed = 0

    def __len__(self) -> int:
        return len(self._pending)

    def ticket(self) -> int:
        """A sequence number taken when a write starts (before it can fail)."""
        return next(self._counter)

    async def add(self, item: Pending) -> None:
        if len(self._pending) >= MAX_PENDING:
            self.dropped += 1
            log.error("database down too long: dropped a %s (%d dropped so far)", item.kind, self.dropped)
            await self._tell(item.audience, "error",
                             "The database has been unavailable for a long time: new messages "
                             "are no longer being kept. Export your session now (Markdown button).")
            return
        if not self._pending:
            log.error("database unavailable: keeping chat history writes in memory until it returns")
        bisect.insort(self._pending, item)
        if item.audience is not None and id(item.audience) not in self._told:
            self._told[id(item.audience)] = item.audience
            await self._tell(item.audience, "error",
                             "The database is not answering. Your conversation is kept and will be "
                             "saved when it is back; you can go on practising.")
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._replay())

    async def _replay(self) -> None:
        while self._pending:  # re-checked after the notices: a write may arrive meanwhile
            saved = await self._drain()
            log.warning("database back: %d queued chat history writes saved", saved)
            told, self._told = list(self._told.values()), {}
            for audience in told:
                await self._tell(audience, "success",
                                 "The database is back: your conversation is saved.")

    async def _drain(self) -> int:
        pause, saved = REPLAY_PAUSE_S, 0
        while self._pending:
            await asyncio.sleep(pause)
            while self._pending:
                item = self._pending[0]
                try:
                    await item.replay()
                except DatabaseUnavailable:
                    pause = min(pause * 2, REPLAY_MAX_PAUSE_S)
                    break
                except Exception as exc:  # cannot ever succeed: keep the rest moving
                    log.error("dropped a queued %s: %s", item.kind, type(exc).__name__)
                self._pending.remove(item)  # not pop(0): an older write may have joined
                self.replayed += 1
                saved += 1
                pause = REPLAY_PAUSE_S
        return saved

    async def _tell(self, audience: Any, kind: str, message: str) -> None:
        if audience is None or self._notify is None:
            return
        with contextlib.suppress(Exception):  # a closed tab must not stop the replay
            await self._notify(audience, kind, message)

    async def wait_empty(self) -> None:
        """Until every pending write is saved (used at shutdown and by tests)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)
