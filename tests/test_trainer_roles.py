"""Roles: coaches and trainers in the users file, and the server-side check on every
`/trainer` route (401 logged out, 403 for a coach), enumerated from the app itself so a
route added later is covered without touching this test."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from uiserver import UIServer, login, running

from sparring.cli.users import users as users_cli
from sparring.settings import ROOT, Settings
from sparring.ui.auth import COACH, TRAINER, AccountError, hash_password, parse_accounts, roles_of

SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


def test_entries_without_a_role_load_as_coaches(tmp_path: Path, settings: Settings) -> None:
    """A users file written before roles existed keeps working: everyone in it is a coach."""
    old = tmp_path / "users.txt"
    old.write_text(f"# written by an older Sparring\nalice:{hash_password('pw')}\n")
    configured = settings.model_copy(update={"users_file": old})
    assert roles_of(configured, "alice") == {COACH}
    assert roles_of(configured, "mallory") == frozenset()
    assert roles_of(settings, "local") == {COACH, TRAINER}  # single-user mode: both


def test_unknown_role_names_the_line() -> None:
    with pytest.raises(AccountError, match=r"users.txt:2: the role of 'bob' is 'admin'; use coach or trainer"):
        parse_accounts(f"alice:{hash_password('a')}\nbob:{hash_password('b')}:admin\n", "users.txt")


def test_cli_sets_and_keeps_roles(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "users.txt"
    runner = CliRunner()
    args = ["--file", str(path), "--password-stdin"]
    assert runner.invoke(users_cli, ["add", "alice", *args], input="a\n").exit_code == 0
    result = runner.invoke(users_cli, ["add", "tina", "--role", "trainer", *args], input="t\n")
    assert result.exit_code == 0 and "tina (trainer)" in result.output
    assert runner.invoke(users_cli, ["list", "--file", str(path)]).output.splitlines() == [
        "alice", "tina (trainer)"]
    # A new password keeps the role; --keep-password changes only the role.
    runner.invoke(users_cli, ["add", "tina", *args], input="t2\n")
    configured = settings.model_copy(update={"users_file": path})
    assert roles_of(configured, "tina") == {TRAINER}
    before = parse_accounts(path.read_text(), "users.txt")["alice"].hashed
    runner.invoke(users_cli, ["add", "alice", "--role", "trainer", "--keep-password", "--file", str(path)])
    after = parse_accounts(path.read_text(), "users.txt")["alice"]
    assert after.role == TRAINER and after.hashed == before
    bad = runner.invoke(users_cli, ["add", "nobody", "--keep-password", "--file", str(path)])
    assert bad.exit_code != 0 and "no user named 'nobody'" in str(bad.exception)


def trainer_routes() -> list[tuple[str, set[str]]]:
    """Every route under /trainer, as the app registers them."""
    from chainlit.server import app

    from sparring.trainer.pages import install_trainer_routes, trainer_paths

    install_trainer_routes(app, Settings(_env_file=None, model="fake"))  # type: ignore[call-arg]
    routes = trainer_paths(app)
    assert len(routes) >= 3, routes
    return routes


def concrete(path: str) -> str:
    """A request path for a route template: parameters filled with a harmless id."""
    return re.sub(r"\{[^}]+\}", "sceptic", path)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UIServer]:
    work = tmp_path_factory.mktemp("roles")
    shutil.copytree(ROOT / "personas", work / "personas")
    users = work / "users.txt"
    users.write_text(f"alice:{hash_password('alice-pw')}\ntina:{hash_password('tina-pw')}:trainer\n")
    with running(work, SPARRING_USERS_FILE=str(users), SPARRING_AUTH_SECRET=SECRET,
                 SPARRING_PERSONAS_DIR=str(work / "personas")) as srv:
        yield srv


@pytest.mark.server
async def test_coach_gets_403_and_stranger_401_on_every_trainer_route(server: UIServer) -> None:
    coach = await login(server, "alice", "alice-pw")
    trainer = await login(server, "tina", "tina-pw")
    routes = trainer_routes()
    async with httpx.AsyncClient(base_url=server.url) as http:
        for path, methods in routes:
            for method in methods - {"HEAD"}:
                url = concrete(path)
                body = {} if method in ("POST", "PUT", "PATCH") else None
                anon = await http.request(method, url, json=body)
                assert anon.status_code == 401, (method, url, anon.status_code)
                denied = await http.request(method, url, json=body,
                                            headers={"Cookie": f"access_token={coach}"})
                assert denied.status_code == 403, (method, url, denied.status_code)
                assert "trainer" in denied.json()["detail"]
                bearer = await http.request(method, url, json=body,
                                            headers={"Authorization": f"Bearer {coach}"})
                assert bearer.status_code == 403, (method, url)
        home = await http.get("/trainer", headers={"Cookie": f"access_token={trainer}"})
        assert home.status_code == 200 and "Trainer" in home.text and "tina" in home.text
        chat = await http.get("/", headers={"Cookie": f"access_token={coach}"})
        assert chat.status_code == 200  # the chat itself is untouched for coaches


@pytest.mark.server
async def test_single_user_mode_is_coach_and_trainer(tmp_path: Path) -> None:
    """No users file, no login: the local user opens the trainer pages and the chat alike."""
    with running(tmp_path) as srv:
        async with httpx.AsyncClient(base_url=srv.url) as http:
            home = await http.get("/trainer")
            assert home.status_code == 200 and "local" in home.text
            page = await http.get("/trainer/personas")
            assert page.status_code == 200 and "sceptic" in page.text
            assert (await http.get("/trainer/no-such-page")).status_code == 404
