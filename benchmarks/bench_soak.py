"""Soak: many coaches for minutes against the fake model — nothing lost, nothing doubled.

    .venv/bin/python benchmarks/bench_soak.py                       # 50 coaches, 5 minutes
    .venv/bin/python benchmarks/bench_soak.py --coaches 20 --duration 60
    .venv/bin/python benchmarks/bench_soak.py --turns-per-chat 15     # coaches also press New chat

Starts Sparring's web app (`chainlit run`, `SPARRING_MODEL=fake`, SQLite in a temporary
folder) and connects that many socket.io clients (the timed client of
`bench_server_load.py`). Each sends a unique coach line, waits for the whole reply, thinks
for 1-3 s and repeats. Afterwards it counts, per conversation, the coach lines sent, the
replies received, the turns in the stored practice record and the coach messages in
Chainlit's steps table, and checks that the stored lines are exactly the sent ones, in
order, once each. It samples the server's RSS every 5 s and compares the first and last
minute. With `--turns-per-chat N` each coach starts a New chat after N turns, so
conversations open and close throughout the run.

Release on close: the server runs `benchmarks/app_memory_probe.py` (the app plus a
read-only `/bench/memory` route). When the time is up every coach closes its chat as the
web client's New chat does (`--close new-chat`: `clear_session`, acknowledged, then
disconnect; `drop` only disconnects, as a closed tab; `race`: see `bench_memory.py`), and
the RSS and what the process still holds (Chainlit sessions, open
practices, messages in Chainlit's chat contexts) are printed, before and after glibc's
`malloc_trim(0)`. Exit code 1 when anything was lost, doubled or failed, or when a chat
closed by New chat is still held.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from bench_memory import PROBE_APP, close, held
from bench_server_load import AppServer, TimedClient
from common import ROOT, coach_line, load_average, rss_mb

sys.path.insert(0, str(ROOT / "tests"))
from uiserver import UIServer, login


@dataclass
class Soak:
    sent: dict[str, list[str]] = field(default_factory=dict)  # thread id -> coach lines sent
    replies: int = 0
    errors: list[str] = field(default_factory=list)
    rss: list[tuple[float, float]] = field(default_factory=list)  # (seconds since start, MB)
    chats: int = 0
    released: dict[str, Any] = field(default_factory=dict)  # the probe's report after close


async def coach(server: UIServer, token: str, n: int, until: float, soak: Soak,
                args: argparse.Namespace) -> None:
    rng = random.Random(n)
    await asyncio.sleep(rng.uniform(0, 5))
    turn = 0
    while time.perf_counter() < until:
        try:
            client = await TimedClient(server, token, profile="sceptic",
                                       session_id=str(uuid.uuid4())).connect()
        except Exception as exc:
            soak.errors.append(f"connect: {type(exc).__name__}: {exc}"[:200])
            return
        soak.chats += 1
        lines: list[str] = []
        while time.perf_counter() < until and (not args.turns_per_chat or len(lines) < args.turns_per_chat):
            line = f"{coach_line(n + turn)} (coach {n}, line {turn + 1})"
            try:
                events = await client.send(line, timeout=90)
            except Exception as exc:
                soak.errors.append(f"turn: {type(exc).__name__}: {str(exc)[:150]}")
                until = 0.0  # this coach stops; what it sent so far is still checked
                break
            lines.append(line)
            turn += 1
            if "could not reply" in str(events) or "Could not save" in str(events):
                soak.errors.append("error message shown to the coach")
            if any(e in ("new_message", "update_message") and isinstance(d, dict)
                   and d.get("type") == "assistant_message" and d.get("name") != "Sparring"
                   and d.get("output") for e, d in events):
                soak.replies += 1
            await asyncio.sleep(rng.uniform(1.0, 3.0))
        thread_id = next((d["thread_id"] for e, d in client.events if e == "first_interaction"), None)
        if lines and thread_id is None:
            soak.errors.append(f"coach {n}: no thread id")
        elif thread_id is not None:
            soak.sent[thread_id] = lines
        with contextlib.suppress(Exception):
            await close(client, args.close)


async def sample_rss(pid: int, start: float, until: float, soak: Soak) -> None:
    while time.perf_counter() < until:
        try:
            soak.rss.append((time.perf_counter() - start, rss_mb(pid)))
        except OSError:
            return
        await asyncio.sleep(5.0)


def stored(db: Path) -> tuple[dict[str, list[str]], Counter[str]]:
    """Coach lines in each practice record, and coach messages per thread in Chainlit's steps."""
    with sqlite3.connect(db) as conn:
        records = {str(t): [turn["coach"] for turn in json.loads(r)["transcript"]["turns"]]
                   for t, r in conn.execute("SELECT thread_id, record FROM sparring_sessions")}
        steps = Counter(str(t) for (t,) in conn.execute(
            "SELECT \"threadId\" FROM steps WHERE type = 'user_message'"))
    return records, steps


