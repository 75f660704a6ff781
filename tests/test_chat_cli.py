"""`sparring chat` through click's CliRunner, on the fake model and the shipped personas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sparring.cli.chat import chat
from sparring.persona.loader import get_persona
from sparring.providers import FakeChatModel
from sparring.settings import Settings


@pytest.fixture(autouse=True)
def _no_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no developer .env is read


@pytest.fixture
def sceptic(settings: Settings) -> Any:
    return get_persona(settings, "sceptic")


def possible_lines(persona: Any) -> set[str]:
    from sparring.persona.model import Move

    lines = {" ".join(line.text.split()) for move in Move for line in persona.bank(move)}
    return lines | {" ".join(c.text.split()) for c in persona.concerns}


def test_say_prints_exactly_one_manager_reply(sceptic: Any) -> None:
    result = CliRunner().invoke(chat, ["--model", "fake", "--say", "What does a good week look like?"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    assert lines[0] in possible_lines(sceptic)
    assert sceptic.opening_line not in result.stdout


def test_say_with_show_state_reports_resistance_and_move() -> None:
    result = CliRunner().invoke(
        chat, ["--model", "fake", "--say", "You need to fix your engagement score.", "--show-state"]
    )
    assert result.exit_code == 0
    assert "resistance 7.0 →" in result.stderr and "move " in result.stderr and "directive" in result.stderr


def test_interactive_chat_prints_opening_streams_replies_and_quits(sceptic: Any) -> None:
    result = CliRunner().invoke(chat, ["--model", "fake"], input="Hello Graham.\n\n/quit\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(f"{sceptic.name}: {sceptic.opening_line}")
    assert "You: " in out
    assert "Goodbye. You practised 1 turn" in out


def test_end_of_input_ends_the_chat_cleanly() -> None:
    result = CliRunner().invoke(chat, ["--model", "fake", "--persona", "sceptic"], input="Hello.\n")
    assert result.exit_code == 0
    assert "Goodbye" in result.stdout


def test_model_error_keeps_the_conversation_and_the_line_can_be_resent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeChatModel(responses=[ConnectionError("connection refused"), "Fine. Go on."])
    monkeypatch.setattr("sparring.providers.make_chat_model", lambda spec, settings: fake)
    result = CliRunner().invoke(chat, ["--model", "fake"], input="Hello.\nHello.\n/quit\n")
    assert result.exit_code == 0, result.output
    assert "try again" in result.stderr
    assert "Fine. Go on." in result.stdout
    assert "You practised 1 turn" in result.stdout


def test_show_state_in_interactive_chat() -> None:
    result = CliRunner().invoke(chat, ["--model", "fake", "--show-state"], input="Are you OK?\n/quit\n")
    assert result.exit_code == 0
    assert "[resistance" in result.stdout and "move " in result.stdout


def test_same_seed_gives_the_same_reply() -> None:
    args = ["--model", "fake", "--seed", "4", "--say", "You should listen more."]
    assert CliRunner().invoke(chat, args).stdout == CliRunner().invoke(chat, args).stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--persona", "nobody", "--model", "fake", "--say", "hi"], "unknown persona 'nobody'"),
        (["--model", "gpt-banana", "--say", "hi"], "Unknown model 'gpt-banana'"),
        (["--model", "fake", "--say", "   "], "empty"),
    ],
)
def test_bad_flags_give_one_clear_line_and_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(chat, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
