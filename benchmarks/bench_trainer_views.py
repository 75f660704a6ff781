"""How long the trainer's review queue and cohort view take to build as shared sessions grow.

Each request reads every shared session (one query), finds each rating's turn, and for the
cohort rebuilds each unfinished session's debrief and the four Plotly figures. Target: a
page under 1 s at 200 shared sessions of 12 turns with 2 ratings each. SQLite in a temporary
folder, chat rows laid out as the web client writes them (a rating on the run step of the
coach message). In process, no server: the numbers are the work behind the page, not HTTP.
Run: `.venv/bin/python benchmarks/bench_trainer_views.py [--sessions 50 200]`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Literal, cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chainlit.context import init_http_context  # noqa: E402
from chainlit.types import Feedback  # noqa: E402

from sparring.coding.codes import TurnCodes  # noqa: E402
from sparring.engine.transcript import ManagerState, Transcript, TurnRecord  # noqa: E402
from sparring.persona.model import Move  # noqa: E402
from sparring.storage.datalayer import SparringDataLayer, make_data_layer  # noqa: E402
from sparring.storage.schema import ensure_schema  # noqa: E402
from sparring.storage.sessions import PracticeOptions, StoredPractice  # noqa: E402
from sparring.trainer import cohort  # noqa: E402
from sparring.trainer.cohort_stats import (  # noqa: E402
    RowMemo,
    cohort_rows,
    group_figures,
    to_csv,
    weak_patterns,
)
from sparring.trainer.queue import build_queue  # noqa: E402

TURNS = 12
REPEATS = 5
#: The cohort page's row memo, as the app keeps it (emptied for each database).
MEMO: RowMemo = {}
CODES = [TurnCodes(question="open"), TurnCodes(reflection="complex"), TurnCodes(question="closed"),
         TurnCodes(directive=True), TurnCodes(reflection="simple", empathy=True)]


def practice(n: int) -> StoredPractice:
    turns = [TurnRecord(index=i + 1, coach=f"coach line {n}.{i}", manager=f"reply {n}.{i}",
                        codes=CODES[(n + i) % len(CODES)], move=Move.DEFLECT, resistance_before=7.0,
                        resistance_after=6.5, state_before=ManagerState(resistance=7.0))
             for i in range(TURNS)]
    transcript = Transcript(persona_id=("sceptic", "firefighter", "defender")[n % 3], persona_name="P",
                            difficulty="realistic", opening="Well?", turns=turns,
                            state=ManagerState(resistance=6.5, turn=TURNS))
    return StoredPractice(transcript=transcript, options=PracticeOptions(model="fake"))


async def populate(layer: SparringDataLayer, sessions: int) -> None:
    for n in range(sessions):
        coach, thread = f"coach{n % 12}", str(uuid.uuid4())
        await layer.update_thread(thread, name="practice")
        await layer.practice.save(thread, coach, practice(n))
        await layer.shares.set_shared(thread, coach, True)
        for i in (3, 8):  # two rated replies a session
            run = str(uuid.uuid4())
            for step_id, kind, output, parent in ((run, "run", "", None),
                                                  (str(uuid.uuid4()), "assistant_message", f"reply {n}.{i}", run)):
                await layer.create_step(cast(Any, {"id": step_id, "threadId": thread, "name": "P", "type": kind,
                                         "output": output, "parentId": parent, "streaming": False,
                                         "createdAt": f"2026-01-01T10:{i:02d}:00Z", "metadata": {}}))
            value = cast(Literal[0, 1], i % 2)
            await layer.upsert_feedback(Feedback(forId=run, value=value, threadId=thread, comment="c"))


async def setup(url: str, count: int) -> None:
    await ensure_schema(url)
    layer = make_data_layer(url)
    init_http_context()
    await populate(layer, count)
    await layer.engine.dispose()


async def queue(layer: SparringDataLayer, count: int) -> None:
    items = await build_queue(layer.shares, layer.reviews, "trainer")
    assert len(items) == 2 * count and all(i.turn for i in items)


async def page(layer: SparringDataLayer, count: int) -> None:
    """What /trainer/cohort computes: rows, groups, patterns and the four figures."""
    sessions = await layer.shares.visible_sessions("trainer")
    rows = cohort_rows(sessions, MEMO)
    assert len(rows) == count
    group_figures(rows, "coach")
    group_figures(rows, "persona_id")
    weak_patterns(sessions)
    for figure in (cohort._over_time(rows, "coach", "c"), cohort._over_time(rows, "persona_id", "p"),
                   cohort._mi_bars(rows), cohort._pattern_bars(sessions)):
        assert figure["data"]


async def csv(layer: SparringDataLayer, count: int) -> None:
    assert to_csv(cohort_rows(await layer.shares.visible_sessions("trainer"), MEMO)).count("\n") == count + 1


def timed(url: str, count: int, work: Callable[[SparringDataLayer, int], Awaitable[None]]) -> tuple[float, float]:
    """Seconds of the first call on a fresh data layer (nothing parsed yet) and the median of
    REPEATS later calls on the same layer (as in the running app, which keeps its layer)."""

    async def run() -> list[float]:
        layer = make_data_layer(url)
        times = []
        try:
            for _ in range(REPEATS + 1):
                start = time.perf_counter()
                await work(layer, count)
                times.append(time.perf_counter() - start)
        finally:
            await layer.engine.dispose()
        return times

    MEMO.clear()
    times = asyncio.run(run())
    return times[0], statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[50, 200])
    args = parser.parse_args()
    print("ms per request: first (cold) / later (warm)")
    print(f"{'sessions':>8} {'ratings':>8} {'queue':>12} {'cohort page':>12} {'csv':>12}")
    for count in args.sessions:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            asyncio.run(setup(url, count))
            cells = [f"{cold * 1000:.0f} / {warm * 1000:.0f}"
                     for cold, warm in (timed(url, count, work) for work in (queue, page, csv))]
            print(f"{count:>8} {2 * count:>8} " + " ".join(f"{c:>12}" for c in cells))

if __name__ == "__main__":
    main()
