"""`sparring chat`: practise in the terminal, with the manager's reply streamed as it is written.

Also home of the small helpers `sparring simulate` shares: building a
session from flags and turning user-facing errors into exit code 2.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sparring.engine.transcript import TurnRecord
from sparring.errors import USER_FACING
from sparring.persona.model import DIFFICULTIES, Difficulty
from sparring.providers.errors import ModelError

if TYPE_CHECKING:
    from sparring.engine.session import PracticeSession
    from sparring.practice import Judged, Practice

QUIT_WORDS = ("/quit", "/exit")
HELP = "(Type /undo to take back your last line, /end for your debrief, /quit or Ctrl-D to stop.)"


class CliError(click.ClickException):
    """A user-facing error: printed as one `Error: ...` line, exit code 2 (as `sparring.cli.main`)."""

    exit_code = 2


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn our user-facing errors into a one-line message and exit 2, also under CliRunner."""
    try:
        yield
    except USER_FACING as exc:
        raise CliError(str(exc)) from exc


def open_session(
    persona_id: str | None, difficulty: Difficulty, model: str | None, seed: int | None
) -> PracticeSession:
    """A `PracticeSession` from command-line flags; `--seed` also seeds the model's sampler."""
    from sparring.engine.session import PracticeSession
    from sparring.persona.loader import get_persona
    from sparring.providers import make_chat_model
    from sparring.settings import load_settings

    settings = load_settings().with_model(model)
    if seed is not None:
        settings = settings.model_copy(update={"seed": seed})
    persona = get_persona(settings, persona_id or settings.default_persona)
    chat_model = make_chat_model(settings.model, settings)
    return PracticeSession(persona, difficulty, chat_model, settings, seed=seed)


def state_line(record: TurnRecord) -> str:
    """What a trainer wants to see after each reply: how resistance moved and why, and the move."""
    labels = [
        f"{value} {name}" if isinstance(value, str) else name.replace("_", " ")
        for name, value in record.codes.model_dump(exclude={"reasons"}).items()
        if value
    ]
    coded = ", ".join(labels)
    parts = [
        f"resistance {record.resistance_before:.1f} → {record.resistance_after:.1f}",
        f"move {record.move.value} ({record.talk_type} talk)",
        f"coach: {coded or 'nothing coded'}",
    ]
    if record.revealed_now:
        parts.append(f"revealed {', '.join(record.revealed_now)}")
    if record.fallback or record.attempts > 1:
        parts.append(f"attempts {record.attempts}{' (fallback line)' if record.fallback else ''}")
    return "[" + " · ".join(parts) + "]"


async def _stream_reply(practice: Practice, coach_text: str, name: str, show_state: bool) -> None:
    from sparring.engine.events import Done, Reset, Token

    click.echo(f"{name}: ", nl=False)
    async for event in practice.turn(coach_text):
        if isinstance(event, Token):
            click.echo(event.text, nl=False)
        elif isinstance(event, Reset):
            click.secho(" …", dim=True)
            click.echo(f"{name}: ", nl=False)
        elif isinstance(event, Done):
            click.echo("")
            if show_state:
                click.secho(state_line(event.record), dim=True)
    await practice.settle()  # the judge's note comes before the next prompt


def _walked_out(name: str) -> None:
    click.secho(f"({name} has ended the conversation. /undo to try your last line "
                "another way, /end for your debrief.)", fg="yellow")


