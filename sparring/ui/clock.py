"""Chainlit's message and step clock, without blocking the event loop.

Chainlit 2 calls `time.sleep(0.001)` in every `Message` and `Step` constructor so that
consecutive ones get different `createdAt` stamps, by which history is ordered. That
sleep blocks the whole event loop, every coach's stream, for a millisecond at best, and
on a busy machine until the scheduler gives the process the CPU back. A Sparring turn
builds several messages and steps (the run, the feedback note, the reply, notes), so
under load these sleeps were a visible part of the first-token tail (issue 15).

`install_clock()` replaces the sleep with nothing and Chainlit's `utc_now` (in the two
modules that stamp messages and steps) with one that never returns the same or an
earlier stamp twice in this process: the order the sleep was there for, kept exactly,
without waiting.
"""

from __future__ import annotations

import importlib
import types
from datetime import UTC, datetime, timedelta
from typing import Any

_TICK = timedelta(microseconds=1)
_last = [datetime.min]


def utc_now() -> str:
    """Chainlit's ISO stamp (naive UTC + "Z"), strictly increasing within the process."""
    now = datetime.now(UTC).replace(tzinfo=None)
    if now <= _last[0]:
        now = _last[0] + _TICK
    _last[0] = now
    return now.isoformat(timespec="microseconds") + "Z"


def _no_wait(_seconds: float) -> None:
    """What `time.sleep(0.001)` in Chainlit's constructors becomes: ordering comes from
    `utc_now` now."""


#: Stands in for the `time` module inside `chainlit.message` and `chainlit.step`, which
#: use it only for that sleep.
_TIME = types.SimpleNamespace(sleep=_no_wait)


def install_clock() -> None:
    # By module path: `chainlit.step` as an attribute is the `@cl.step` decorator.
    for name in ("chainlit.message", "chainlit.step"):
        module: Any = importlib.import_module(name)
        module.time = _TIME
        module.utc_now = utc_now
