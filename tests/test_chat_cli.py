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


def test_undo_takes_back_the_last_turn_and_end_prints_the_debrief_with_both_tries(tmp_path: Path) -> None:
    out = tmp_path / "debrief.md"
    script = "\n".join([
        "What would make this hour worth it for you?",
        "You should just delegate more.",
        "/undo",
        "It sounds like the last programmes cost your team a lot.",
        "/end",
    ]) + "\n"
    result = CliRunner().invoke(chat, ["--model", "fake", "--show-state", "--debrief-out", str(out)], input=script)
    assert result.exit_code == 0, result.output
    assert "Took back turn 2." in result.output
    states = [line for line in result.output.splitlines() if line.startswith("[resistance")]
    pushed, retried = states[1], states[2]
    before = pushed.split(" → ")[0]
    assert retried.split(" → ")[0] == before, "the retried turn starts from the state before the taken-back one"
    assert "# Debrief: Graham Whitfield" in result.output
    assert "You practised 2 turns" in result.output
    written = out.read_text()
    assert "## Turns you tried again" in written
    assert "you tried “You should just delegate more.” — *advice unasked*" in written
    assert "then “It sounds like the last programmes cost your team a lot.”" in written


def test_undo_with_nothing_said_and_quit_without_a_debrief(tmp_path: Path) -> None:
    out = tmp_path / "none.md"
    result = CliRunner().invoke(chat, ["--model", "fake", "--debrief-out", str(out)], input="/undo\n/quit\n")
    assert result.exit_code == 0, result.output
    assert "Nothing to take back yet." in result.output
    assert not out.exists()


def test_debrief_out_to_a_folder_that_does_not_exist_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "missing" / "d.md"
    result = CliRunner().invoke(chat, ["--model", "fake", "--debrief-out", str(bad)],
                                input="What matters most to you this quarter?\n/end\n")
    assert result.exit_code == 2
    assert f"Could not write the debrief to {bad}" in result.output


def test_a_manager_who_walks_out_ends_the_talk_until_the_coach_goes_back() -> None:
    pushes = ["You need to get on board with Drive Forward.", "HR expects results, so do what I say.",
              "You should just delegate more.", "You have to stop moaning and change."]
    script = "\n".join([*pushes, "/undo", "What would make this hour worth it for you?", "/quit"]) + "\n"
    result = CliRunner().invoke(chat, ["--model", "fake", "--difficulty", "hard", "--show-state"], input=script)
    assert result.exit_code == 0, result.output
    out = result.output
    walked = out.index("Graham Whitfield has ended the conversation. /undo")
    assert "move end_conversation" in out[:walked]
    assert "Press Enter to send the same line again" not in out, "a walk-out is not a model failure"
    assert out.count("[resistance") == 4, "the line typed after the walk-out went to no one"
    assert "Took back turn 3." in out and "You practised 3 turns" in out
