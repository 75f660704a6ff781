"""Sparring's app or the bare app, plus one read-only route reporting the garbage collector.

For `bench_gc.py` only (127.0.0.1 benchmarks; the product has no such route). Which app
is wrapped is `GC_PROBE_TARGET` (`sparring`, the default, or `bare`). `gc.callbacks`
time every collection from start-up; `GET /bench/gc` returns, since the last `?reset=1`:
collections and seconds per generation, the longest pauses, and now: tracked objects per
generation (`gc.get_objects(g)`), the frozen count, thresholds, and with `?types=1` the
commonest types among the tracked objects of the oldest generation (after no collection:
reading must not change what it reads).

    GC_PROBE_TARGET=bare chainlit run benchmarks/gc_probe_app.py --headless --host 127.0.0.1
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from probe import add_route, load_target, short

load_target("GC_PROBE_TARGET")

PATH = "/bench/gc"
#: With GC_PROBE_WHERE=1, which code was running when each collection started (what
#: allocated the object that crossed the threshold): a sample of the allocating paths.
_WHERE = bool(os.environ.get("GC_PROBE_WHERE"))
_inner: Counter[str] = Counter()
_ours: Counter[str] = Counter()
_stacks: Counter[str] = Counter()
_stats: dict[str, Any] = {}
_started: list[float] = [0.0]


def _reset() -> None:
    _stats.clear()
    _inner.clear()
    _ours.clear()
    _stacks.clear()
    _stats.update(cpu0=time.process_time(), count=[0, 0, 0], seconds=[0.0, 0.0, 0.0], pauses=[], collected=[0, 0, 0])


def _callback(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        if _WHERE:
            _where(sys._getframe(1))
        _started[0] = time.perf_counter()
        return
    took = time.perf_counter() - _started[0]
    g = info["generation"]
    _stats["count"][g] += 1
    _stats["seconds"][g] += took
    _stats["collected"][g] += info.get("collected", 0)
    if g > 0 or took > 0.01:
        _stats["pauses"].append((round(took * 1000, 1), g))


def _where(frame: Any) -> None:
    names: list[str] = []
    while frame is not None and len(names) < 60:
        names.append(f"{short(frame.f_code.co_filename)}:{frame.f_code.co_name}")
        frame = frame.f_back
    _inner[names[0] if names else "?"] += 1
    _ours[next((n for n in names if n.startswith(("sparring/", "app.py:", "bare_app.py:"))), "-")] += 1
    _stacks[" < ".join(names[:6])] += 1


def _name(o: object) -> str:
    """A type, or for a function (closures make most cycles) where it was defined."""
    if type(o).__name__ == "function":
        return f"function {getattr(o, '__module__', '?')}.{getattr(o, '__qualname__', '?')}"
    return f"{type(o).__module__}.{type(o).__qualname__}"


def report(reset: int = 0, types: int = 0, modules: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {
        "count": list(_stats["count"]), "seconds": [round(s, 3) for s in _stats["seconds"]],
        "collected": list(_stats["collected"]),
        "longest_ms": sorted(_stats["pauses"], reverse=True)[:12],
        "tracked": [len(gc.get_objects(g)) for g in range(3)],
        "cpu_s": round(time.process_time() - _stats["cpu0"], 2),
        "frozen": gc.get_freeze_count(), "thresholds": gc.get_threshold(), "pending": gc.get_count(),
    }
    if os.environ.get("GC_PROBE_SAVEALL"):
        out["garbage"] = Counter(_name(o) for o in gc.garbage).most_common(60)
    if _WHERE:
        out["where_inner"] = _inner.most_common(25)
        out["where_ours"] = _ours.most_common(25)
        out["where_stacks"] = _stacks.most_common(15)
    if modules:
        out["modules"] = sorted(sys.modules)
    if types:
        counts = Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects(2))
        out["types"] = counts.most_common(40)
    if reset:
        _reset()
    return out


def _install() -> None:
    _reset()
    gc.callbacks.append(_callback)
    if os.environ.get("GC_PROBE_SAVEALL"):  # what the collector frees: kept, to be counted
        gc.set_debug(gc.DEBUG_SAVEALL)
    add_route(PATH, report)


_install()
