"""Accounts: password hashing, the users file, the signing secret, and that one coach
can never read another's sessions through the HTTP or socket APIs."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import socketio
from click.testing import CliRunner
from uiserver import ChatClient, UIServer, login, running

from sparring.cli.users import users as users_cli
from sparring.settings import Settings
from sparring.ui.auth import (
    AccountError,
    auth_config,
    check_login,
    hash_password,
    parse_users,
    verify_password,
)

SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


def test_passwords_are_salted_scrypt_and_verify() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("scrypt$") and first != second
    assert verify_password("correct horse", first) and verify_password("correct horse", second)
    assert not verify_password("Correct horse", first)
    assert not verify_password("correct horse", "scrypt$broken")


def test_users_file_errors_name_the_line(tmp_path: Path) -> None:
    good = hash_password("pw")
    text = f"# coaches\nalice:{good}\n\nbob {good}\n"
    with pytest.raises(AccountError, match=r"users.txt:4: expected 'name:hash'"):
        parse_users(text, "users.txt")
    with pytest.raises(AccountError, match=r"users.txt:2: the password for 'carol' is not a scrypt"):
        parse_users(f"alice:{good}\ncarol:plaintext\n", "users.txt")
    with pytest.raises(AccountError, match="listed twice"):
        parse_users(f"alice:{good}\nalice:{good}\n", "users.txt")


def test_single_user_mode_keeps_one_generated_secret(settings: Settings) -> None:
    first = auth_config(settings)
    assert not first.multi_user and len(first.secret) >= 40
    secret_file = settings.data_dir / "auth_secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert auth_config(settings).secret == first.secret  # survives a restart


def test_multi_user_mode_needs_a_secret(settings: Settings, tmp_path: Path) -> None:
    users = tmp_path / "users.txt"
    users.write_text(f"alice:{hash_password('pw')}\n")
    with pytest.raises(AccountError, match="SPARRING_AUTH_SECRET"):
        auth_config(settings.model_copy(update={"users_file": users}))
    config = auth_config(settings.model_copy(update={"users_file": users, "auth_secret": SECRET}))
    assert config.multi_user and config.secret == SECRET
    assert check_login(config, "alice", "pw")
    assert not check_login(config, "alice", "wrong") and not check_login(config, "mallory", "pw")


def test_missing_users_file_is_explained(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(AccountError, match="users file not found"):
        auth_config(settings.model_copy(update={"users_file": tmp_path / "nope.txt"}))


def test_users_cli_adds_lists_and_removes(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "users.txt"
    runner = CliRunner()
    result = runner.invoke(users_cli, ["add", "alice", "--file", str(path), "--password-stdin"],
                           input="s3cret\n")
    assert result.exit_code == 0, result.output
    runner.invoke(users_cli, ["add", "bob", "--file", str(path), "--password-stdin"], input="pw\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert runner.invoke(users_cli, ["list", "--file", str(path)]).output.split() == ["alice", "bob"]
    config = auth_config(settings.model_copy(update={"users_file": path, "auth_secret": SECRET}))
    assert check_login(config, "alice", "s3cret") and not check_login(config, "alice", "pw")
    assert runner.invoke(users_cli, ["remove", "bob", "--file", str(path)]).exit_code == 0
    assert runner.invoke(users_cli, ["list", "--file", str(path)]).output.split() == ["alice"]
    bad = runner.invoke(users_cli, ["add", "no spaces", "--file", str(path), "--password-stdin"],
                        input="x\n")
    assert bad.exit_code != 0 and "letters, digits" in str(bad.exception)


@pytest.fixture(scope="module")
def multi_user(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UIServer]:
    work = tmp_path_factory.mktemp("multi")
    users = work / "users.txt"
    users.write_text(f"alice:{hash_password('alice-pw')}\nbob:{hash_password('bob-pw')}\n")
    with running(work, SPARRING_USERS_FILE=str(users), SPARRING_AUTH_SECRET=SECRET) as server:
        yield server


@pytest.mark.server
def test_login_requires_the_right_password(multi_user: UIServer) -> None:
    assert httpx.get(f"{multi_user.url}/auth/config").json()["passwordAuth"] is True
    bad = httpx.post(f"{multi_user.url}/login", data={"username": "alice", "password": "nope"})
    assert bad.status_code == 401
    assert httpx.post(f"{multi_user.url}/auth/header").status_code == 400  # no header login
    assert httpx.get(f"{multi_user.url}/user").status_code == 401


@pytest.mark.server
async def test_one_coach_cannot_read_another_coachs_sessions(multi_user: UIServer) -> None:
    alice_token = await login(multi_user, "alice", "alice-pw")
    bob_token = await login(multi_user, "bob", "bob-pw")
    alice = await ChatClient(multi_user, alice_token, profile="sceptic").connect()
    try:
        events = await alice.send("What has this year been like for your team?")
        names = [e for e, _ in events]
        assert "first_interaction" in names, (names, multi_user.log())
        thread_id = next(d["thread_id"] for e, d in events if e == "first_interaction")
        meter = next(d for e, d in events if e == "element" and d["type"] == "custom")
        await asyncio.sleep(0.5)  # Chainlit writes steps in background tasks
    finally:
        await alice.close()

    async with httpx.AsyncClient(base_url=multi_user.url) as http:
        mine = await http.get(f"/project/thread/{thread_id}", cookies={"access_token": alice_token})
        assert mine.status_code == 200 and mine.json()["userIdentifier"] == "alice"
        theirs = await http.get(f"/project/thread/{thread_id}", cookies={"access_token": bob_token})
        assert theirs.status_code == 401 and "What has this year" not in theirs.text
        listing = await http.post("/project/threads", cookies={"access_token": bob_token},
                                  json={"pagination": {"first": 20}, "filter": {}})
        assert listing.status_code == 200 and thread_id not in listing.text
        element = await http.get(f"/project/thread/{thread_id}/element/{meter['id']}",
                                 cookies={"access_token": bob_token})
        assert element.status_code == 401
        alice_file = mine.json()["elements"][0]["url"]
        own = await http.get(alice_file, cookies={"access_token": alice_token})
        assert own.status_code == 200 and own.headers["content-type"].startswith("application/json")
        assert own.json()["after"] == meter["props"]["after"]
        assert (await http.get(alice_file, cookies={"access_token": bob_token})).status_code == 404
        assert (await http.get(f"/project/thread/{thread_id}")).status_code == 401

        # Thumbs: Bob can neither rate Alice's reply nor remove Alice's rating.
        reply_id = meter["forId"]
        rating = {"forId": reply_id, "value": 1, "threadId": thread_id}
        mine = await http.put("/feedback", cookies={"access_token": alice_token},
                              json={"sessionId": "x", "feedback": rating})
        assert mine.status_code == 200, mine.text
        feedback_id = mine.json()["feedbackId"]
        forged = await http.put("/feedback", cookies={"access_token": bob_token}, json={
            "sessionId": "x", "feedback": {**rating, "value": 0, "id": feedback_id}})
        assert forged.status_code == 404
        deleted = await http.request("DELETE", "/feedback", cookies={"access_token": bob_token},
                                     json={"feedbackId": feedback_id})
        assert deleted.status_code == 404
        thread = (await http.get(f"/project/thread/{thread_id}",
                                 cookies={"access_token": alice_token})).json()
        step = next(s for s in thread["steps"] if s["id"] == reply_id)
        assert step["feedback"]["value"] == 1

    bob = ChatClient(multi_user, bob_token, profile="sceptic", thread_id=thread_id)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await bob.connect()
