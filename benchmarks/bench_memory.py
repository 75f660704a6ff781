"""Memory of the web app with the embedded model: RSS after many turns, across sessions, and
what is given back when conversations close.

    .venv/bin/python benchmarks/bench_memory.py [--sessions 5] [--turns-per-session 20]
    .venv/bin/python benchmarks/bench_memory.py --all-local [--budget 900]
    .venv/bin/python benchmarks/bench_memory.py --local-turns 0 --trace   # fake only, tracemalloc

Starts `chainlit run --headless` on 127.0.0.1 and plays sessions of scripted turns over
the socket, reading the server's RSS from /proc after the model is loaded, at the end of
every session while its chat is open, and after it is closed as the web client's New chat
does (`clear_session`, acknowledged, then disconnect; `--close drop` only disconnects, as
a closed tab, which Chainlit holds for `session_timeout`; `--close race` is the test
client's `close()`, which sends `clear_session` without waiting: python-socketio's
disconnect then often overtakes it and the chat is held as a dropped one, whereas in
Chromium New chat released the old session at once, checked with Playwright). The
server runs `benchmarks/app_memory_probe.py` (the app plus a read-only `/bench/memory`
route), so each line also says what the process still holds: Chainlit sessions, open
practices and the messages in Chainlit's chat contexts. At the end: RSS with every chat
closed, after glibc's `malloc_trim(0)` (what the allocator keeps but Python freed), and
the growth per turn from the first to the last session. Also prints the RSS of a bare
Chainlit app for reference. Target: < 600 MB, no growth, nothing held after close.

SmolLM2 needs seconds per turn on a 2-core machine, so by default the server offers
`local` and `fake` (`SPARRING_MODELS`): the first `--local-turns` turns run on the
embedded model (loading it, with its context, into the process), then the chat switches
to `fake` and every later turn and session runs with the model still resident. This
measures what grows per turn and per session in a process that holds the model within
about a minute. `--all-local` plays every turn on the embedded model, stopping at
`--budget` seconds; `--local-turns 0` never loads it.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from bench_server_load import BARE_APP, AppServer, TimedClient
from common import ROOT, coach_line, load_average, rss_mb
from uiserver import ChatClient, login

PROBE_APP = Path(__file__).resolve().parent / "app_memory_probe.py"
#: What one conversation creates; after close none of it should be left.
PER_CHAT = ("Live", "PracticeSession", "Transcript", "TurnRecord", "Message", "CustomElement")


async def probe(server: AppServer, **params: Any) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.url, timeout=120) as http:
        response = await http.get("/bench/memory", params=params)
        response.raise_for_status()
        return dict(response.json())


def held(report: dict[str, Any]) -> str:
    r = report["registries"]
    return (f"held: {r['ws_sessions_id']} Chainlit sessions, {r['live_practices']} practices, "
            f"{r['chat_contexts']} chat contexts with {r['chat_context_messages']} messages")


async def close(client: ChatClient, how: str) -> None:
    if how == "new-chat":
        await client.sio.call("clear_session", timeout=30)
    elif how == "race":
        await client.sio.emit("clear_session")
    await client.sio.disconnect()


async def play(server: AppServer, args: argparse.Namespace) -> None:
    assert server.proc is not None
    pid = server.proc.pid
    token = await login(server)
    print(f"server idle, before any chat: {rss_mb(pid):.0f} MB")
    use_local = args.local_turns > 0 and not args.all_local
    deadline = time.perf_counter() + args.budget
    done = 0
    points: list[tuple[int, float]] = []
    for session in range(1, args.sessions + 1):
        client = await TimedClient(server, token).connect()
        if session == 1 and use_local:
            await client.change_settings({"model": "local"})
        for turn in range(args.turns_per_session):
            if time.perf_counter() > deadline:
                break
            if session == 1 and use_local and turn == args.local_turns:
                await client.change_settings({"model": "fake"})
                print(f"after {turn} turns on the embedded model: {rss_mb(pid):.0f} MB; "
                      "switching this chat to the fake model", flush=True)
            await client.send(coach_line(turn + session), timeout=180)
            done += 1
            if done == 1:
                print(f"after the first turn: {rss_mb(pid):.0f} MB", flush=True)
        during = rss_mb(pid)
        await close(client, args.close)
        await asyncio.sleep(1.0)
        trace = "start" if session == 1 and args.trace else ""
        report = await probe(server, objects_too=0, trace_mode=trace)
        points.append((done, report["rss_mb"]))
        print(f"session {session}: {done:>3} turns in all; RSS {during:.0f} MB open, "
              f"{report['rss_mb']:.0f} MB closed; {held(report)} ({load_average()})", flush=True)
        if time.perf_counter() > deadline:
            break
    await asyncio.sleep(1.0)
    final = await probe(server, trim=1, trace_mode="diff" if args.trace else "")
    left = {name: final["objects"][name] for name in PER_CHAT}
    print(f"release on close, every chat closed: RSS {final['rss_mb']:.0f} MB, "
          f"{final['rss_after_trim_mb']:.0f} MB after malloc_trim; {held(final)}; "
          "objects left: " + ", ".join(f"{k} {v}" for k, v in left.items()))
    for line in final.get("trace", [])[:12]:
        print(f"    {line}")
    peak = max(r for _, r in points)
    print(f"peak RSS {peak:.0f} MB after {done} turns (target < 600 MB: {'met' if peak < 600 else 'NOT met'})")
    if len(points) >= 3 and points[-1][0] > points[1][0]:
        slope = (points[-1][1] - points[1][1]) / (points[-1][0] - points[1][0])
        print(f"growth after closing sessions 2 to {len(points)}: {points[-1][1] - points[1][1]:+.1f} MB "
              f"= {slope * 1000:+.0f} kB per turn")
    if done < args.sessions * args.turns_per_session:
        print(f"stopped at the {args.budget:.0f} s budget; --budget 900 runs all "
              f"{args.sessions * args.turns_per_session} turns")


def run(app_file: Path, env: dict[str, str], body: Any) -> None:
    with tempfile.TemporaryDirectory(prefix="sparring-mem-") as tmp:
        server = AppServer(Path(tmp), env=env)
        server.app_file = app_file
        server.start()
        try:
            asyncio.run(body(server))
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
    parser.add_argument("--budget", type=float, default=240.0, help="seconds of turns before stopping")
    parser.add_argument("--local-turns", type=int, default=3,
                        help="turns on the embedded model before switching to fake (0: never load it)")
    parser.add_argument("--all-local", action="store_true", help="every turn on the embedded model")
    parser.add_argument("--close", choices=("new-chat", "race", "drop"), default="new-chat",
                        help="how each chat is closed (see the module docstring)")
    parser.add_argument("--trace", action="store_true",
                        help="tracemalloc from the end of session 1; print the biggest growths")
    parser.add_argument("--app", type=Path, default=PROBE_APP,
                        help="app file to serve; must provide /bench/memory (see app_memory_probe.py)")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare Chainlit reference")
    args = parser.parse_args()
    if not args.no_bare:
        run(BARE_APP, {"SPARRING_FAKE_TOKEN_DELAY": "0.0"}, bare)
    env = ({"SPARRING_MODEL": "local"} if args.all_local else
           {"SPARRING_MODEL": "fake", "SPARRING_MODELS": "fake,local", "SPARRING_FAKE_TOKEN_DELAY": "0.01"})
    print(f"app {args.app.relative_to(ROOT) if args.app.is_relative_to(ROOT) else args.app}; "
          f"chats closed by {args.close}")
    run(args.app, env, lambda server: play(server, args))
    print(load_average())


if __name__ == "__main__":
    main()
