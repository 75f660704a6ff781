"""`sparring simulate`: scripted coaches, JSON shape, determinism and errors."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sparring.cli.simulate import simulate

SCRIPT = """\
# a coach who starts pushy and then explores
You need to take the survey results seriously.

Have you talked to the team?
What does a good week in the depots look like for you?
It sounds like the last programmes cost your people a lot.
"""


@pytest.fixture
def script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "coach.txt"
    path.write_text(SCRIPT, "utf-8")
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(simulate, list(args))


def without_seconds(data: dict[str, Any]) -> dict[str, Any]:
    for turn in data["turns"]:
        turn["timing"].pop("first_token_s")
        turn["timing"].pop("total_s")
    return data


def test_json_lists_every_scripted_turn(script: Path) -> None:
    result = run("--persona", "sceptic", "--script", str(script), "--model", "fake", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["persona"] == "sceptic" and data["difficulty"] == "realistic" and data["model"] == "fake"
    coach = [t["coach"] for t in data["turns"]]
    assert coach == [line for line in SCRIPT.splitlines() if line and not line.startswith("#")]
    first = data["turns"][0]
    assert set(first) >= {"coach", "manager", "move", "labels", "state", "attempts", "fallback", "timing"}
    assert first["labels"]["directive"] is True and "reasons" not in first["labels"]
    assert isinstance(first["state"]["resistance"], int) and first["state"]["resistance"] > 7
    assert set(first["timing"]) == {"first_token_s", "total_s", "prompt_tokens", "completion_tokens"}
    revealed = [t["state"]["revealed"] for t in data["turns"]]
    assert all(set(a) <= set(b) for a, b in pairwise(revealed))


def test_same_seed_and_model_repeat_exactly(script: Path) -> None:
    args = ["--persona", "sceptic", "--script", str(script), "--model", "fake", "--seed", "9", "--json"]
    first = without_seconds(json.loads(run(*args).stdout))
    second = without_seconds(json.loads(run(*args).stdout))
    assert first == second


def test_difficulty_changes_the_outcome(script: Path) -> None:
    base = ["--persona", "sceptic", "--script", str(script), "--model", "fake", "--json"]
    easy = json.loads(run(*base, "--difficulty", "easy").stdout)
    hard = json.loads(run(*base, "--difficulty", "hard").stdout)
    assert easy["turns"][-1]["state"]["resistance"] < hard["turns"][-1]["state"]["resistance"]


def test_readable_transcript_without_json(script: Path) -> None:
    result = run("--persona", "sceptic", "--script", str(script), "--model", "fake")
    assert result.exit_code == 0
    assert result.stdout.count("Coach: ") == 4
    assert result.stdout.count("Graham Whitfield: ") == 5
    assert "[resistance" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--persona", "nobody", "--model", "fake"], "unknown persona 'nobody'"),
        (["--persona", "sceptic", "--model", "banana"], "Unknown model 'banana'"),
    ],
)
def test_unknown_persona_or_model_exit_2(script: Path, args: list[str], message: str) -> None:
    result = run(*args, "--script", str(script))
    assert result.exit_code == 2
    assert message in result.stderr


def test_missing_script_says_what_to_pass(tmp_path: Path) -> None:
    result = run("--persona", "sceptic", "--model", "fake", "--script", str(tmp_path / "none.txt"))
    assert result.exit_code == 2
    assert "none.txt: script file not found" in result.stderr


def test_overlong_script_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("# comment\nHello.\n" + "x" * 4001 + "\n", "utf-8")
    result = run("--persona", "sceptic", "--model", "fake", "--script", str(path))
    assert result.exit_code == 2
    assert "long.txt:3:" in result.stderr and "4,000" in result.stderr


def test_script_with_only_comments_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("# nothing\n\n", "utf-8")
    result = run("--persona", "sceptic", "--model", "fake", "--script", str(path))
    assert result.exit_code == 2 and "no coach lines" in result.stderr


def test_each_turn_reports_the_managers_talk_type(script: Path) -> None:
    data = json.loads(run("--persona", "sceptic", "--script", str(script), "--model", "fake", "--json").stdout)
    talk = [t["talk_type"] for t in data["turns"]]
    assert set(talk) <= {"change", "neutral", "sustain"}
    # unrequested advice at high resistance is pushed back, or (from the first push on, a
    # quarter of the time) placated on the surface; either way it costs trust
    first = data["turns"][0]
    assert talk[0] == "sustain" or (first["move"] == "comply" and talk[0] in ("change", "neutral"))
    assert first["labels"]["directive"] and first["state"]["resistance"] > 7  # sceptic starts at 7
    assert data["ended"] is False


def test_at_hard_a_manager_pushed_past_the_limit_ends_the_conversation(tmp_path: Path) -> None:
    pushy = tmp_path / "pushy.txt"
    pushy.write_text("\n".join(["You need to listen to your team.", "Your director expects results.",
                                "You should stop making excuses."] * 3), "utf-8")
    result = run("--persona", "senior", "--script", str(pushy), "--model", "fake", "--difficulty", "hard", "--json")
    data = json.loads(result.stdout)
    assert data["ended"] is True
    assert data["turns"][-1]["move"] == "end_conversation" and len(data["turns"]) < 9
    readable = run("--persona", "senior", "--script", str(pushy), "--model", "fake", "--difficulty", "hard")
    assert "ended the conversation" in readable.stdout
