"""What one CPU model server serves: the web app on the embedded model, with more and more coaches.

    .venv/bin/python benchmarks/bench_model_server.py [--coaches 1 2 4 8] [--duration 90]
    .venv/bin/python benchmarks/bench_model_server.py --speaking bank   # authored lines only
    .venv/bin/python benchmarks/bench_model_server.py --state-cache-mb 0 256   # without and with the state cache

The same socket coaches as `bench_server_load.py` (send a line, wait for the whole reply,
think 1-3 s, repeat), against `app.py` with `SPARRING_MODEL=local`: SmolLM2 runs in the
app's model worker process (`providers/runtime.py`), one call at a time. With
`--speaking free` (the default here) the model writes every reply, so each coach's turn
queues behind the others' generations; `bank` shows the path where authored lines carry
the conversation and the model is not on the reply path. For each number of coaches it
prints p50/p95 time to first token, turns, turns per minute, errors, lost replies and the
load, then the first count whose p95 passes `--acceptable` seconds: where one model
server saturates on this machine. The 1-coach row is the reference for the ratios.
With several `--state-cache-mb` sizes, each count runs once per size, back to back, and
the p95 ratio is against the first size's run at the same count (0 = llama.cpp's one KV
cache, so coaches taking turns evaluate each other's history again).
"""

from __future__ import annotations

import argparse
import os

from bench_server_load import Tally, pct, run_app
from common import ROOT, load_average


def run(coaches: int, args: argparse.Namespace, cache_mb: int) -> Tally:
    env = {"SPARRING_MODEL": "local", "SPARRING_SPEAKING": args.speaking, "SPARRING_STATE_CACHE_MB": str(cache_mb)}
    return run_app(ROOT / "app.py", coaches, args.duration, env, start_timeout=120.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coaches", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--duration", type=float, default=90.0, help="seconds per run")
    parser.add_argument("--speaking", choices=["free", "bank"], default="free")
    parser.add_argument("--acceptable", type=float, default=5.0, help="p95 first token, seconds")
    parser.add_argument("--state-cache-mb", type=int, nargs="+", default=[256],
                        help="embedded model state cache sizes to compare (0: off)")
    args = parser.parse_args()
    print(f"embedded model (SmolLM2-135M, worker process), speaking={args.speaking}, "
          f"{args.duration:.0f} s per run, 127.0.0.1, {os.cpu_count()} cores")
    compare = len(args.state_cache_mb) > 1
    print(f"{'coaches':>7} {'cache MB':>8} {'turns':>6} {'turns/min':>9} {'p50 ttft':>9} {'p95 ttft':>9} "
          f"{'p95/' + ('0' if compare else '1'):>6} {'errors':>6} {'lost':>5} {'load':>6}")
    first_p95 = None
    saturated: dict[int, int | None] = dict.fromkeys(args.state_cache_mb)
    for coaches in args.coaches:
        base = None
        for cache_mb in args.state_cache_mb:
            tally = run(coaches, args, cache_mb)
            p95 = pct(tally.ttft, 0.95)
            first_p95 = first_p95 or p95
            base = base or p95
            print(f"{coaches:>7} {cache_mb:>8} {tally.turns:>6} {tally.turns * 60 / args.duration:>9.1f} "
                  f"{pct(tally.ttft, 0.5):>9.2f} {p95:>9.2f} {p95 / (base if compare else first_p95):>6.2f} "
                  f"{len(tally.errors):>6} {tally.lost:>5} {os.getloadavg()[0]:>6.2f}", flush=True)
            for error in sorted(set(tally.errors))[:3]:
                print(f"    error: {error}")
            if saturated[cache_mb] is None and (p95 > args.acceptable or tally.errors or tally.lost):
                saturated[cache_mb] = coaches
    for cache_mb, at in saturated.items():
        if at is None:
            print(f"cache {cache_mb} MB: p95 first token stayed within {args.acceptable:.0f} s "
                  f"up to {args.coaches[-1]} coaches")
        else:
            print(f"cache {cache_mb} MB: saturated at {at} coaches (p95 first token over "
                  f"{args.acceptable:.0f} s, or errors or lost replies)")
    print(load_average())


if __name__ == "__main__":
    main()
