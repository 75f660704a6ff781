"""One transaction per coach turn: the turn's history writes, collected and written together.

Chainlit writes each step on its own as it is sent or updated (the coach's line, its run
step twice, the note, the reply, the meter element), and we wrote the practice record
beside them: about 17 statements a turn, each in its own transaction, all on the event
loop the replies stream from (docs/BENCHMARKS.md, server load). Here the coach's line
opens a `TurnBatch`; the writes that follow are kept in memory, merged by step (the last
version of a step is the one stored), and written in one transaction when the turn is
over: Chainlit's run step for the message has closed, or the practice record was saved
outside such a step (a starter button). A turn is then stored whole or not at all: a
crash before the commit leaves none of it, an outage queues all of it in the outbox as
one write (`datalayer.py`), replayed in one transaction.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Awaitable, Callable
from contextvars import Context, ContextVar, copy_context
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

#: Longest a turn's writes wait for its end (a turn that never says it ended is still saved).
MAX_OPEN_S = 120.0


@dataclass
class Tx:
    """The transaction a batch is being written in; statements made inside it join it."""

    session: AsyncSession
    threads: set[str] = field(default_factory=set)  # threads known to exist in it

    async def run(self, query: Any, parameters: dict[str, Any]) -> Any:
        return await self.session.execute(query, parameters)


#: The open turn transaction, if the current task is writing a batch.
TX: ContextVar[Tx | None] = ContextVar("sparring_turn_tx", default=None)

Run = Callable[[], Awaitable[Any]]


Upsert = Callable[[dict[str, Any]], Awaitable[Any]]


@dataclass
class Write:
    """One write of a turn, performed inside the turn's transaction: `run`, or for a step
    `upsert` of its latest (merged) dict."""

    kind: str
    run: Run | None = None
    step: dict[str, Any] | None = None
    upsert: Upsert | None = None

    async def perform(self) -> None:
        if self.upsert is not None and self.step is not None:
            await self.upsert(copy.deepcopy(self.step))
        elif self.run is not None:
            await self.run()


def merge_step(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The step as two upserts in a row would leave it: Chainlit's upsert sets only the
    fields that are not None (and always the metadata and generation columns)."""
    merged = {**old, **{k: v for k, v in new.items() if v is not None}}
    for always in ("metadata", "generation"):
        if always in new or always in merged:
            merged[always] = new.get(always, {})
    return merged


@dataclass
class TurnBatch:
    """The writes of one turn of one thread, in the order they were made."""

    thread_id: str
    seq: int  # the outbox ticket of its first write: replays keep that place in line
    audience: Any = None
    context: Context = field(default_factory=copy_context)
    writes: list[Write] = field(default_factory=list)
    open_runs: set[str] = field(default_factory=set)  # Chainlit run steps not yet closed
    saved: bool = False  # the practice record has joined
    closing: bool = False
    timer: asyncio.TimerHandle | None = None

    def add(self, kind: str, run: Run) -> None:
        self.writes.append(Write(kind, run))

    def add_step(self, step: dict[str, Any], upsert: Upsert) -> None:
        """A step upsert; merged into an earlier upsert of the same step unless that step
        was deleted since. Tracks Chainlit's run step, whose closing update ends the turn."""
        step_id = str(step.get("id"))
        for write in reversed(self.writes):
            if write.kind == "delete_step" and write.step is not None and write.step.get("id") == step_id:
                break
            if write.kind == "step" and write.step is not None and write.step.get("id") == step_id:
                write.step = merge_step(write.step, step)
                break
        else:
            self.writes.append(Write("step", step=step, upsert=upsert))
        if step.get("type") == "run":
            if step.get("end"):
                self.open_runs.discard(step_id)
            else:
                self.open_runs.add(step_id)

    def add_delete_step(self, step_id: str, run: Run) -> None:
        self.writes.append(Write("delete_step", run, step={"id": step_id}))

    def set_practice(self, run: Run) -> None:
        """The practice record: only its latest version is written."""
        self.writes = [w for w in self.writes if w.kind != "practice"]
        self.writes.append(Write("practice", run))
        self.saved = True

    @property
    def complete(self) -> bool:
        """The turn is over: no run step of it is open, and it has a reason to end (a run
        step closed, or the record saved)."""
        ran = any(w.kind == "step" and (w.step or {}).get("type") == "run" for w in self.writes)
        return not self.open_runs and (ran or self.saved)

    def describe(self) -> str:
        """What the batch holds, for logs (kinds only: the text is the coach's)."""
        return json.dumps([w.kind for w in self.writes])
