"""The persona studio over HTTP on a real server: validate, save (422 invalid, 409 stale),
history, diff, restore, path-traversal ids, Try it, and which persona version a chat uses."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from uiserver import ChatClient, UIServer, login, messages, running

from sparring.settings import ROOT
from sparring.ui.auth import hash_password

pytestmark = pytest.mark.server
SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
PERSONA = "sceptic"
API = f"/trainer/api/personas/{PERSONA}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UIServer]:
    work = tmp_path_factory.mktemp("studio")
    shutil.copytree(ROOT / "personas", work / "personas")
    (work / "secret.txt").write_text("outside")
    users = work / "users.txt"
    users.write_text(f"alice:{hash_password('alice-pw')}\ntina:{hash_password('tina-pw')}:trainer\n"
                     f"tom:{hash_password('tom-pw')}:trainer\n")
    with running(work, SPARRING_USERS_FILE=str(users), SPARRING_AUTH_SECRET=SECRET,
                 SPARRING_PERSONAS_DIR=str(work / "personas")) as srv:
        yield srv


@pytest.fixture
async def tina(server: UIServer) -> AsyncIterator[httpx.AsyncClient]:
    token = await login(server, "tina", "tina-pw")
    async with httpx.AsyncClient(base_url=server.url, cookies={"access_token": token},
                                 timeout=60) as http:
        yield http


def persona_file(server: UIServer) -> Path:
    return server.workdir / "personas" / f"{PERSONA}.yaml"


async def state(http: httpx.AsyncClient) -> dict[str, Any]:
    response = await http.get(API + "/versions")
    assert response.status_code == 200
    return dict(response.json())


async def test_validate_save_conflict_diff_and_restore(server: UIServer, tina: httpx.AsyncClient) -> None:
    start = await state(tina)
    original = start["text"]
    broken = original.replace("opening_line:", "opening_lin:")
    checked = (await tina.post(API + "/validate", json={"text": broken})).json()
    assert not checked["ok"] and "did you mean 'opening_line'" in checked["problems"][0]["text"]
    assert checked["problems"][0]["line"] and checked["problems"][0]["field"] == "opening_lin"
    refused = await tina.post(API + "/save", json={"text": broken, "loaded_sha256": start["sha256"]})
    assert refused.status_code == 422 and persona_file(server).read_text() == original

    edited = original.replace("name: Graham Whitfield", "name: Graham Whitfield-Smith")
    good = (await tina.post(API + "/validate", json={"text": edited})).json()
    assert good["ok"] and good["coverage"]["counts"] and good["dynamics"]["data"]
    saved = await tina.post(API + "/save", json={"text": edited, "loaded_sha256": start["sha256"]})
    assert saved.status_code == 200, saved.text
    assert persona_file(server).read_text() == edited
    versions = saved.json()["versions"]
    assert versions[0]["saved_by"] == "tina" and versions[0]["number"] == versions[1]["number"] + 1

    # Tom's editor still has the original loaded: his save is refused, tina's stays.
    tom_token = await login(server, "tom", "tom-pw")
    stale = await tina.post(API + "/save", cookies={"access_token": tom_token},
                            json={"text": original + "# tom\n", "loaded_sha256": start["sha256"]})
    assert stale.status_code == 409 and "changed after you opened it" in stale.json()["detail"]
    assert persona_file(server).read_text() == edited

    first = versions[-1]["number"]
    diff = (await tina.get(f"{API}/versions/{first}")).json()["diff"]
    assert "-name: Graham Whitfield\n" in diff and "+name: Graham Whitfield-Smith\n" in diff
    restored = await tina.post(API + "/restore", json={"number": first, "loaded_sha256": saved.json()["sha256"]})
    assert restored.status_code == 200 and persona_file(server).read_text() == original
    assert restored.json()["versions"][0]["restored_from"] == first


@pytest.mark.parametrize("bad", ["..%2Fsecret", "%2e%2e", "%2e%2e%2Fsecret", "%2Fetc%2Fpasswd",
                                 "..%5Csecret", "secret.txt"])
async def test_path_traversal_ids_are_refused(server: UIServer, tina: httpx.AsyncClient, bad: str) -> None:
    before = (server.workdir / "secret.txt").read_text()
    for method, path, body in (("GET", f"/trainer/personas/{bad}", None),
                               ("GET", f"/trainer/api/personas/{bad}/versions", None),
                               ("POST", f"/trainer/api/personas/{bad}/save", {"text": "x: 1", "loaded_sha256": None}),
                               ("POST", f"/trainer/api/personas/{bad}/validate", {"text": "x: 1"}),
                               ("GET", f"/trainer/prompts/{bad}", None)):
        response = await tina.request(method, path, json=body)
        assert response.status_code in (400, 404), (method, path, response.status_code)
        assert "outside" not in response.text
    assert (server.workdir / "secret.txt").read_text() == before
    assert not list(server.workdir.glob("*.yaml"))


async def _opening(server: UIServer, token: str, cookie: str = "") -> tuple[ChatClient, str]:
    chat = await ChatClient(server, token + cookie, profile=PERSONA).connect()
    texts = [m["output"] for m in messages(chat.events)]
    return chat, "\n".join(texts)


async def test_new_chats_use_a_save_and_open_chats_keep_theirs(server: UIServer, tina: httpx.AsyncClient) -> None:
    coach = await login(server, "alice", "alice-pw")
    start = await state(tina)
    old_chat, old_opening = await _opening(server, coach)
    try:
        assert "Graham Whitfield" in old_opening
        edited = start["text"].replace("name: Graham Whitfield", "name: Gordon Whitfield")
        saved = await tina.post(API + "/save", json={"text": edited, "loaded_sha256": start["sha256"]})
        assert saved.status_code == 200
        new_chat, new_opening = await _opening(server, coach)
        await new_chat.close()
        assert "Gordon Whitfield" in new_opening
        reply = messages(await old_chat.send("What has this year been like for you?"))
        assert reply and all(m["name"] != "Gordon Whitfield" for m in reply)
        assert any(m["name"] == "Graham Whitfield" for m in reply)
    finally:
        await old_chat.close()
        await tina.post(API + "/restore", json={"number": 1, "loaded_sha256": saved.json()["sha256"]})


async def test_try_it_opens_the_draft_without_touching_the_saved_file(
        server: UIServer, tina: httpx.AsyncClient) -> None:
    start = await state(tina)
    draft = start["text"].replace("name: Graham Whitfield", "name: Draft Graham")
    invalid = await tina.post(API + "/try", json={"text": draft.replace("opening_line:", "opening:")})
    assert invalid.status_code == 422
    tried = await tina.post(API + "/try", json={"text": draft})
    assert tried.status_code == 200
    opened = await tina.get(tried.json()["url"], follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/"
    cookie = opened.cookies.get("sparring_try")
    assert cookie
    assert persona_file(server).read_text() == start["text"]
    trainer_token = tina.cookies["access_token"]
    # The socket handshake carries the browser's cookies; the test adds ours to the header.
    chat, opening = await _opening(server, trainer_token, f"; sparring_try={cookie}")
    await chat.close()
    assert "unsaved draft of Draft Graham" in opening and "Draft Graham" in opening
    # The token is useless to anyone else: a coach who has it gets the saved persona.
    coach = await login(server, "alice", "alice-pw")
    other, other_opening = await _opening(server, coach, f"; sparring_try={cookie}")
    await other.close()
    assert "Draft Graham" not in other_opening and "Graham Whitfield" in other_opening
    assert (await tina.get(tried.json()["url"], cookies={"access_token": coach})).status_code == 403
    stopped = await tina.get("/trainer/stop-trying", follow_redirects=False)
    assert stopped.status_code == 303 and 'sparring_try=""' in stopped.headers["set-cookie"]
    assert "Max-Age=0" in stopped.headers["set-cookie"]


async def test_simulate_and_prompt_studio(server: UIServer, tina: httpx.AsyncClient) -> None:
    start = await state(tina)
    result = await tina.post(API + "/simulate", json={"text": start["text"]})
    assert result.status_code == 200
    curves = result.json()["curves"]
    assert curves["skilled"]["draft"] == curves["skilled"]["saved"]
    assert curves["directive"]["saved"][-1] > curves["skilled"]["saved"][-1]
    page = await tina.get("/trainer/prompts/manager_system")
    assert page.status_code == 200 and "manager_system.md" in page.text
    text = (await tina.get("/trainer/api/prompts/manager_system/versions")).json()["text"]
    preview = (await tina.post("/trainer/api/prompts/manager_system/validate", json={"text": text})).json()
    assert preview["ok"] and "Graham Whitfield" in preview["preview"]
    bad = text.replace("{{ persona.name }}", "{{ persona.name }", 1)
    checked = (await tina.post("/trainer/api/prompts/manager_system/validate", json={"text": bad})).json()
    assert not checked["ok"] and checked["problems"][0]["text"].startswith("prompts/manager_system.md")
    assert (await tina.post("/trainer/api/prompts/manager_system/save",
                            json={"text": bad, "loaded_sha256": None})).status_code == 422
