"""How long the event loop is held at a time: Sparring against the bare Chainlit app.

    .venv/bin/python benchmarks/bench_loop.py [--coaches 50] [--duration 30] [--warmup 10]

A coach's first token waits for whatever callback holds the loop when its timer fires, and
for whatever the app does before it shows a first word: this shows both. Runs
`bench_server_load`'s socket coaches (fake model, 50 ms per token) against
`loop_probe_app.py` wrapping each app in turn, and prints first-token p50/p95, the
histogram of callback durations, the time spent in callbacks longer than 2/5/10 ms, and
the coroutines whose steps ran longest, and each turn's time inside the server split at
the message handler: Chainlit's `process_message` to the handler, the handler to the first
streamed token.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

import httpx
from bench_server_load import AppServer, Tally, load, pct
from common import load_average

PROBE = Path(__file__).resolve().parent / "loop_probe_app.py"


async def probe(server: AppServer, reset: int = 0) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        response = await http.get("/bench/loop", params={"reset": reset})
        response.raise_for_status()
        return dict(response.json())


async def drive(server: AppServer, coaches: int, duration: float, warmup: float) -> tuple[Any, Tally]:
    if warmup:
        await load(server, coaches, warmup)
    await probe(server, reset=1)
    tally = await load(server, coaches, duration)
    return await probe(server), tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coaches", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--apps", nargs="+", default=["sparring", "bare"],
                        help="sparring or bare, each optionally with its own settings: "
                        "sparring:SPARRING_C_TASKS=0")
    parser.add_argument("--env", nargs="*", default=[], help="KEY=VALUE for the Sparring server")
    args = parser.parse_args()
    extra = dict(kv.split("=", 1) for kv in args.env)
    for spec in args.apps:
        target, _, own = spec.partition(":")
        env = {"SPARRING_FAKE_TOKEN_DELAY": str(args.delay), "LOOP_PROBE_TARGET": target}
        if target == "sparring":
            env.update(extra)
        env.update(kv.split("=", 1) for kv in own.split(",") if kv)
        with tempfile.TemporaryDirectory(prefix="sparring-loop-") as tmp:
            server = AppServer(Path(tmp), env=env, app_file=PROBE)
            server.start()
            try:
                after, tally = asyncio.run(drive(server, args.coaches, args.duration, args.warmup))
            finally:
                server.stop()
        turns = max(1, tally.turns)
        print(f"== {spec}: {args.coaches} coaches, {args.duration:.0f} s: turns {tally.turns}, "
              f"p50 {pct(tally.ttft, 0.5):.3f} p95 {pct(tally.ttft, 0.95):.3f} p99 {pct(tally.ttft, 0.99):.3f} s, "
              f"errors {len(tally.errors)}, lost {tally.lost}, load {os.getloadavg()[0]:.2f}")
        print(f"   loop busy {after['busy_s']} s of {after['wall_s']} s in {after['callbacks']} callbacks "
              f"({after['busy_s'] * 1000 / turns:.1f} ms per turn); process CPU {after['cpu_s']} s")
        for name, values in after["phases"].items():
            print(f"   {name:<18} {values}")
        print(f"   durations {after['hist']}")
        print(f"   ms in callbacks over {after['ms_in_callbacks_over']}")
        print("   longest steps (coroutine or callback, count > 2 ms, total ms, max ms):")
        for name, count, total, most in after["slow"]:
            print(f"      {count:>6} {total:>7} {most:>7}  {name}")
        if "where_ms" in after:
            print("   where the loop was held past 5 ms (1 ms samples: leaf < our frames):")
            for name, count in after["where_ms"]:
                print(f"      {count:>6}  {name}")
    print(load_average())


if __name__ == "__main__":
    main()
