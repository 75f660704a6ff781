"""Test helpers: a real `chainlit run --headless` on 127.0.0.1, and a socket.io client.

Chainlit has no test client, so tests drive the app the way the web client does:
HTTP for login and actions, socket.io (`/ws/socket.io`) for the conversation.
Each server gets its own app root (symlinks to the repo's `.chainlit/`, `public/`
and `chainlit.md`) because Chainlit deletes `<app root>/.files` when it stops.
The benchmarks drive servers with the same helpers (`app_file` runs another app, e.g.
`benchmarks/bare_app.py`; `ChatClient.times` stamps every event).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import httpx
import socketio

from sparring.settings import ROOT

START_TIMEOUT = 45.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class UIServer:
    """One Chainlit process with the fake model and state under `workdir`."""

    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    app_file: Path = ROOT / "app.py"
    start_timeout: float = START_TIMEOUT

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def data_dir(self) -> Path:
        return self.workdir / "data"

    def _app_root(self) -> Path:
        root = self.workdir / "approot"
        root.mkdir(parents=True, exist_ok=True)
        for name in (".chainlit", "public", "chainlit.md"):
            link = root / name
            if not link.exists():
                link.symlink_to(ROOT / name)
        return root

    def start(self) -> UIServer:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("SPARRING_", "CHAINLIT_")) and k not in ("DATABASE_URL", "CI")}
        env.update({
            "SPARRING_MODEL": "fake",
            "SPARRING_DATA_DIR": str(self.data_dir),
            "SPARRING_FAKE_TOKEN_DELAY": "0.005",
            "CHAINLIT_APP_ROOT": str(self._app_root()),
            "PYTHONUNBUFFERED": "1",
        })
        env.update(self.env)
        log = (self.workdir / f"server-{self.port}.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "chainlit", "run", str(self.app_file), "--headless",
             "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=self._app_root(), env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        # Sparring answers /health; any other app (the benchmarks' bare app) its index page.
        path = "/health" if self.app_file == ROOT / "app.py" else "/"
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}{path}", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not answer {path} in {self.start_timeout}s:\n{self.log()}")

    def log(self) -> str:
        logs = sorted(self.workdir.glob("server-*.log"))
        return logs[-1].read_text("utf-8", "replace")[-6000:] if logs else ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


@contextmanager
def running(workdir: Path, **env: str) -> Iterator[UIServer]:
    server = UIServer(workdir, env=dict(env)).start()
    try:
        yield server
    finally:
        server.stop()


async def login(server: UIServer, username: str | None = None, password: str | None = None) -> str:
    """The `access_token` cookie: header login in single-user mode, password otherwise."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        if username is None:
            response = await http.post("/auth/header")
        else:
            response = await http.post("/login", data={"username": username, "password": password})
        response.raise_for_status()
        token = response.cookies.get("access_token")
    assert token, "login did not set the access_token cookie"
    return token


@dataclass
class ChatClient:
    """A socket.io session as the web client opens it, recording every event and when it
    arrived (`times[i]` is the `time.perf_counter()` of `events[i]`)."""

    server: UIServer
    token: str
    profile: str | None = None
    thread_id: str | None = None
    session_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    events: list[tuple[str, Any]] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    sio: socketio.AsyncClient = field(default_factory=socketio.AsyncClient)

    async def connect(self, timeout: float = 20.0) -> Self:
        @self.sio.on("*")
        async def _any(event: str, data: Any = None) -> None:
            self.events.append((event, data))
            self.times.append(time.perf_counter())

        auth = {"sessionId": self.session_id, "clientType": "webapp", "threadId": self.thread_id,
                "chatProfile": self.profile, "userEnv": "{}"}
        await self.sio.connect(self.server.url, socketio_path="/ws/socket.io", auth=auth,
                               headers={"Cookie": f"access_token={self.token}"},
                               transports=["websocket"], wait_timeout=max(10.0, timeout / 2))
        await self.sio.emit("connection_successful")
        # Ready once the app has shown its End-session button (the last thing a new or a
        # resumed chat sends) and the start-up task has ended, so that a later task_end
        # belongs to our own message.
        await self.wait_for(lambda e, d: e == "action" and d.get("name") == "end_session", timeout)
        await asyncio.sleep(0.3)
        return self

    def first_token_after(self, mark: int) -> float | None:
        """When the first streamed piece of a reply arrived after `mark`, or None."""
        stamped = zip(self.events[mark:], self.times[mark:], strict=True)
        return next((t for (e, _), t in stamped if e in ("stream_start", "stream_token")), None)

    async def wait_for(self, predicate: Any, timeout: float = 20.0) -> Any:
        """The first recorded (event, data) matching predicate, waiting for it if needed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for item in self.events:
                if predicate(*item):
                    return item
            await asyncio.sleep(0.05)
        names = [e for e, _ in self.events]
        raise AssertionError(f"event not seen within {timeout}s; got {names}")

    def _ended_after(self, mark: int) -> bool:
        names = [e for e, _ in self.since(mark)]
        return "task_start" in names and "task_end" in names[names.index("task_start"):]

    def mark(self) -> int:
        return len(self.events)

    def since(self, mark: int) -> list[tuple[str, Any]]:
        return self.events[mark:]

    async def send(self, text: str, timeout: float = 30.0) -> list[tuple[str, Any]]:
        """Send a coach line and return the events up to the task's end."""
        mark = self.mark()
        message = {"id": str(uuid.uuid4()), "threadId": self.thread_id or "", "name": "coach",
                   "type": "user_message", "output": text, "createdAt": "", "metadata": {}}
        await self.sio.emit("client_message", {"message": message, "fileReferences": None})
        deadline = time.monotonic() + timeout
        while not self._ended_after(mark):
            if time.monotonic() > deadline:
                raise AssertionError(f"no task_end within {timeout}s: {self.since(mark)}")
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.1)  # late element/update events of the same turn
        return self.since(mark)

    async def change_settings(self, values: dict[str, Any], timeout: float = 20.0) -> None:
        """Submit the chat settings form; Chainlit runs the handler as a task."""
        mark = self.mark()
        await self.sio.emit("chat_settings_change", values)
        deadline = time.monotonic() + timeout
        while not self._ended_after(mark):
            if time.monotonic() > deadline:
                raise AssertionError(f"settings change did not finish: {self.since(mark)}")
            await asyncio.sleep(0.05)

    async def action(self, name: str, payload: dict[str, Any], for_id: str | None = None,
                     timeout: float = 30.0) -> list[tuple[str, Any]]:
        """Press an action button (Chainlit calls actions over HTTP)."""
        mark = self.mark()
        async with httpx.AsyncClient(base_url=self.server.url, timeout=timeout,
                                     cookies={"access_token": self.token}) as http:
            response = await http.post("/project/action", json={
                "sessionId": self.session_id,
                "action": {"name": name, "payload": payload, "forId": for_id,
                           "id": str(uuid.uuid4()), "label": name},
            })
            response.raise_for_status()
        await asyncio.sleep(0.2)
        return self.since(mark)

    async def close(self) -> None:
        await self.sio.emit("clear_session")
        await self.sio.disconnect()


def messages(events: list[tuple[str, Any]], author: str | None = None) -> list[dict[str, Any]]:
    """Final message steps (new or updated), optionally by one author."""
    found = [d for e, d in events if e in ("new_message", "update_message")
             and isinstance(d, dict) and d.get("type") == "assistant_message"]
    return [d for d in found if author is None or d.get("name") == author]
