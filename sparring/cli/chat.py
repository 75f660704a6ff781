"""`sparring chat`: practise in the terminal, with the manager's reply streamed as it is written.

Also home of the small helpers `sparring simulate` shares: building a
session from flags and turning user-facing errors into exit code 2.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sparring.errors import USER_FACING
from sparring.persona.model import DIFFICULTIES, Difficulty
from sparring.providers.errors import ModelError
from sparring.transcript import TurnRecord

if TYPE_CHECKING:
    from sparring.engine.session import PracticeSession

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


async def _stream_reply(session: PracticeSession, coach_text: str, name: str, show_state: bool) -> None:
    from sparring.engine.events import Done, Reset, Token

    click.echo(f"{name}: ", nl=False)
    async for event in session.turn(coach_text):
        if isinstance(event, Token):
            click.echo(event.text, nl=False)
        elif isinstance(event, Reset):
            click.secho(" …", dim=True)
            click.echo(f"{name}: ", nl=False)
        elif isinstance(event, Done):
            click.echo("")
            if show_state:
                click.secho(state_line(event.record), dim=True)


def _warm_up_in_background(session: PracticeSession) -> None:
    """Evaluate the shared prompt prefix while the coach reads and types (embedded model):
    the opening line at the start, the history after each reply."""
    threading.Thread(target=lambda: asyncio.run(session.warm_up()), daemon=True).start()


def _interactive(session: PracticeSession, show_state: bool, debrief_out: Path | None) -> None:
    from sparring.cli.coaching import Coaching, write_debrief

    name = session.persona.name
    coaching = Coaching.around(session)
    _warm_up_in_background(session)
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
                click.secho(f"({coaching.undo()})", dim=True)
                taken = session.transcript.turns
                click.echo(f"{name}: {taken[-1].manager if taken else session.opening}")
                continue
            if not line.strip():
                continue
            if session.state.ended:  # the manager walked out: only /undo or /end make sense
                click.secho(f"({name} has ended the conversation. /undo to try your last line "
                            "another way, /end for your debrief.)", fg="yellow")
                continue
            try:
                runner.run(_stream_reply(session, line, name, show_state))
                failed = ""
                judged = runner.run(coaching.judge_turn())
                if judged and show_state:
                    click.secho(f"[judge: {judged}]", dim=True)
                if session.state.ended:
                    click.secho(f"({name} has ended the conversation. /undo to try your last line "
                                "another way, /end for your debrief.)", fg="yellow")
                _warm_up_in_background(session)
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
                markdown = runner.run(coaching.debrief()).to_markdown()
                if debrief_out:
                    write_debrief(debrief_out, markdown)
            if show_debrief:
                click.echo(markdown)
            if debrief_out:
                click.secho(f"(Debrief written to {debrief_out}.)", dim=True)
        elif show_debrief:
            click.secho("(Nothing to debrief yet: you did not say anything.)", dim=True)
    click.echo(f"Goodbye. You practised {turns} turn{'s' if turns != 1 else ''} with {name}.")


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
def chat(
    persona_id: str | None,
    difficulty: Difficulty,
    model: str | None,
    say: str | None,
    seed: int | None,
    show_state: bool,
    debrief_out: Path | None,
) -> None:
    """Talk to a resistant manager in the terminal."""
    with user_errors():
        session = open_session(persona_id, difficulty, model, seed)
    if say is None:
        _interactive(session, show_state, debrief_out)
        return
    with user_errors():
        record = asyncio.run(session.reply(say))
    click.echo(record.manager)
    if show_state:
        click.echo(state_line(record), err=True)
