"""Trainer routes on the real server: a coach is refused on every one, and a trainer sees a
coach's session only after the coach shares it, through every page, API and export.

The server is `chainlit run` with the fake model in multi-user mode, on SQLite and on a
throwaway PostgreSQL (skipped with the reason when the Debian binaries are missing); coaches talk over
socket.io as the browser does, rate a reply through Chainlit's own feedback endpoint and
flip the "Share with trainers" switch through the chat settings.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pgcluster import cluster_or_skip
from uiserver import ChatClient, UIServer, login, messages, running

from sparring.persona.loader import load_personas
from sparring.settings import ROOT, Settings
from sparring.trainer.pages import install_trainer_routes, trainer_paths
from sparring.ui.auth import hash_password
from sparring.ui.sharing import SHARE_SETTING

pytestmark = pytest.mark.server

PERSONA = "sceptic"
SHARED_LINE = "What has this year been like for your team, honestly?"
PRIVATE_LINE = "What would you like to get out of our time together?"
#: Every page and API that shows sessions, with how it names one.
VIEWS = ["/trainer/review?status=all", "/trainer/api/review", "/trainer/cohort",
         "/trainer/api/cohort", "/trainer/api/cohort.csv"]


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    yield from cluster_or_skip("the trainer routes on PostgreSQL")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[UIServer]:
    work = tmp_path_factory.mktemp("sharing")
    users = work / "users.txt"
    users.write_text(f"alice:{hash_password('alice-pw')}\n"
                     f"tina:{hash_password('tina-pw')}:trainer\n")
    database = {} if request.param == "sqlite" else {"SPARRING_DATABASE_URL": request.getfixturevalue("pg_url")}
    with running(work, SPARRING_USERS_FILE=str(users), SPARRING_AUTH_SECRET="s" * 48, **database) as srv:
        yield srv


def every_trainer_route() -> list[tuple[str, str]]:
    """(method, concrete path) for each `/trainer` route the app installs, parameters filled."""
    app = FastAPI()
    install_trainer_routes(app, Settings(_env_file=None))  # type: ignore[call-arg]
    out = []
    for path, methods in trainer_paths(app):
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        out += [(m, concrete) for m in sorted(methods - {"HEAD"})]
    return out


def test_a_coach_is_refused_on_every_trainer_route(server: UIServer) -> None:
    routes = every_trainer_route()
    paths = {p for _, p in routes}
    # The enumeration really covers this file's subjects (so it cannot pass on an empty list).
    assert {"/trainer/review", "/trainer/api/review", "/trainer/api/review/x", "/trainer/cohort",
            "/trainer/api/cohort", "/trainer/api/cohort.csv"} <= paths
    coach = asyncio.run(login(server, "alice", "alice-pw"))
    with httpx.Client(base_url=server.url, timeout=10) as http:
        for method, path in routes:
            as_coach = http.request(method, path, cookies={"access_token": coach}, json={})
            assert as_coach.status_code == 403, (method, path, as_coach.status_code)
            anonymous = http.request(method, path, json={})
            assert anonymous.status_code == 401, (method, path, anonymous.status_code)


async def practise(server: UIServer, token: str, line: str) -> tuple[ChatClient, str]:
    """A new chat with one coach line; returns the client and the reply's message id."""
    name = load_personas(ROOT / "personas")[PERSONA].name
    chat = await ChatClient(server, token, profile=PERSONA).connect()
    events = await chat.send(line)
    reply = messages(events, author=name)[-1]
    chat.thread_id = reply["threadId"]
    return chat, str(reply["id"])


async def rate(server: UIServer, token: str, chat: ChatClient, message_id: str, comment: str) -> str:
    """A thumbs down with a comment through Chainlit's own endpoint; returns the rating's id."""
    async with httpx.AsyncClient(base_url=server.url, cookies={"access_token": token}) as http:
        response = await http.put("/feedback", json={"sessionId": chat.session_id, "feedback": {
            "forId": message_id, "threadId": chat.thread_id, "value": 0, "comment": comment}})
        response.raise_for_status()
        return str(response.json()["feedbackId"])


