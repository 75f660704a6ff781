"""Scale-out: two app processes share one PostgreSQL database (and one data folder), as
replicas behind a load balancer do. A practice started on one is resumed on the other
with its history and hidden state, and one login works on both.

Needs the Debian `postgresql` binaries (`tests/pgcluster.py`); skipped with the reason
otherwise. See docs/DEPLOY.md for the layout this mirrors.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pgcluster import cluster_or_skip
from uiserver import ChatClient, login, messages, running

from sparring.persona.loader import load_personas
from sparring.settings import ROOT
from sparring.ui.auth import hash_password

pytestmark = pytest.mark.server

PERSONA = "sceptic"
LINES = [
    "What has this year been like for your team?",
    "So you've seen programmes like this come and go, and it cost you good people.",
    "You should just get on board with the programme.",
]


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    yield from cluster_or_skip("the scale-out test")


def meter(events: list[tuple[str, Any]]) -> dict[str, Any]:
    found = [d["props"] for e, d in events if e == "element" and d.get("type") == "custom"]
    assert found, "the reply came without its resistance meter"
    return found[-1]


async def test_a_session_started_on_one_replica_resumes_on_the_other(pg_url: str, tmp_path: Path) -> None:
    users = tmp_path / "users.txt"
    users.write_text(f"alice:{hash_password('pw')}\n")
    shared = {
        "SPARRING_DATABASE_URL": pg_url,
        "SPARRING_DATA_DIR": str(tmp_path / "shared-data"),
        "SPARRING_USERS_FILE": str(users),
        "SPARRING_AUTH_SECRET": secrets.token_urlsafe(32),
    }
    name = load_personas(ROOT / "personas")[PERSONA].name
    with running(tmp_path / "a", **shared) as a, running(tmp_path / "b", **shared) as b:
        token = await login(a, "alice", "pw")
        first = await ChatClient(a, token, profile=PERSONA).connect()
        for line in LINES[:2]:
            events = await first.send(line)
        thread_id = next(d["thread_id"] for e, d in first.events if e == "first_interaction")
        resistance = meter(events)["after"]
        last_reply = messages(events, author=name)[-1]["output"]
        await asyncio.sleep(0.5)  # the record is written after the turn's events
        await first.close()

        # The same login cookie on the other replica: the signing secret is shared.
        second = ChatClient(b, token, profile=PERSONA, thread_id=thread_id)
        await second.connect()
        try:
            _, thread = await second.wait_for(lambda e, d: e == "resume_thread")
            outputs = [step["output"] for step in thread["steps"]]
            assert LINES[0] in outputs and LINES[1] in outputs and last_reply in outputs
            events = await second.send(LINES[2])
            moved = meter(events)
            assert moved["before"] == resistance, "replica B did not pick up the hidden state from A"
            assert moved["after"] > moved["before"], "unrequested advice should raise resistance"
        finally:
            await second.close()

        # And back: A sees B's turn, so neither replica keeps state the other cannot see.
        third = ChatClient(a, token, profile=PERSONA, thread_id=thread_id)
        await third.connect()
        try:
            _, thread = await third.wait_for(lambda e, d: e == "resume_thread")
            assert LINES[2] in [step["output"] for step in thread["steps"]]
        finally:
            await third.close()