def report(soak: Soak, db: Path, seconds: float, close_how: str) -> int:
    records, steps = stored(db)
    sent = sum(len(v) for v in soak.sent.values())
    in_records = sum(len(records.get(t, [])) for t in soak.sent)
    in_steps = sum(steps.get(t, 0) for t in soak.sent)
    lost = sum(1 for t, lines in soak.sent.items() for line in lines if line not in records.get(t, []))
    doubled = sum(n - 1 for t in soak.sent for n in Counter(records.get(t, [])).values() if n > 1)
    order = sum(1 for t, lines in soak.sent.items() if records.get(t, []) != lines)
    print(f"conversations {len(soak.sent)} ({soak.chats} chats opened), {seconds:.0f} s")
    print(f"coach lines sent {sent}, replies received {soak.replies}, "
          f"stored turns {in_records}, coach messages in steps {in_steps}")
    print(f"lost {lost}, doubled {doubled}, conversations not stored exactly {order}, "
          f"errors {len(soak.errors)}")
    for error in sorted(set(soak.errors))[:5]:
        print(f"    error: {error}")
    if soak.rss:
        first = [mb for t, mb in soak.rss if t <= 60] or [soak.rss[0][1]]
        last = [mb for t, mb in soak.rss if t >= seconds - 60] or [soak.rss[-1][1]]
        print(f"server RSS MB: first minute median {statistics.median(first):.0f}, last minute "
              f"median {statistics.median(last):.0f}, peak {max(mb for _, mb in soak.rss):.0f}")
        by_minute = [[mb for t, mb in soak.rss if m * 60 <= t < (m + 1) * 60]
                     for m in range(int(seconds // 60) + 1)]
        print("RSS median per minute: " + " · ".join(f"{statistics.median(v):.0f}" for v in by_minute if v))
    kept = 0
    if soak.released:
        r = soak.released
        kept = r["registries"]["ws_sessions_id"] + r["registries"]["chat_contexts"]
        print(f"release on close (every chat closed by {close_how}): RSS {r['rss_mb']:.0f} MB, "
              f"{r['rss_after_trim_mb']:.0f} MB after malloc_trim; {held(r)}")
    print(load_average())
    bad = lost or doubled or order or soak.errors or sent != soak.replies or in_steps != sent
    return 1 if bad or (kept and close_how == "new-chat") else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coaches", type=int, default=50)
    parser.add_argument("--duration", type=float, default=300.0, help="seconds (issue: 300)")
    parser.add_argument("--delay", type=float, default=0.02, help="seconds between fake tokens")
    parser.add_argument("--log", type=Path, default=None, help="keep the server log here")
    parser.add_argument("--turns-per-chat", type=int, default=0,
                        help="start a New chat after this many turns (0: one chat per coach)")
    parser.add_argument("--close", choices=("new-chat", "race", "drop"), default="new-chat",
                        help="how coaches close their chats (see the module docstring)")
    parser.add_argument("--app", type=Path, default=PROBE_APP,
                        help="app file to serve; must provide /bench/memory (see app_memory_probe.py)")
    args = parser.parse_args()
    chats = f"New chat every {args.turns_per_chat} turns" if args.turns_per_chat else "one chat each"
    print(f"soak: {args.coaches} coaches ({chats}, closed by {args.close}), {args.duration:.0f} s, "
          f"fake model {args.delay * 1000:.0f} ms/token, SQLite, 127.0.0.1")
    with tempfile.TemporaryDirectory(prefix="sparring-soak-") as tmp:
        server = AppServer(Path(tmp), env={"SPARRING_FAKE_TOKEN_DELAY": str(args.delay)},
                           app_file=args.app).start()
        try:
            soak = Soak()
            start = time.perf_counter()
            until = start + args.duration

            async def run() -> None:
                token = await login(server)
                assert server.proc is not None
                await asyncio.gather(sample_rss(server.proc.pid, start, until, soak),
                                     *(coach(server, token, n, until, soak, args)
                                       for n in range(args.coaches)))
                await asyncio.sleep(2.0)  # Chainlit writes steps and deletes sessions in tasks
                async with httpx.AsyncClient(base_url=server.url, timeout=120) as http:
                    response = await http.get("/bench/memory", params={"trim": 1, "objects_too": 0})
                    soak.released = dict(response.json())

            asyncio.run(run())
            return report(soak, server.data_dir / "sparring.db", time.perf_counter() - start, args.close)
        finally:
            server.stop()
            if args.log:
                logs = sorted(Path(tmp).glob("server-*.log"))
                args.log.write_bytes(b"".join(p.read_bytes() for p in logs))


if __name__ == "__main__":
    raise SystemExit(main())

