"""Memory is given back when conversations close: nothing of a closed chat stays in the server.

A chat lives in Chainlit's per-session registries and in Sparring's `Live` state. When the
coach starts a New chat, or the connection drops and Chainlit's `session_timeout` passes,
all of it must go; otherwise a long-running server grows with every conversation it ever
had. The server is the real app plus the read-only `/bench/memory` route of
`benchmarks/app_memory_probe.py`, which counts what the process still holds (registry
sizes and live objects after `gc.collect()`: counts, never RSS).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from uiserver import ChatClient, UIServer, login

from sparring.providers import FakeChatModel
from sparring.settings import ROOT, Settings
from sparring.ui.auth import auth_config
from sparring.ui.state import AppState

pytestmark = pytest.mark.server

PROBE_APP = ROOT / "benchmarks" / "app_memory_probe.py"
#: Short, so a dropped connection's session is deleted within the test (production: 3600 s).
SESSION_TIMEOUT_S = 5
LINES = ["What has this year been like for your team?",
         "So the real worry is what this means for your people.",
         "You should start holding weekly one-to-ones with everyone."]
#: What one conversation creates; none of it may outlive the conversation.
PER_CHAT = ("Live", "PracticeSession", "Transcript", "TurnRecord", "StoredPractice",
            "WebsocketSession", "Message", "CustomElement", "Action", "Plotly", "File")


class ProbeServer(UIServer):
    """The app with the memory probe route, and `session_timeout` shortened in its own
    copy of `.chainlit/config.toml` (everything else as in the repository)."""

    def _app_root(self) -> Path:
        root = self.workdir / "approot"
        config = root / ".chainlit"
        config.mkdir(parents=True, exist_ok=True)
        text = (ROOT / ".chainlit" / "config.toml").read_text("utf-8")
        text, found = re.subn(r"(?m)^session_timeout = \d+$", f"session_timeout = {SESSION_TIMEOUT_S}", text)
        assert found == 1, "session_timeout is no longer set in .chainlit/config.toml"
        (config / "config.toml").write_text(text, "utf-8")
        links = {config / "translations": ROOT / ".chainlit" / "translations",
                 root / "public": ROOT / "public", root / "chainlit.md": ROOT / "chainlit.md"}
        for link, target in links.items():
            if not link.exists():
                link.symlink_to(target)
        return root


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProbeServer]:
    srv = ProbeServer(tmp_path_factory.mktemp("memory"), env={"SPARRING_FAKE_TOKEN_DELAY": "0.0"},
                      app_file=PROBE_APP)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


async def held(server: UIServer, **params: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        response = await http.get("/bench/memory", params=params)
        response.raise_for_status()
        return dict(response.json())


async def held_once(server: UIServer, until: Callable[[dict[str, Any]], bool],
                    timeout: float = 15.0) -> dict[str, Any]:
    """The probe's report once `until` holds (Chainlit deletes sessions in background tasks)."""
    deadline = time.monotonic() + timeout
    report = await held(server)
    while not until(report) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        report = await held(server)
    return report


def nothing_open(report: dict[str, Any]) -> bool:
    return report["registries"]["ws_sessions_id"] == 0


def per_chat(report: dict[str, Any]) -> dict[str, int]:
    return {name: report["objects"][name] for name in PER_CHAT}


async def talk(server: UIServer, token: str) -> ChatClient:
    client = await ChatClient(server, token).connect()
    for line in LINES:
        await client.send(line)
    return client


async def test_chats_closed_by_new_chat_leave_nothing_behind(server: ProbeServer) -> None:
    token = await login(server)
    for n in range(3):
        client = await talk(server, token)
        if n == 1:  # one of them ended with its debrief first
            ends = [d for e, d in client.events if e == "action" and d["name"] == "end_session"]
            await client.action("end_session", {}, ends[-1]["forId"])
            await client.wait_for(lambda e, d: e == "element" and d.get("type") == "plotly")
        open_now = await held(server, objects_too=0)
        assert open_now["registries"]["live_practices"] == 1
        assert open_now["registries"]["chat_context_messages"] > 0
        # What the web client's New chat sends. Waiting for the acknowledgement: without it
        # python-socketio's disconnect can overtake the event (Chromium's client does not).
        await client.sio.call("clear_session", timeout=10)
        await client.sio.disconnect()

    report = await held_once(server, nothing_open)
    assert report["registries"] == {"ws_sessions_id": 0, "ws_sessions_sid": 0, "user_sessions": 0,
                                    "live_practices": 0, "chat_contexts": 0,
                                    "chat_context_messages": 0}
    assert per_chat(report) == dict.fromkeys(PER_CHAT, 0)


async def test_a_dropped_connection_is_held_for_its_timeout_then_released(server: ProbeServer) -> None:
    token = await login(server)
    client = await talk(server, token)
    await client.sio.disconnect()  # the tab closed or the network dropped: no clear_session
    kept = await held(server, objects_too=0)
    assert kept["registries"]["live_practices"] == 1  # a reconnect within the timeout resumes it

    report = await held_once(server, nothing_open, timeout=SESSION_TIMEOUT_S + 15)
    assert report["registries"]["chat_contexts"] == 0
    assert report["registries"]["user_sessions"] == 0
    assert per_chat(report) == dict.fromkeys(PER_CHAT, 0)


async def test_the_shared_fake_judge_keeps_only_the_latest_turns_prompts(settings: Settings) -> None:
    """The judge is built once per process; the fake model records every prompt for tests,
    which in a server would keep every turn's rubric prompt for the life of the process."""
    app = AppState(settings=settings, auth=auth_config(settings))
    lines = LINES * 4
    for line in lines:
        judge = app.judge("fake")
        await judge.acode(line, "Look, I am busy.")
    assert isinstance(judge.model, FakeChatModel)
    assert 1 <= len(judge.model.calls) <= judge.attempts
    assert lines[-1] in judge.model.prompts[-1]
