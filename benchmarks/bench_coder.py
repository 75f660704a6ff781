"""How fast is tier 1? Codes 10,000 turns (the gold set, cycled) on one core, per coder.

Targets: the rules alone 2,000 turns/s; the learned coder (the default, which runs
the rules too) at least 500 turns/s for `sparring annotate`, and at most 10 ms at
p95 for one turn on the reply path (issue 17). Prints wall-clock and process CPU
time: on a busy machine the CPU figure is the one that says what the code costs.
The p95 is taken over single-turn timings with every manager line new (no cache
hits), as in a live session; the first call, which loads the weights, is reported
on its own.

Run: `.venv/bin/python benchmarks/bench_coder.py [--coder learned|rules|both]`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sparring.coding.codes import TurnCoder  # noqa: E402
from sparring.coding.learned import LearnedCoder, load_heads  # noqa: E402
from sparring.coding.rules import RulesCoder  # noqa: E402

TARGETS_TURNS_PER_S = {"rules": 2000.0, "learned": 500.0}
P95_TARGET_MS = 10.0
N = 10_000


def _run(coder: TurnCoder, work: list[tuple[str, str | None]]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for text, context in work:
        coder.code(text, context)
    return time.perf_counter() - wall, time.process_time() - cpu


def _latencies_ms(coder: TurnCoder, work: list[tuple[str, str | None]]) -> list[float]:
    out = []
    for text, context in work:
        start = time.perf_counter()
        coder.code(text, context)
        out.append((time.perf_counter() - start) * 1000)
    return out


def _annotate_cli(work: list[tuple[str, str | None]]) -> None:
    """`sparring annotate` end to end (process start, JSON in and out) on one core."""
    lines = "".join(json.dumps({"id": i, "text": t, "context": c}) + "\n" for i, (t, c) in enumerate(work))
    cmd = [sys.executable, "-c", "from sparring.cli import main; main()", "annotate"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(cmd, input=lines, capture_output=True, text=True, check=True, cwd=ROOT, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    n = len(out.stdout.splitlines())
    target = TARGETS_TURNS_PER_S["learned"]
    print(f"sparring annotate: {n} turns including start-up: wall {wall:.2f} s = {n / wall:,.0f} turns/s "
          f"({n / wall / target:.1f}x target); cpu {cpu:.2f} s = {n / cpu:,.0f} turns/s ({n / cpu / target:.1f}x target)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--coder", choices=["learned", "rules", "both"], default="both")
    args = parser.parse_args()
    lines = (ROOT / "evals/data/gold.jsonl").read_text("utf-8").splitlines()
    turns = [(row["text"], row["context"]) for row in map(json.loads, filter(None, lines))]
    work = list(itertools.islice(itertools.cycle(turns), N))
    # In a session every manager turn is new, so also run with no context repeated (no cache hits).
    fresh = [(text, f"{context} (turn {i})" if context else None) for i, (text, context) in enumerate(work)]
    coders: dict[str, TurnCoder] = {}
    if args.coder in ("rules", "both"):
        coders["rules"] = RulesCoder()
    if args.coder in ("learned", "both"):
        start = time.perf_counter()
        load_heads.cache_clear()
        coders["learned"] = LearnedCoder()
        coders["learned"].code(*turns[0])
        print(f"learned coder: first turn including loading and hash-checking the weights "
              f"{(time.perf_counter() - start) * 1000:.0f} ms")
    for name, coder in coders.items():
        coder.code(*turns[0])  # compile patterns outside the timing
        target = TARGETS_TURNS_PER_S[name]
        for label, batch in (("gold set cycled", work), ("every context new", fresh)):
            wall, cpu = _run(coder, batch)
            print(f"{name:<8}{label:<18} {N} turns: wall {wall:.2f} s = {N / wall:,.0f} turns/s "
                  f"({N / wall / target:.1f}x target); cpu {cpu:.2f} s = {N / cpu:,.0f} turns/s "
                  f"({N / cpu / target:.1f}x target)")
        ms = _latencies_ms(coder, fresh[:2000])
        q = statistics.quantiles(ms, n=100)
        print(f"{name:<8}one turn, context new: p50 {q[49]:.2f} ms, p95 {q[94]:.2f} ms, max {max(ms):.2f} ms "
              f"(p95 target {P95_TARGET_MS:.0f} ms)")
    if "learned" in coders:
        _annotate_cli(work[:5000])
    print("targets: rules 2,000 turns/s, learned 500 turns/s and p95 <= 10 ms; "
          f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
