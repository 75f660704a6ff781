"""The evaluator's cost: tier-1 turns/s, and what the LLM judge adds to a reply in the web app.

    .venv/bin/python benchmarks/bench_evaluator.py [--turns 10] [--delay 0.05]

1. Tier 1 (`RulesCoder`): turns/s over the gold set, as `bench_coder.py` measures it.
2. Reply path: the same scripted coach talks to two `chainlit run --headless` servers
   with the fake model at `--delay` s per token: Sparring's `app.py`, where the LLM judge
   (`SPARRING_JUDGE_MODEL=fake`) runs as a background task beside each reply as with a
   hosted judge, and `benchmarks/app_without_judge.py`, the same app with the judge off. Prints the median time to
   the first streamed token and to the finished reply for both, and the difference.
   Target: the judge adds nothing to the reply path.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import bench_coder
from bench_server_load import AppServer, TimedClient
from common import ROOT, coach_line, load_average
from uiserver import login


async def converse(server: AppServer, turns: int) -> tuple[list[float], list[float]]:
    token = await login(server)
    client = await TimedClient(server, token).connect()
    firsts: list[float] = []
    totals: list[float] = []
    for turn in range(turns):
        mark = client.mark()
        sent = time.perf_counter()
        await client.send(coach_line(turn), timeout=60)
        stamped = list(zip(client.events[mark:], client.times[mark:], strict=False))
        first = next(t for (e, _), t in stamped if e in ("stream_start", "stream_token"))
        done = next(t for (e, _), t in stamped if e == "task_end")
        firsts.append(first - sent)
        totals.append(done - sent)
        await asyncio.sleep(0.5)
    await client.close()
    return firsts, totals


def serve_and_talk(env: dict[str, str], turns: int, app_file: Path) -> tuple[list[float], list[float]]:
    with tempfile.TemporaryDirectory(prefix="sparring-eval-bench-") as tmp:
        server = AppServer(Path(tmp), env=env)
        server.app_file = app_file
        server.start()
        try:
            return asyncio.run(converse(server, turns))
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--delay", type=float, default=0.05)
    args = parser.parse_args()

    print("1. tier 1 (rules coder)")
    bench_coder.main()

    print(f"\n2. LLM judge on the reply path (web app, fake model, {args.delay * 1000:.0f} ms/token, "
          f"{args.turns} turns each)")
    base = {"SPARRING_FAKE_TOKEN_DELAY": str(args.delay)}
    off = serve_and_talk(base, args.turns, Path(__file__).resolve().parent / "app_without_judge.py")
    on = serve_and_talk({**base, "SPARRING_JUDGE_MODEL": "fake"}, args.turns, ROOT / "app.py")
    med = statistics.median
    print(f"{'judge':<6} {'median first token s':>21} {'median reply done s':>20}")
    for label, (firsts, totals) in (("off", off), ("on", on)):
        print(f"{label:<6} {med(firsts):>21.3f} {med(totals):>20.3f}")
    added = med(on[0]) - med(off[0])
    print(f"judge adds {added * 1000:+.0f} ms to the first token ({med(on[0]) / med(off[0]):.2f}x) and "
          f"{(med(on[1]) - med(off[1])) * 1000:+.0f} ms to the finished reply "
          "(target: zero; differences of a few tens of ms are scheduling noise)")
    print(load_average())


if __name__ == "__main__":
    main()
