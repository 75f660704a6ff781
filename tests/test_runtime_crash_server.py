"""The embedded model's worker dies mid-reply under the running web app and under `sparring chat`:
the app lives on, the coach is told, other conversations go on, and the turn can be retried.

Real parts throughout: `chainlit run` with `--model local`, the terminal CLI as a subprocess,
llama.cpp in its worker process, and real signals.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from uiserver import ChatClient, login, messages, running

from sparring.persona.loader import load_personas
from sparring.settings import ROOT

pytest.importorskip("llama_cpp")
pytestmark = [pytest.mark.server, pytest.mark.integration]

PERSONA = "sceptic"
#: The model writes the replies itself (SPARRING_SPEAKING=free), so a reply is a model call to cut.
LOCAL = {"SPARRING_MODEL": "local", "SPARRING_SPEAKING": "free", "SPARRING_MAX_REPLY_TOKENS": "60",
         "SPARRING_LOCAL_TIMEOUT": "30"}


def worker_of(parent: int, timeout: float = 60.0) -> int:
    """The pid of the model worker that `parent` started (found in /proc)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"runtime_worker" in cmdline and int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                return int(entry.name)
        time.sleep(0.05)
    raise AssertionError(f"no model worker under pid {parent}")


def crash(pid: int) -> None:
    """SIGSEGV, delivered while the worker is held, so it lands mid-reply."""
    os.kill(pid, signal.SIGSTOP)
    os.kill(pid, signal.SIGSEGV)
    os.kill(pid, signal.SIGCONT)


def stored_coach_lines(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT record FROM sparring_sessions").fetchall()
    return [t["coach"] for (raw,) in rows for t in json.loads(raw)["transcript"]["turns"]]


def meters(events: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    return [d["props"] for e, d in events if e == "element" and d.get("type") == "custom"]


async def test_web_app_survives_a_model_crash_mid_reply(tmp_path: Path) -> None:
    persona = load_personas(ROOT / "personas")[PERSONA]
    first = "What would make this hour worth your while?"
    with running(tmp_path, **LOCAL) as srv:
        assert srv.proc is not None
        token = await login(srv)
        a = await ChatClient(srv, token, profile=PERSONA).connect(timeout=90)
        b = await ChatClient(srv, token, profile=PERSONA).connect(timeout=90)
        try:
            worker = worker_of(srv.proc.pid)
            mark = a.mark()
            sending = asyncio.create_task(a.send(first, timeout=120))
            await a.wait_for(lambda e, d: e == "stream_token" and a.events.index((e, d)) >= mark, 120)
            crash(worker)
            events = await sending
            failure = [m["output"] for m in messages(events, author="Sparring") if "could not reply" in m["output"]]
            assert failure and "crashed (SIGSEGV)" in failure[0] and "try again" in failure[0].lower()
            retry = next(d for e, d in events if e == "action" and d["name"] == "retry_turn")
            assert retry["payload"]["text"] == first
            assert not meters(events), "a failed turn moved the meter"

            health = httpx.get(f"{srv.url}/health", timeout=5)
            assert health.status_code == 200 and health.json() == {"status": "ok"}
            assert srv.proc.poll() is None

            other = await b.send("What does a good week look like for you?", timeout=120)
            assert meters(other), "the other conversation did not go on"
            assert [m for m in messages(other, author=persona.name) if m["output"].strip()]

            again = a.mark()
            await a.action("retry_turn", retry["payload"], retry["forId"])
            await a.wait_for(lambda e, d: e == "element" and d.get("type") == "custom"
                             and a.events.index((e, d)) >= again, 120)
            done = meters(a.since(again))
            assert len(done) == 1 and done[0]["before"] == round(persona.starting_resistance["realistic"])
            assert worker_of(srv.proc.pid) != worker
        finally:
            await a.close()
            await b.close()
        await asyncio.sleep(1)
        assert sorted(stored_coach_lines(srv.data_dir / "sparring.db")) == sorted(
            [first, "What does a good week look like for you?"]
        ), "each turn stored once"


class Terminal:
    """`sparring chat` as a subprocess, read as the coach would read it."""

    def __init__(self, workdir: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPARRING_")}
        env.update(LOCAL, SPARRING_DATA_DIR=str(workdir / "data"), PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "sparring"), "chat", "--persona", PERSONA],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=workdir,
        )
        self.out = b""
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        while chunk := self.proc.stdout.read1(4096):
            self.out += chunk

    def text(self) -> str:
        return self.out.decode("utf-8", "replace")

    def wait_for(self, needle: str, after: int = 0, timeout: float = 120.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            at = self.text().find(needle, after)
            if at >= 0:
                return at + len(needle)
            time.sleep(0.02)
        raise AssertionError(f"{needle!r} not printed within {timeout}s:\n{self.text()[-3000:]}")

    def type(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()


def test_terminal_chat_survives_a_model_crash_mid_reply(tmp_path: Path) -> None:
    persona = load_personas(ROOT / "personas")[PERSONA]
    term = Terminal(tmp_path)
    try:
        at = term.wait_for("You: ")
        worker = worker_of(term.proc.pid)
        term.type("What would make this hour worth your while?")
        at = term.wait_for(f"{persona.name}: ", at)
        deadline = time.monotonic() + 120
        while len(term.text()) <= at and time.monotonic() < deadline:  # the first piece of the reply
            time.sleep(0.01)
        crash(worker)
        at = term.wait_for("crashed (SIGSEGV)", at)
        at = term.wait_for("Press Enter to send the same line again", at)
        at = term.wait_for("You: ", at)
        term.type("")  # Enter: the same line again
        at = term.wait_for(f"{persona.name}: ", at)
        at = term.wait_for("You: ", at)
        assert term.proc.poll() is None
        term.type("/quit")
        term.wait_for("You practised 1 turn", at)
        assert term.proc.wait(timeout=30) == 0
    finally:
        if term.proc.poll() is None:
            term.proc.kill()