def verdict(server: UIServer, token: str, rating: str, **headers: str) -> httpx.Response:
    return httpx.post(f"{server.url}/trainer/api/review/{rating}", cookies={"access_token": token},
                      json={"fixed": True, "version": "v2"}, headers=headers, timeout=10)


def trainer_views(server: UIServer, token: str) -> dict[str, str]:
    with httpx.Client(base_url=server.url, cookies={"access_token": token}, timeout=30) as http:
        out = {}
        for path in VIEWS:
            response = http.get(path)
            assert response.status_code == 200, (path, response.text[:300])
            out[path] = response.text
        return out


def test_only_the_shared_session_reaches_the_trainer_on_every_route(server: UIServer) -> None:
    async def scenario() -> dict[str, Any]:
        coach = await login(server, "alice", "alice-pw")
        shared, shared_reply = await practise(server, coach, SHARED_LINE)
        shared_rating = await rate(server, coach, shared, shared_reply, "shared-comment: too agreeable")
        await shared.change_settings({SHARE_SETTING: True})
        resumed = await ChatClient(server, coach, thread_id=shared.thread_id).connect()
        _, widgets = await resumed.wait_for(lambda e, d: e == "chat_settings")
        switch = next(w for w in widgets if w["id"] == SHARE_SETTING)
        await resumed.close()
        private, private_reply = await practise(server, coach, PRIVATE_LINE)
        private_rating = await rate(server, coach, private, private_reply, "private-comment: odd")
        await asyncio.sleep(0.5)  # Chainlit writes messages in background tasks
        trainer = await login(server, "tina", "tina-pw")
        before = trainer_views(server, trainer)
        odd = {}  # persona filters that try to leave personas/: only ever a database value
        with httpx.Client(base_url=server.url, cookies={"access_token": trainer}, timeout=30) as http:
            for persona in ("../sceptic", "%2e%2e/sceptic", "/etc/passwd"):
                for path in ("/trainer/review", "/trainer/api/review", "/trainer/api/cohort"):
                    response = http.get(path, params={"persona": persona, "status": "all"})
                    odd[(persona, path)] = (response.status_code, response.text)
        verdicts = {"private": verdict(server, trainer, private_rating).status_code,
                    "cross-site": verdict(server, trainer, shared_rating, origin="http://evil.example").status_code,
                    "shared": verdict(server, trainer, shared_rating).json()}
        await private.change_settings({SHARE_SETTING: True})
        await private.change_settings({SHARE_SETTING: False})  # shared, then withdrawn
        after = trainer_views(server, trainer)
        await shared.change_settings({SHARE_SETTING: False})
        none = trainer_views(server, trainer)
        for chat in (shared, private):
            await chat.close()
        return {"ids": (shared.thread_id, private.thread_id), "before": before, "after": after,
                "none": none, "resumed_switch": switch["initial"], "verdicts": verdicts,
                "odd": odd}

    seen = asyncio.run(scenario())
    shared_id, private_id = seen["ids"]
    assert seen["resumed_switch"] is True  # a resumed session shows that it is shared
    for key, (status, body) in seen["odd"].items():
        assert status == 200 and shared_id not in body and "Traceback" not in body, key
    verdicts = seen["verdicts"]  # a rating on an unshared session cannot even be marked
    assert verdicts["private"] == 404 and verdicts["cross-site"] == 403
    assert verdicts["shared"]["status"] == "fixed" and verdicts["shared"]["fixed_in"] == "v2"
    for when in ("before", "after"):
        for path, body in seen[when].items():
            assert shared_id in body, (when, path)
            assert private_id not in body and PRIVATE_LINE not in body, (when, path)
            assert "private-comment" not in body, (when, path)
    review = seen["before"]["/trainer/api/review"]
    assert "shared-comment: too agreeable" in review and SHARED_LINE in review
    assert seen["before"]["/trainer/api/cohort.csv"].count("\n") == 2  # header + one session
    for path, body in seen["none"].items():  # all withdrawn: nothing left anywhere
        assert shared_id not in body and private_id not in body, path
