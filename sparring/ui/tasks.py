"""Run the web app's tasks and futures on asyncio's C classes, which `chainlit run` swaps out.

Chainlit's CLI calls `nest_asyncio.apply()` before it loads the app. Besides making the
loop re-entrant, that replaces `asyncio.Task` and `asyncio.Future` everywhere with the
pure-Python classes, so every await in the server runs through Python code: with 50
coaches, asyncio's `tasks.py` and `futures.py` were 10.5 % of the server's own CPU samples
(py-spy, docs/BENCHMARKS.md, issue 15).

`use_c_tasks` puts the C classes back. app.py calls it when Chainlit imports it, before
Chainlit starts its loop, so every task and future of the server is a C one and the two
kinds never mix (mixing them is unsupported from Python 3.14 on). The server re-enters its
loop in one place: opening a chat, Chainlit's `WebsocketSession.get_config()` runs
`set_chat_profiles` with `run_until_complete`, and that inner run steps other coaches'
tasks inside the opening one. nest_asyncio 1.6 copes with C tasks there, but `finished`
makes the call return a future that is already done, so no loop is re-entered at all.
`SPARRING_C_TASKS=0` keeps nest_asyncio's classes.
"""

from __future__ import annotations

import asyncio
import asyncio.futures
import asyncio.tasks
import importlib
import importlib.util
import logging
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger("sparring.ui")

T = TypeVar("T")

_C: Any = importlib.util.find_spec("_asyncio") and importlib.import_module("_asyncio")
#: CPython's accelerated classes; absent on other interpreters.
CTask: Any = getattr(_C, "Task", None)
CFuture: Any = getattr(_C, "Future", None)


def use_c_tasks() -> bool:
    """Make asyncio create C tasks and futures from now on; False if it already did (or cannot)."""
    if CTask is None or CFuture is None or asyncio.tasks.Task is CTask:
        return False
    asyncio.Task = asyncio.tasks.Task = asyncio.tasks._CTask = CTask  # type: ignore[attr-defined,misc]
    asyncio.Future = asyncio.futures.Future = asyncio.futures._CFuture = CFuture  # type: ignore[attr-defined,misc]
    log.info("asyncio: C tasks and futures")
    return True


def finished(compute: Callable[..., T]) -> Callable[..., asyncio.Future[T]]:
    """An awaitable version of a plain function whose call returns a finished future.

    `await` works on it as on a coroutine, and `run_until_complete` on it returns without
    running the loop: the computation is done before the future is handed out.
    """

    def call(*args: Any) -> asyncio.Future[T]:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        try:
            future.set_result(compute(*args))
        except Exception as exc:
            future.set_exception(exc)
        return future

    return call
