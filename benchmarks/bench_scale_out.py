"""Past one process: two app processes on one PostgreSQL behind a sticky HAProxy, against one.

    .venv/bin/python benchmarks/bench_scale_out.py [--coaches 100] [--duration 120] [--delay 0.05]
    .venv/bin/python benchmarks/bench_scale_out.py --replicas 1 2     # the default: both layouts

Starts everything itself on 127.0.0.1: a throw-away PostgreSQL (Debian's binaries, as
`tests/pgcluster.py`), N `chainlit run` processes of Sparring's `app.py` with the fake model
(same database, data folder and signing secret, as `docs/DEPLOY.md` describes), and HAProxy
in front of them with cookie stickiness (`balance roundrobin`, `cookie SRV insert`). Each
coach logs in through the proxy (which picks its replica and sets the cookie), opens a
socket.io chat with that cookie, and plays turns for `--duration` seconds as in
`bench_server_load.py`. Prints p50/p95 time to first token, turns, errors, lost replies,
each replica's share of the coaches and its CPU seconds, and the load average, for one
replica and for two under the same load.

Needs HAProxy: `apt-get install -y haproxy` (Debian/Ubuntu). PostgreSQL: `apt-get install -y
postgresql`. Without them the benchmark says so and stops.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
from bench_server_load import AppServer, Tally, TimedClient, pct
from common import ROOT, coach_line, load_average

sys.path.insert(0, str(ROOT / "tests"))

from pgcluster import postgres_cluster
from uiserver import free_port

from sparring.storage.schema import ensure_schema

HAPROXY_CONFIG = """
global
    maxconn 4096
defaults
    mode http
    timeout connect 5s
    timeout client 120s
    timeout server 120s
    timeout tunnel 1h
frontend sparring
    bind 127.0.0.1:{port}
    default_backend apps
