"""Where the garbage collector's time goes under load: Sparring against the bare Chainlit app.

    .venv/bin/python benchmarks/bench_gc.py [--coaches 50] [--duration 40] [--types]

Runs `bench_server_load`'s socket coaches (fake model, 50 ms per token) against
`gc_probe_app.py` wrapping each app in turn, and prints, per app: first-token p50/p95,
turns, collections and seconds per generation, the longest pauses, and the objects the
collector tracks per generation after start-up and after the load (with `--types`, the
commonest types in the oldest generation).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import httpx
from bench_server_load import AppServer, Tally, load, pct
from common import load_average

PROBE = Path(__file__).resolve().parent / "gc_probe_app.py"


async def probe(server: AppServer, **params: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        response = await http.get("/bench/gc", params=params)
        response.raise_for_status()
        return dict(response.json())


async def drive(server: AppServer, coaches: int, duration: float, types: int,
                warmup: float = 0.0) -> tuple[Any, Any, Tally]:
    if warmup:  # first chats: lazy imports, caches filled once
        await load(server, coaches, warmup)
    before = await probe(server, reset=1, types=types)
    tally = await load(server, coaches, duration)
    after = await probe(server, types=types)
    return before, after, tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coaches", type=int, default=50)
    parser.add_argument("--duration", type=float, default=40.0)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--types", action="store_true")
    parser.add_argument("--warmup", type=float, default=0.0,
                        help="seconds of the same load before measuring (default: none)")
    parser.add_argument("--apps", nargs="+", default=["sparring", "bare"])
    parser.add_argument("--env", nargs="*", default=[], help="KEY=VALUE for the Sparring server")
    args = parser.parse_args()
    extra = dict(kv.split("=", 1) for kv in args.env)
    for target in args.apps:
        env = {"SPARRING_FAKE_TOKEN_DELAY": str(args.delay), "GC_PROBE_TARGET": target}
        env.update(extra if target == "sparring" else
                   {k: v for k, v in extra.items() if k.startswith("GC_PROBE")})
        with tempfile.TemporaryDirectory(prefix="sparring-gc-") as tmp:
            server = AppServer(Path(tmp), env=env, app_file=PROBE)
            server.start()
            try:
                before, after, tally = asyncio.run(drive(server, args.coaches, args.duration, int(args.types),
                                                          args.warmup))
            finally:
                server.stop()
        print(f"== {target}: {args.coaches} coaches, {args.duration:.0f} s: turns {tally.turns}, "
              f"p50 {pct(tally.ttft, 0.5):.3f} p95 {pct(tally.ttft, 0.95):.3f} p99 {pct(tally.ttft, 0.99):.3f} s, "
              f"errors {len(tally.errors)}, lost {tally.lost}, load {os.getloadavg()[0]:.2f}")
        print(f"   tracked after start-up {before['tracked']} frozen {before['frozen']} "
              f"thresholds {before['thresholds']}")
        print(f"   tracked after load     {after['tracked']} frozen {after['frozen']}")
        print(f"   server CPU {after['cpu_s']} s, {after['cpu_s'] * 1000 / max(1, tally.turns):.0f} ms per turn")
        print(f"   collections {after['count']} seconds {after['seconds']} collected {after['collected']}")
        print(f"   longest (ms, gen) {after['longest_ms']}")
        if "garbage" in after:
            print("   garbage: " + json.dumps(after["garbage"]))
        for key in ("where_inner", "where_ours", "where_stacks"):
            if key in after:
                print(f"   {key}:")
                for name, n in after[key]:
                    print(f"      {n:>5} {name}")
        if args.types:
            print("   types after start-up: " + json.dumps(before["types"][:25]))
            print("   types after load:     " + json.dumps(after["types"][:25]))
    print(load_average())


if __name__ == "__main__":
    main()
