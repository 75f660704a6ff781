"""Many coaches at once: Sparring's web app vs a bare Chainlit app, same fake token pacing.

    .venv/bin/python benchmarks/bench_server_load.py [--coaches 20 50] [--duration 30] [--delay 0.05]
    .venv/bin/python benchmarks/bench_server_load.py --duration 120      # the issue's 2-minute runs
    .venv/bin/python benchmarks/bench_server_load.py --before /tmp/before  # older code, same run

For each number of coaches, starts `chainlit run --headless` on 127.0.0.1 (Sparring's
`app.py` with `SPARRING_MODEL=fake`, then `benchmarks/bare_app.py`), connects that many
python-socketio clients as the web client does, and lets each send a coach line, wait for
the whole reply, think for 1-3 s and repeat until the time is up. Prints p50/p95 time to
first streamed token, turns, errors, lost replies (a turn that ended without a manager
message) and the server's peak RSS, and Sparring's p95 ratio to the bare app (target <= 1.2).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from common import ROOT, coach_line, load_average, rss_mb
from probe import pct

sys.path.insert(0, str(ROOT / "tests"))

from uiserver import ChatClient, UIServer, login

BARE_APP = Path(__file__).resolve().parent / "bare_app.py"


@dataclass
class AppServer(UIServer):
    """`UIServer` with room for a loaded machine (also used by the other benchmarks)."""

    start_timeout: float = 60.0


class TimedClient(ChatClient):
    """`ChatClient` that waits longer for a chat to open, as a busy server needs."""

    async def connect(self, timeout: float = 60.0) -> Self:
        return await super().connect(timeout)


@dataclass
class Tally:
    ttft: list[float] = field(default_factory=list)
    turns: int = 0
    errors: list[str] = field(default_factory=list)
    lost: int = 0
    rss: list[float] = field(default_factory=list)


async def coach(server: UIServer, token: str, n: int, until: float, tally: Tally) -> None:
    rng = random.Random(n)
    await asyncio.sleep(rng.uniform(0, 3))  # coaches do not all arrive in the same instant
    try:
        client = await TimedClient(server, token).connect()
    except Exception as exc:
        tally.errors.append(f"connect: {type(exc).__name__}: {exc}"[:200])
        return
    turn = 0
    while time.perf_counter() < until:
        mark = client.mark()
        sent = time.perf_counter()
        try:
            events = await client.send(coach_line(n + turn), timeout=60)
        except Exception as exc:
            tally.errors.append(f"turn: {type(exc).__name__}: {str(exc)[:150]}")
            break
        tally.turns += 1
        turn += 1
        first = client.first_token_after(mark)
        replies = [d for e, d in events if e in ("new_message", "update_message") and isinstance(d, dict)
                   and d.get("type") == "assistant_message" and d.get("output")
                   and d.get("name") not in ("Sparring",)]
        if "The manager could not reply" in str(events):
            tally.errors.append("model error message")
        if first is None or not replies:
            tally.lost += 1
        else:
            tally.ttft.append(first - sent)
        await asyncio.sleep(rng.uniform(1.0, 3.0))
    with contextlib.suppress(Exception):
        await client.sio.disconnect()


async def sample_rss(pid: int, until: float, tally: Tally) -> None:
    while time.perf_counter() < until + 5:
        try:
            tally.rss.append(rss_mb(pid))
        except OSError:
            return
        await asyncio.sleep(1.0)


async def load(server: UIServer, coaches: int, duration: float) -> Tally:
    token = await login(server)
    tally = Tally()
    until = time.perf_counter() + duration
    assert server.proc is not None
    await asyncio.gather(sample_rss(server.proc.pid, until, tally),
                         *(coach(server, token, n, until, tally) for n in range(coaches)))
    return tally


def run_app(app_file: Path, coaches: int, duration: float, env: dict[str, str],
            start_timeout: float = AppServer.start_timeout) -> Tally:
    """Start the app in a throw-away folder, drive `coaches` against it, stop it."""
    with tempfile.TemporaryDirectory(prefix="sparring-load-") as tmp:
        server = AppServer(Path(tmp), env=env, app_file=app_file)
        server.start_timeout = start_timeout
        server.start()
        try:
            return asyncio.run(load(server, coaches, duration))
        finally:
            server.stop()


def run_one(app_file: Path, coaches: int, args: argparse.Namespace, pythonpath: str = "") -> Tally:
    env = {"SPARRING_FAKE_TOKEN_DELAY": str(args.delay)}
    if pythonpath:  # another checkout's `sparring` package ahead of this one's
        env["PYTHONPATH"] = pythonpath
    return run_app(app_file, coaches, args.duration, env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coaches", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per run (issue: 120)")
    parser.add_argument("--delay", type=float, default=0.05, help="seconds between fake tokens")
    parser.add_argument("--before", type=Path, default=None,
                        help="a checkout of older code (e.g. `git worktree add /tmp/before <commit>`): "
                        "its app runs too, in the same run, for a before/after table")
    args = parser.parse_args()
    apps: list[tuple[str, Path, str]] = [("sparring", ROOT / "app.py", "")]
    if args.before is not None:
        apps.append(("before", args.before.resolve() / "app.py", str(args.before.resolve())))
    apps.append(("bare", BARE_APP, ""))
    print(f"fake model, {args.delay * 1000:.0f} ms per token, {args.duration:.0f} s per run, 127.0.0.1")
    print(f"{'app':<9} {'coaches':>7} {'turns':>6} {'p50 ttft':>9} {'p95 ttft':>9} {'errors':>6} "
          f"{'lost':>5} {'peak RSS MB':>11} {'load avg':>8}")
    for coaches in args.coaches:
        results = {}
        for label, app_file, pythonpath in apps:
            tally = run_one(app_file, coaches, args, pythonpath)
            results[label] = tally
            print(f"{label:<9} {coaches:>7} {tally.turns:>6} {pct(tally.ttft, 0.5):>9.3f} "
                  f"{pct(tally.ttft, 0.95):>9.3f} {len(tally.errors):>6} {tally.lost:>5} "
                  f"{max(tally.rss or [float('nan')]):>11.0f} {os.getloadavg()[0]:>8.2f}", flush=True)
            for error in sorted(set(tally.errors))[:3]:
                print(f"    error: {error}")
        s, b = results["sparring"], results["bare"]
        ratio = pct(s.ttft, 0.95) / pct(b.ttft, 0.95)
        print(f"  {coaches} coaches: sparring/bare p95 first token = {ratio:.2f}x "
              f"(target <= 1.2: {'met' if ratio <= 1.2 else 'NOT met'}); "
              f"p50 {pct(s.ttft, 0.5) / pct(b.ttft, 0.5):.2f}x; "
              f"mean {statistics.fmean(s.ttft or [0]):.3f} vs {statistics.fmean(b.ttft or [0]):.3f} s; "
              f"turns {s.turns / max(1, b.turns):.2f}x")
        if "before" in results:
            old = results["before"]
            print(f"  {coaches} coaches: before/bare p95 first token = "
                  f"{pct(old.ttft, 0.95) / pct(b.ttft, 0.95):.2f}x, p50 {pct(old.ttft, 0.5) / pct(b.ttft, 0.5):.2f}x; "
                  f"turns {old.turns / max(1, b.turns):.2f}x")
    print(load_average())


if __name__ == "__main__":
    main()
