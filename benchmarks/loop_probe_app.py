"""Sparring's app or the bare app, plus a read-only route reporting how long the event loop's callbacks ran.

For `bench_loop.py` only (127.0.0.1 benchmarks; the product has no such route). A coach's
first token waits for whatever callback holds the loop when its timer fires.
`asyncio.events.Handle._run` is wrapped to time each callback; `GET /bench/loop` returns,
since the last `?reset=1`: a histogram of callback durations, the time spent in callbacks
over 2/5/10 ms, and which coroutines ran the longest steps. With `LOOP_PROBE_WHERE=1` a
watcher thread also samples, every millisecond, where a callback that has held the loop
for over 5 ms is: the code that makes the long steps (the switch interval is lowered to
1 ms so the watcher gets the interpreter in time).

It also splits each turn's first-token time inside the server: from Chainlit's
`process_message` to the app's message handler, and from there to the reply's first
`stream_token`. At 50 coaches that split, not the loop, found the tail: one reply in six
waited a whole token before its first word was shown (docs/BENCHMARKS.md, "The first word
waited for a second one").

    LOOP_PROBE_TARGET=bare chainlit run benchmarks/loop_probe_app.py --headless --host 127.0.0.1
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from probe import add_route, load_target, pct, short

load_target("LOOP_PROBE_TARGET")

PATH = "/bench/loop"
BOUNDS_MS = (0.5, 1, 2, 5, 10, 20, 50, 100)
_hist: list[int] = [0] * (len(BOUNDS_MS) + 1)
_over: dict[float, float] = {}
_names: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
_state: dict[str, float] = {}
_WHERE = bool(os.environ.get("LOOP_PROBE_WHERE"))
WHERE_AFTER_S = 0.005
_running: list[float] = [0.0]  # when the callback in progress started; 0 between callbacks
_where: Counter[str] = Counter()
#: per turn, ms from `process_message` to the handler, and from the handler to the first token
_phases: dict[str, list[float]] = {"to_handler_ms": [], "to_first_token_ms": []}
_turn: contextvars.ContextVar[dict[str, float] | None] = contextvars.ContextVar("probe_turn", default=None)


def _reset() -> None:
    _hist[:] = [0] * (len(BOUNDS_MS) + 1)
    _over.clear()
    _over.update({2.0: 0.0, 5.0: 0.0, 10.0: 0.0})
    _names.clear()
    _where.clear()
    for values in _phases.values():
        values.clear()
    _state.update(t0=time.perf_counter(), busy=0.0, n=0.0, cpu0=time.process_time())


def _describe(handle: asyncio.Handle) -> str:
    cb = getattr(handle, "_callback", None)
    task: Any = getattr(cb, "__self__", None)
    if hasattr(task, "get_coro"):  # a task's step, C or pure-Python (nest_asyncio)
        coro = task.get_coro()
        return getattr(coro, "__qualname__", type(coro).__name__)
    return getattr(cb, "__qualname__", repr(cb))[:80]


def _install_timer() -> None:
    original = asyncio.events.Handle._run

    def timed(self: asyncio.Handle) -> None:
        start = _running[0] = time.perf_counter()
        original(self)
        _running[0] = 0.0
        ms = (time.perf_counter() - start) * 1000
        _state["busy"] += ms
        _state["n"] += 1
        i = 0
        while i < len(BOUNDS_MS) and ms > BOUNDS_MS[i]:
            i += 1
        _hist[i] += 1
        for bound in _over:
            if ms > bound:
                _over[bound] += ms
        if ms > 2:
            name = _describe(self)
            entry = _names[name]
            entry[0] += 1
            entry[1] += ms
            entry[2] = max(entry[2], ms)

    asyncio.events.Handle._run = timed  # type: ignore[method-assign]


def _watch(loop_thread: int) -> None:
    while True:
        time.sleep(0.001)
        started = _running[0]
        if not started or time.perf_counter() - started < WHERE_AFTER_S:
            continue
        frame = sys._current_frames().get(loop_thread)
        names: list[str] = []
        while frame is not None and len(names) < 60:
            names.append(f"{short(frame.f_code.co_filename)}:{frame.f_code.co_name}")
            frame = frame.f_back
        ours = [n for n in names if n.startswith(("sparring/", "app.py:", "bare_app.py:"))][:3]
        _where[" < ".join([names[0], *ours] if ours else names[:4])] += 1


def _install_phases() -> None:
    """Wrap the three points of a turn; each turn runs in its own task, so a context
    variable carries its times from one to the next."""
    import chainlit as cl
    import chainlit.socket as socket
    from chainlit.config import config

    process, handler, stream_token = socket.process_message, config.code.on_message, cl.Message.stream_token
    assert handler is not None

    async def arrived(session: Any, payload: Any) -> None:
        _turn.set({"arrived": time.perf_counter()})
        await process(session, payload)

    async def handled(message: Any) -> Any:
        turn = _turn.get()
        if turn is not None:
            turn["handler"] = time.perf_counter()
        return await handler(message)

    async def first_token(self: Any, token: str, is_sequence: bool = False) -> None:
        turn = _turn.get()
        if turn is not None and "handler" in turn and "first" not in turn:
            turn["first"] = time.perf_counter()
            _phases["to_handler_ms"].append((turn["handler"] - turn["arrived"]) * 1000)
            _phases["to_first_token_ms"].append((turn["first"] - turn["handler"]) * 1000)
        await stream_token(self, token, is_sequence)

    socket.process_message = arrived
    config.code.on_message = handled
    cl.Message.stream_token = first_token  # type: ignore[method-assign]


def _percentiles(values: list[float]) -> dict[str, float]:
    return {f"p{q}": round(pct(values, q / 100), 1) for q in (50, 90, 95, 99)}


def report(reset: int = 0) -> dict[str, Any]:
    wall = time.perf_counter() - _state["t0"]
    out: dict[str, Any] = {
        "wall_s": round(wall, 1), "callbacks": int(_state["n"]), "busy_s": round(_state["busy"] / 1000, 2),
        "cpu_s": round(time.process_time() - _state["cpu0"], 2),
        "hist": dict(zip([f"<={b}ms" for b in BOUNDS_MS] + [f">{BOUNDS_MS[-1]}ms"], _hist, strict=True)),
        "ms_in_callbacks_over": {f">{k:g}ms": round(v) for k, v in _over.items()},
        "slow": [[n, int(c), round(t), round(m, 1)] for n, (c, t, m) in
                 sorted(_names.items(), key=lambda item: -item[1][1])[:20]],
        "phases": {name: _percentiles(values) for name, values in _phases.items()},
    }
    if _WHERE:
        out["where_ms"] = _where.most_common(40)
    if reset:
        _reset()
    return out


def _install() -> None:
    _reset()
    _install_timer()
    _install_phases()
    if _WHERE:
        sys.setswitchinterval(0.001)
        threading.Thread(target=_watch, args=(threading.get_ident(),), daemon=True).start()
    add_route(PATH, report)


_install()