def _interactive(session: PracticeSession, show_state: bool, debrief_out: Path | None,
                 transcript_out: Path | None = None) -> None:
    from sparring.cli.coaching import terminal_practice, write_output
    from sparring.debrief.feedback import summary_for
    from sparring.debrief.texts import load_feedback_tips

    name = session.persona.name
    practice = terminal_practice(session)
    tips = load_feedback_tips(session.settings.prompts_dir)

    async def judged(event: Judged) -> None:
        if show_state:
            click.secho(f"[judge: {summary_for(event.codes, tips)}]", dim=True)

    practice.on_judged = judged
    practice.warm_up_in_background()
    click.echo(f"{name}: {session.opening}")
    click.secho(HELP, dim=True)
    failed = ""  # a line whose reply failed: Enter sends it again
    show_debrief = False
    with asyncio.Runner() as runner:
        while True:
            try:
                line = click.prompt("You", prompt_suffix=": ", default=failed, show_default=False)
            except click.exceptions.Abort:  # Ctrl-D or Ctrl-C at the prompt
                click.echo("")
                break
            command = line.strip().lower()
            if command in QUIT_WORDS:
                break
            if command == "/end":
                show_debrief = True
                break
            if command == "/undo":
                _undo(practice, name)
                continue
            if not line.strip():
                continue
            if session.state.ended:  # the manager walked out: only /undo or /end make sense
                _walked_out(name)
                continue
            try:
                runner.run(_stream_reply(practice, line, name, show_state))
                failed = ""
                if session.state.ended:
                    _walked_out(name)
            except USER_FACING as exc:  # e.g. the model failed: the conversation is kept
                click.echo("")
                click.secho(f"{exc}", fg="yellow", err=True)
                if isinstance(exc, ModelError):  # worth trying again; a bad line is not
                    failed = line
                    click.secho("(Press Enter to send the same line again.)", dim=True)
            except KeyboardInterrupt:
                click.echo("")
                break
        turns = len(session.transcript.turns)
        if turns and (show_debrief or debrief_out):
            with user_errors():
                markdown = runner.run(practice.debrief()).to_markdown()
                if debrief_out:
                    write_output(debrief_out, markdown, "debrief")
            if show_debrief:
                click.echo(markdown)
            if debrief_out:
                click.secho(f"(Debrief written to {debrief_out}.)", dim=True)
        elif show_debrief:
            click.secho("(Nothing to debrief yet: you did not say anything.)", dim=True)
        if transcript_out:
            with user_errors():
                runner.run(practice.settle())
                write_output(transcript_out, practice.transcript.model_dump_json(indent=2) + "\n",
                             "transcript")
            click.secho(f"(Transcript written to {transcript_out}.)", dim=True)
    click.echo(f"Goodbye. You practised {turns} turn{'s' if turns != 1 else ''} with {name}.")


def _undo(practice: Practice, name: str) -> None:
    """Take back the newest turn and show the line the coach now answers again."""
    from sparring.errors import UserError

    try:
        branch = practice.undo()
    except UserError as exc:
        click.secho(f"({exc})", dim=True)
        return
    click.secho(f"(Took back turn {branch.from_turn}. {name} is where they were before it: say it another way.)",
                dim=True)
    click.echo(f"{name}: {practice.transcript.line_before()}")


@click.command()
@click.option("--persona", "persona_id", default=None,
              help="Persona id (default: SPARRING_DEFAULT_PERSONA, 'sceptic').")
@click.option(
    "--difficulty",
    type=click.Choice(DIFFICULTIES),
    default="realistic",
    show_default=True,
    help="How guarded the manager starts and how fast trust is earned.",
)
@click.option("--model", default=None, help="local, fake or openai:<model> (default: settings).")
@click.option("--say", default=None, help="Print one manager reply to this coach line and exit.")
@click.option("--seed", type=int, default=None, help="Seed for move choice and sampling.")
@click.option("--show-state", is_flag=True, help="After each reply show resistance and the move.")
@click.option("--debrief-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="When the practice ends, write the debrief (Markdown) to this file.")
@click.option("--transcript-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="When the practice ends, write the transcript (JSON: every turn with its codes, "
                   "the hidden state and the tries you took back) to this file.")
def chat(
    persona_id: str | None,
    difficulty: Difficulty,
    model: str | None,
    say: str | None,
    seed: int | None,
    show_state: bool,
    debrief_out: Path | None,
    transcript_out: Path | None,
) -> None:
    """Talk to a resistant manager in the terminal."""
    with user_errors():
        session = open_session(persona_id, difficulty, model, seed)
    if say is None:
        _interactive(session, show_state, debrief_out, transcript_out)
        return
    from sparring.practice import Practice

    with user_errors():
        record = asyncio.run(Practice(session).reply(say))
    click.echo(record.manager)
    if show_state:
        click.echo(state_line(record), err=True)
