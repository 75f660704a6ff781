"""Memory of the web app with the embedded model: RSS after many turns, across sessions.

    .venv/bin/python benchmarks/bench_memory.py [--sessions 5] [--turns-per-session 20]
    .venv/bin/python benchmarks/bench_memory.py --all-local [--budget 900]

Starts `chainlit run --headless` on 127.0.0.1 and plays sessions of scripted turns over
the socket (a new chat per session, as a coach pressing New chat), reading the server's
RSS from /proc after the model is loaded and after every session. Also prints the RSS of
a bare Chainlit app for reference, and the growth per turn from the first to the last
session. Target: < 600 MB, no growth.

SmolLM2 needs seconds per turn on a 2-core machine, so by default the server offers
`local` and `fake` (`SPARRING_MODELS`): the first `--local-turns` turns run on the
embedded model (loading it, with its context, into the process), then the chat switches
to `fake` and every later turn and session runs with the model still resident. This
measures what grows per turn and per session in a process that holds the model within
about a minute. `--all-local` plays every turn on the embedded model, stopping at
`--budget` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bench_server_load import BARE_APP, AppServer, TimedClient
from common import ROOT, coach_line, load_average, rss_mb
from uiserver import login


async def play(server: AppServer, args: argparse.Namespace) -> None:
    assert server.proc is not None
    pid = server.proc.pid
    token = await login(server)
    print(f"server idle, before any chat: {rss_mb(pid):.0f} MB")
    deadline = time.perf_counter() + args.budget
    done = 0
    points: list[tuple[int, float]] = []
    for session in range(1, args.sessions + 1):
        client = await TimedClient(server, token).connect()
        if session == 1 and not args.all_local:
            await client.change_settings({"model": "local"})
        for turn in range(args.turns_per_session):
            if time.perf_counter() > deadline:
                break
            if session == 1 and not args.all_local and turn == args.local_turns:
                await client.change_settings({"model": "fake"})
                print(f"after {turn} turns on the embedded model: {rss_mb(pid):.0f} MB; "
                      "switching this chat to the fake model", flush=True)
            await client.send(coach_line(turn + session), timeout=180)
            done += 1
            if done == 1:
                print(f"after the first turn (model loaded and used): {rss_mb(pid):.0f} MB", flush=True)
        await client.close()
        await asyncio.sleep(1.0)
        points.append((done, rss_mb(pid)))
        print(f"after session {session}: {done:>3} turns in all, RSS {points[-1][1]:.0f} MB "
              f"({load_average()})", flush=True)
        if time.perf_counter() > deadline:
            break
    peak = max(r for _, r in points)
    print(f"peak RSS {peak:.0f} MB after {done} turns (target < 600 MB: {'met' if peak < 600 else 'NOT met'})")
    if len(points) >= 2 and points[-1][0] > points[0][0]:
        slope = (points[-1][1] - points[0][1]) / (points[-1][0] - points[0][0])
        print(f"growth from session 1 to {len(points)}: {points[-1][1] - points[0][1]:+.1f} MB "
              f"= {slope * 1000:+.0f} kB per turn")
    if done < args.sessions * args.turns_per_session:
        print(f"stopped at the {args.budget:.0f} s budget; --budget 900 runs all "
              f"{args.sessions * args.turns_per_session} turns")


def run(app_file: Path, env: dict[str, str], body: object) -> None:
    with tempfile.TemporaryDirectory(prefix="sparring-mem-") as tmp:
        server = AppServer(Path(tmp), env=env)
        server.app_file = app_file
        server.start()
        try:
            asyncio.run(body(server))  # type: ignore[operator]
        finally:
            server.stop()


async def bare(server: AppServer) -> None:
    assert server.proc is not None
    token = await login(server)
    client = await TimedClient(server, token).connect()
    for turn in range(5):
        await client.send(coach_line(turn), timeout=60)
    await client.close()
    print(f"reference: bare Chainlit app after 5 turns: {rss_mb(server.proc.pid):.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=5)
    parser.add_argument("--turns-per-session", type=int, default=20)
    parser.add_argument("--budget", type=float, default=270.0, help="seconds of turns before stopping")
    parser.add_argument("--local-turns", type=int, default=3,
                        help="turns on the embedded model before switching to fake")
    parser.add_argument("--all-local", action="store_true", help="every turn on the embedded model")
    args = parser.parse_args()
    run(BARE_APP, {"SPARRING_FAKE_TOKEN_DELAY": "0.0"}, bare)
    env = ({"SPARRING_MODEL": "local"} if args.all_local else
           {"SPARRING_MODEL": "fake", "SPARRING_MODELS": "fake,local", "SPARRING_FAKE_TOKEN_DELAY": "0.01"})
    run(ROOT / "app.py", env, lambda server: play(server, args))
    print(load_average())


if __name__ == "__main__":
    main()
