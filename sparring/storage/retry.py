"""Retrying an awaitable with a growing pause, without reference cycles.

This replaces tenacity's `AsyncRetrying`, which ties itself in a reference cycle on every
use (its per-thread state holds its own bound methods, its attempt state holds it): about
30 objects per database write that only the garbage collector can free. At several writes
per turn they were most of what the collector freed under load, and they made its slow
full collections come more often (`docs/BENCHMARKS.md`, issue 15).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def _always(_: BaseException) -> bool:
    return True


async def retrying(call: Callable[[], Awaitable[T]], *, attempts: int, pause: float,
                   retry_if: Callable[[BaseException], bool] = _always,
                   after: Callable[[int, BaseException], None] | None = None) -> T:
    """`await call()` until it returns, at most `attempts` tries.

    A failure (an `Exception`) that `retry_if` accepts is reported to `after` with its try
    number and tried again after `pause`, then 2 × `pause`, 4 × `pause`... (tenacity's
    `wait_exponential`); the last try's failure is raised, and so is any other failure,
    at once. Cancellation is never retried.
    """
    number = 1
    while True:
        try:
            return await call()
        except Exception as exc:
            if not retry_if(exc):
                raise
            if after is not None:
                after(number, exc)
            if number >= attempts:
                raise
        await asyncio.sleep(pause * 2 ** (number - 1))
        number += 1
