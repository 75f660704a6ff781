"""Integration: the smoke suite on the embedded model, end to end through `sparring eval`.

The assertions hold because state, moves and guards are code, not because a
135M model is good at role-play. The second run replays every reply from the
disk cache: same transcript, no model call needed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sparring.cli.eval import eval_command
from sparring.settings import ROOT

pytest.importorskip("llama_cpp")
pytestmark = pytest.mark.integration


def test_smoke_suite_passes_on_the_embedded_model_and_replays_from_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPARRING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SPARRING_SPEAKING", "free")  # the model writes each reply, so there is one to cache
    outputs = []
    for name in ("first.json", "second.json"):
        out = tmp_path / name
        result = CliRunner().invoke(eval_command, [str(ROOT / "evals" / "smoke.yaml"), "--model", "local",
                                                   "--json", str(out)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        outputs.append(json.loads(out.read_text()))
    first, second = ([t["manager"] for r in o["suites"][0]["runs"] for t in r["transcript"]["turns"]]
                     for o in outputs)
    assert first == second and all(first)
    assert list((tmp_path / "data" / "cache" / "eval").rglob("*.json"))


def test_every_shipped_suite_passes_on_the_embedded_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The acceptance run: `sparring eval evals/ --model local` in CI (about 6 minutes)."""
    monkeypatch.setenv("SPARRING_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(eval_command, [str(ROOT / "evals"), "--model", "local"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
