"""Sparring's web app plus one read-only route that reports what the process holds in memory.

For `bench_memory.py`, `bench_soak.py` and `tests/test_memory_release.py` only: to tell
a leak (objects kept per closed conversation) from the allocator's high-water mark, one
must see inside the server, which RSS alone cannot show. This wraps `app.py` unchanged and adds
`GET /bench/memory` (127.0.0.1 benchmarks only; the product has no such route):

- `registries`: Chainlit's per-session dicts (websocket sessions, user sessions, chat
  contexts and the messages they hold) and Sparring's open practices (`Live` in a user
  session);
- `objects`: live objects of the types a conversation creates, after `gc.collect()`
  (`?objects_too=0` skips this, the slow part);
- `tasks`: pending asyncio tasks by coroutine name; `timers`: the loop's timer heap;
- `rss_mb`, and with `?trim=1` the RSS after glibc's `malloc_trim(0)` (memory the
  allocator holds but Python freed);
- with `?trace_mode=start` tracemalloc starts (25 frames) and takes its baseline;
  `?trace_mode=diff` lists the 25 biggest growths since the baseline, by allocating line.

    chainlit run benchmarks/app_memory_probe.py --headless --host 127.0.0.1
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import sys
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import app  # noqa: F401  - registers Sparring's Chainlit handlers
from sparring.ui.state import LIVE_KEY

PATH = "/bench/memory"
#: Types a conversation creates; counted to see which ones outlive closed conversations.
WATCHED = ("Live", "PracticeSession", "Transcript", "TurnRecord", "StoredPractice",
           "WebsocketSession", "ChainlitEmitter", "ChainlitContext", "Message", "Step",
           "Action", "CustomElement", "Plotly", "File", "FakeChatModel", "LLMJudge",
           "SystemMessage", "HumanMessage", "AIMessage", "AsyncClient", "Task", "Future",
           "Lock", "Event")
#: Packages those types come from (so fastapi's `File` parameter class is not counted).
OWNERS = ("chainlit", "sparring", "langchain", "httpx", "asyncio", "_asyncio")
_baseline: dict[str, Any] = {}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def registries() -> dict[str, int]:
    from chainlit.chat_context import chat_contexts
    from chainlit.session import ws_sessions_id, ws_sessions_sid
    from chainlit.user_session import user_sessions

    return {
        "ws_sessions_id": len(ws_sessions_id),
        "ws_sessions_sid": len(ws_sessions_sid),
        "user_sessions": len(user_sessions),
        "live_practices": sum(1 for s in user_sessions.values() if s.get(LIVE_KEY) is not None),
        "chat_contexts": len(chat_contexts),
        "chat_context_messages": sum(len(v) for v in chat_contexts.values()),
    }


def objects() -> dict[str, int]:
    """By class name, among the packages a chat touches (fastapi has a `File` too)."""
    gc.collect()
    counts = Counter(type(o).__name__ for o in gc.get_objects()
                     if str(getattr(type(o), "__module__", "")).startswith(OWNERS))
    return {name: counts.get(name, 0) for name in WATCHED}


def tasks() -> dict[str, int]:
    return dict(Counter(getattr(t.get_coro(), "__qualname__", "?") for t in asyncio.all_tasks()))


def timers() -> dict[str, int]:
    """Timer handles still in the event loop's heap (cancelled ones stay until they fall due
    or the loop prunes them), by callback, with the seconds left until the farthest."""
    loop: Any = asyncio.get_running_loop()
    scheduled = list(getattr(loop, "_scheduled", []))
    names = Counter("cancelled" if t.cancelled() else
                    getattr(t._callback, "__qualname__", type(t._callback).__name__)
                    for t in scheduled)
    names["farthest_s"] = int(max((t.when() - loop.time() for t in scheduled), default=0))
    return dict(names)


def trace(mode: str) -> list[str]:
    if mode == "start":
        if not tracemalloc.is_tracing():
            tracemalloc.start(25)
        gc.collect()
        _baseline["snapshot"] = tracemalloc.take_snapshot()
        return []
    if mode != "diff" or "snapshot" not in _baseline:
        return []
    gc.collect()
    keep = (tracemalloc.Filter(False, tracemalloc.__file__),)
    now = tracemalloc.take_snapshot().filter_traces(keep)
    stats = now.compare_to(_baseline["snapshot"].filter_traces(keep), "lineno")
    total = sum(s.size_diff for s in stats) / 1024
    return [f"total {total:+.0f} KiB since the baseline", *(str(s) for s in stats[:25])]


def malloc_trim() -> float | None:
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        return None
    return rss_mb()


async def memory(trim: int = 0, trace_mode: str = "", objects_too: int = 1) -> dict[str, Any]:
    """Read-only except for `trim` (returns freed heap pages to the system) and tracing."""
    report: dict[str, Any] = {"rss_mb": rss_mb(), "registries": registries(), "tasks": tasks(),
                              "timers": timers()}
    if objects_too:
        report["objects"] = objects()
    if trace_mode:
        report["trace"] = trace(trace_mode)
    if trim:
        report["rss_after_trim_mb"] = malloc_trim()
    return report


def _install() -> None:
    from chainlit.server import app as fastapi_app

    routes: list[Any] = fastapi_app.router.routes
    if not any(getattr(r, "path", None) == PATH for r in routes):
        fastapi_app.add_api_route(PATH, memory, methods=["GET"])
        routes.insert(0, routes.pop())  # ahead of Chainlit's catch-all


_install()
