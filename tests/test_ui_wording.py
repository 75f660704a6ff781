"""Chainlit's step titles: the coach sees "Feedback" and "Debrief", not "Used Feedback"."""

from __future__ import annotations

import json
from pathlib import Path

import chainlit
import httpx
import pytest
from uiserver import running

from sparring.ui.wording import english

PACKAGED = Path(chainlit.__file__).parent / "translations" / "en-US.json"


def _flatten(node: object, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], object]:
    if isinstance(node, dict):
        return {k: v for key, value in node.items() for k, v in _flatten(value, (*path, key)).items()}
    return {path: node}


def test_only_the_step_status_words_change() -> None:
    ours, theirs = _flatten(english(PACKAGED)), _flatten(json.loads(PACKAGED.read_text("utf-8")))
    assert ours.keys() == theirs.keys()  # nothing Chainlit needs goes missing
    changed = {k for k in ours if ours[k] != theirs[k]}
    assert changed == {("chat", "messages", "status", "used"), ("chat", "messages", "status", "using")}
    assert ours[("chat", "messages", "status", "used")] == ""


@pytest.mark.server
def test_the_running_app_serves_the_adjusted_english_wording(tmp_path: Path) -> None:
    with running(tmp_path) as server:
        for language in ("en-US", "en-GB"):
            response = httpx.get(f"{server.url}/project/translations", params={"language": language})
            status = response.json()["translation"]["chat"]["messages"]["status"]
            assert status == {"using": "Preparing", "used": ""}, language