backend apps
    balance roundrobin
    cookie SRV insert indirect nocache
    option httpchk GET /health
{servers}
"""


@dataclass
class Proxy:
    """HAProxy in front of the replicas; `url` is what coaches connect to."""

    port: int
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_haproxy(workdir: Path, backends: list[AppServer]) -> Proxy:
    binary = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if binary is None:
        sys.exit("HAProxy is not installed: `apt-get install -y haproxy` (Debian/Ubuntu), then run again.")
    port = free_port()
    servers = "\n".join(f"    server app{i} 127.0.0.1:{b.port} cookie app{i} check inter 2s"
                        for i, b in enumerate(backends, 1))
    config = workdir / "haproxy.cfg"
    config.write_text(HAPROXY_CONFIG.format(port=port, servers=servers))
    check = subprocess.run([binary, "-c", "-f", str(config)], capture_output=True, text=True)
    if check.returncode != 0:
        sys.exit(f"HAProxy rejected its configuration:\n{check.stderr}")
    log = (workdir / "haproxy.log").open("wb")
    proc = subprocess.Popen([binary, "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1.0).status_code == 200:
                return Proxy(port, proc)
        time.sleep(0.2)
    proc.kill()
    sys.exit(f"HAProxy did not answer on port {port}: see {workdir / 'haproxy.log'}")


async def proxy_login(proxy: Proxy) -> tuple[str, str]:
    """Log in through the proxy: the login cookie, and the replica cookie it set."""
    async with httpx.AsyncClient(base_url=proxy.url) as http:
        response = await http.post("/auth/header")
        response.raise_for_status()
        return response.cookies["access_token"], response.cookies.get("SRV") or ""


async def coach(proxy: Proxy, n: int, until: float, tally: Tally, seen: Counter[str]) -> None:
    import random

    rng = random.Random(n)
    await asyncio.sleep(rng.uniform(0, 3))
    try:
        token, replica = await proxy_login(proxy)
        seen[replica] += 1
        # The replica cookie rides with the login cookie on the socket, as a browser sends both.
        client = await TimedClient(proxy, f"{token}; SRV={replica}").connect()  # type: ignore[arg-type]
    except Exception as exc:
        tally.errors.append(f"connect: {type(exc).__name__}: {exc}"[:200])
        return
    turn = 0
    while time.perf_counter() < until:
        mark, sent = client.mark(), time.perf_counter()
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
                   and d.get("name") != "Sparring"]
        if "The manager could not reply" in str(events):
            tally.errors.append("model error message")
        if first is None or not replies:
            tally.lost += 1
        else:
            tally.ttft.append(first - sent)
        await asyncio.sleep(rng.uniform(1.0, 3.0))
    with contextlib.suppress(Exception):
        await client.sio.disconnect()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_layout(replicas: int, url: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="sparring-scale-") as tmp:
        work = Path(tmp)
        shared = {"SPARRING_DATABASE_URL": url, "SPARRING_DATA_DIR": str(work / "shared-data"),
                  "SPARRING_AUTH_SECRET": secrets.token_urlsafe(32),
                  "SPARRING_FAKE_TOKEN_DELAY": str(args.delay)}
        apps: list[AppServer] = []
        proxy: Proxy | None = None
        try:
            for i in range(replicas):
                apps.append(AppServer(work / f"app{i + 1}", env=dict(shared)).start())
            proxy = start_haproxy(work, apps)
            before = [cpu_seconds(a.proc.pid) for a in apps if a.proc]
            tally, seen = Tally(), Counter[str]()
            until = time.perf_counter() + args.duration

            async def drive() -> None:
                assert proxy is not None
                await asyncio.gather(*(coach(proxy, n, until, tally, seen) for n in range(args.coaches)))

            asyncio.run(drive())
            cpu = [cpu_seconds(a.proc.pid) - b for a, b in zip(apps, before, strict=True) if a.proc]
        finally:
            if proxy is not None:
                proxy.proc.terminate()
                proxy.proc.wait(timeout=10)
            for app in apps:
                app.stop()
    share = " ".join(f"{k or '?'}:{v}" for k, v in sorted(seen.items()))
    print(f"{replicas:>8} {args.coaches:>7} {tally.turns:>6} {pct(tally.ttft, 0.5):>9.3f} "
          f"{pct(tally.ttft, 0.95):>9.3f} {len(tally.errors):>6} {tally.lost:>5}  "
          f"{' '.join(f'{c:.0f}' for c in cpu):>11}  {share:<16} {os.getloadavg()[0]:>5.2f}", flush=True)
    for error in sorted(set(tally.errors))[:3]:
        print(f"    error: {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coaches", type=int, default=100)
    parser.add_argument("--duration", type=float, default=120.0)
    parser.add_argument("--delay", type=float, default=0.05, help="seconds between fake tokens")
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    if shutil.which("haproxy") is None and not Path("/usr/sbin/haproxy").exists():
        sys.exit("HAProxy is not installed: `apt-get install -y haproxy` (Debian/Ubuntu), then run again.")
    print(f"fake model, {args.delay * 1000:.0f} ms per token, {args.coaches} coaches, "
          f"{args.duration:.0f} s per layout, PostgreSQL + HAProxy on 127.0.0.1, {os.cpu_count()} cores")
    print(f"{'replicas':>8} {'coaches':>7} {'turns':>6} {'p50 ttft':>9} {'p95 ttft':>9} {'errors':>6} "
          f"{'lost':>5}  {'CPU s/app':>11}  {'coaches/app':<16} {'load':>5}")
    try:
        with postgres_cluster() as url:
            asyncio.run(ensure_schema(url))
            for replicas in args.replicas:
                run_layout(replicas, url, args)
    except RuntimeError as exc:  # no PostgreSQL binaries, or no user to run them as
        sys.exit(f"Cannot start PostgreSQL: {exc} (apt-get install -y postgresql)")
    print(load_average())


if __name__ == "__main__":
    main()
