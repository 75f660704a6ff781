"""`sparring simulate`: play a scripted coach against a persona and print what happened.

Trainers use it to tune a persona's dynamics and to check that a model
stays in character; with the same seed and model the output repeats (with
`fake` exactly; with `local` because the llama sampler is seeded per call).
Only the measured seconds in `timing` differ between runs.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sparring.cli.chat import open_session, user_errors
from sparring.engine.transcript import Transcript, TurnRecord
from sparring.errors import UserError
from sparring.persona.model import DIFFICULTIES, Difficulty

if TYPE_CHECKING:
    from sparring.engine.session import PracticeSession


def read_script(path: Path) -> list[str]:
    """Coach lines, one per line; blank lines and `#` comments skipped. Errors name file and line."""
    from sparring.engine.session import PracticeSession

    try:
        text = path.read_text("utf-8")
    except FileNotFoundError as exc:
        raise UserError(f"{path}: script file not found; pass a text file with one coach line per line.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read the script ({exc}); save it as plain UTF-8 text.") from exc
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            lines.append(PracticeSession.validate(stripped))
        except UserError as exc:
            raise UserError(f"{path}:{number}: {exc}") from exc
    if not lines:
        raise UserError(f"{path}: the script has no coach lines (blank lines and # comments are skipped).")
    return lines


def turn_json(record: TurnRecord, revealed: list[str]) -> dict[str, Any]:
    return {
        "coach": record.coach,
        "manager": record.manager,
        "move": record.move.value,
        "talk_type": record.talk_type,
        "spoken": record.spoken,
        "labels": record.codes.model_dump(mode="json", exclude={"reasons"}),
        "state": {"resistance": round(record.resistance_after), "revealed": revealed},
        "attempts": record.attempts,
        "fallback": record.fallback,
        "guard_failures": record.guard_failures,
        "timing": record.timing.model_dump(mode="json"),
    }


async def _play(session: PracticeSession, lines: list[str]) -> list[tuple[TurnRecord, list[str]]]:
    from sparring.practice import Practice

    practice = Practice(session)  # the same turn path as the web app and `sparring chat`
    played: list[tuple[TurnRecord, list[str]]] = []
    for line in lines:
        if session.state.ended:
            break  # the manager walked out: the rest of the script goes unsaid
        record = await practice.reply(line)
        played.append((record, list(session.state.revealed)))
    return played


def _print_readable(transcript: Transcript, played: list[tuple[TurnRecord, list[str]]], header: str) -> None:
    from sparring.cli.chat import state_line

    name = transcript.persona_name
    click.echo(header)
    click.echo(f"{name}: {transcript.opening}")
    for record, _ in played:
        click.echo(f"Coach: {record.coach}")
        click.echo(f"{name}: {record.manager}")
        click.secho(state_line(record), dim=True)
    if transcript.state.ended:
        click.echo(f"# {name} ended the conversation.")


@click.command()
@click.option("--persona", "persona_id", required=True, help="Persona id.")
@click.option(
    "--script",
    "script",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Coach lines, one per turn; blank lines and # comments are ignored.",
)
@click.option("--difficulty", type=click.Choice(DIFFICULTIES), default="realistic", show_default=True)
@click.option("--model", default=None, help="local, fake or openai:<model> (default: settings).")
@click.option("--seed", type=int, default=None, help="Seed for move choice and sampling.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def simulate(
    persona_id: str,
    script: Path,
    difficulty: Difficulty,
    model: str | None,
    seed: int | None,
    as_json: bool,
) -> None:
    """Play a scripted coach against a persona."""
    with user_errors():
        lines = read_script(script)
        session = open_session(persona_id, difficulty, model, seed)
        played = asyncio.run(_play(session, lines))
    spec = session.settings.model
    if as_json:
        result = {
            "persona": session.persona.id,
            "difficulty": difficulty,
            "model": spec,
            "seed": session.seed,
            "turns": [turn_json(record, revealed) for record, revealed in played],
            "ended": session.state.ended,
        }
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    header = f"# {session.persona.name} ({session.persona.id}, {difficulty}, model {spec}, seed {session.seed})"
    _print_readable(session.transcript, played, header)
