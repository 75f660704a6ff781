"""How fast is the rules coder? Codes 10,000 turns (the gold set, cycled) on one core.

Target: 2,000 turns/s (10,000 turns in 5 s), so coding never shows up in a
coach's wait for the manager's reply. Prints wall-clock and process CPU time:
on a busy machine the CPU figure is the one that says what the code costs.
Run: `.venv/bin/python benchmarks/bench_coder.py`.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sparring.evaluation.rules import RulesCoder  # noqa: E402

TARGET_TURNS_PER_S = 2000.0
N = 10_000


def _run(coder: RulesCoder, work: list[tuple[str, str | None]]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for text, context in work:
        coder.code(text, context)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    lines = (ROOT / "evals/data/gold.jsonl").read_text("utf-8").splitlines()
    turns = [(row["text"], row["context"]) for row in map(json.loads, filter(None, lines))]
    coder = RulesCoder()
    coder.code(*turns[0])  # compile patterns outside the timing
    work = list(itertools.islice(itertools.cycle(turns), N))
    # In a session every manager turn is new, so also run with no context repeated (no cache hits).
    fresh = [(text, f"{context} (turn {i})" if context else None) for i, (text, context) in enumerate(work)]
    for label, batch in (("gold set cycled", work), ("every context new", fresh)):
        wall, cpu = _run(coder, batch)
        print(f"{label:<18} {N} turns: wall {wall:.2f} s = {N / wall:,.0f} turns/s "
              f"({N / wall / TARGET_TURNS_PER_S:.1f}x target); "
              f"cpu {cpu:.2f} s = {N / cpu:,.0f} turns/s ({N / cpu / TARGET_TURNS_PER_S:.1f}x target)")
    print(f"target: {TARGET_TURNS_PER_S:,.0f} turns/s (10,000 turns in 5 s); load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
