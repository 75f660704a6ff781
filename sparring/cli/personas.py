"""`sparring personas`: browse, validate and preview persona files.

Trainers author personas by hand; `validate` gives them the same precise
messages the app would, and `show` prints the exact system prompt the model
receives, so a persona can be checked without starting a conversation.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sparring.persona.loader import get_persona, load_persona_file, load_personas, validate_files
from sparring.persona.model import DIFFICULTIES, Move, Persona
from sparring.problems import display_path
from sparring.settings import load_settings


@click.group()
def personas() -> None:
    """List, validate and preview the managers you can practise with."""


def _resistance(persona: Persona) -> str:
    return " / ".join(f"{persona.starting_resistance[d]:g}" for d in DIFFICULTIES)


@personas.command("list")
@click.option("--ids", is_flag=True, help="Print only the ids, one per line (for scripts).")
def list_personas(ids: bool) -> None:
    """Show every persona with its resistance pattern and starting resistance."""
    found = load_personas(load_settings().personas_dir)
    if ids:
        for persona_id in found:
            click.echo(persona_id)
        return
    console = Console(soft_wrap=False)
    wide = console.width >= 110  # narrower: the role goes under the name instead of its own column
    table = Table(title="Personas", title_justify="left")
    table.add_column("id", style="bold", no_wrap=True)
    table.add_column("name" if wide else "name / role", ratio=2)
    if wide:
        table.add_column("role", ratio=3)
    table.add_column("pattern", ratio=2)
    table.add_column("resistance\neasy/real/hard", justify="center", no_wrap=True)
    table.add_column("concerns", justify="right", no_wrap=True)
    for p in found.values():
        who = [Text(p.name), Text(p.role)] if wide else [Text.assemble(p.name, "\n", (p.role, "dim"))]
        table.add_row(Text(p.id), *who, Text(p.pattern), _resistance(p), str(len(p.concerns)))
    console.print(table)
    click.echo("Practise with one: sparring chat --persona ID   Preview its prompt: sparring personas show ID")


@personas.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check persona files (default: the personas folder); exit 1 if any is invalid.

    Folders are expanded to their *.yaml files. Ids must match file names and be
    unique among the files checked together.
    """
    targets = list(paths) or [load_settings().personas_dir]
    report = validate_files(targets)
    if not report:
        shown = ", ".join(display_path(p) for p in targets)
        click.echo(f"{shown}: no persona files (*.yaml) found", err=True)
        raise SystemExit(1)
    bad = 0
    for path, problems in report.items():
        if not problems:
            click.echo(f"ok  {display_path(path)}")
            _report_coverage(path)
            continue
        bad += 1
        for problem in problems:
            click.echo(str(problem))
    if bad:
        click.echo(f"{bad} of {len(report)} file(s) invalid.")
        raise SystemExit(1)


def _report_coverage(path: Path) -> None:
    """Line-bank coverage of a valid file, as indented warnings (never a failure)."""
    from sparring.persona.coverage import coverage_gaps, line_counts

    persona = load_persona_file(path)
    counts = line_counts(persona)
    click.echo(f"    lines: {sum(counts.values())} ({min(counts.values())}-{max(counts.values())} a move)")
    for gap in coverage_gaps(persona):
        click.echo(f"    coverage: {gap}")


@personas.command()
@click.argument("persona_id", metavar="ID")
@click.option("--difficulty", type=click.Choice(DIFFICULTIES), default="realistic", show_default=True,
              help="The difficulty to render the prompt for.")
def show(persona_id: str, difficulty: str) -> None:
    """Print the exact system prompt the model receives for this persona."""
    from sparring.engine.prompt import render_system_prompt

    settings = load_settings()
    persona = get_persona(settings, persona_id)
    level = next(d for d in DIFFICULTIES if d == difficulty)
    click.echo(render_system_prompt(persona, level, settings))


@personas.command()
def schema() -> None:
    """Print the JSON Schema of persona files (for editors and other tools)."""
    from sparring.persona.schema import render_schema

    click.echo(render_schema(), nl=False)


@personas.command("draft-lines")
@click.argument("persona_id", metavar="ID")
@click.option("--model", "spec", required=True, help="A strong model, e.g. openai:gpt-4o-mini.")
@click.option("--move", "moves", multiple=True, type=click.Choice([m.value for m in Move]),
              help="Only these moves (repeatable); default every core move.")
@click.option("--count", default=10, show_default=True, help="Candidates per move.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Review file (default .sparring/drafts/ID-lines.yaml).")
def draft_lines(persona_id: str, spec: str, moves: tuple[str, ...], count: int, out: Path | None) -> None:
    """Ask a model for candidate lines in the persona's voice; writes a review file, never the persona."""
    import asyncio

    from sparring.engine.drafting import draft, parse_moves, write_review
    from sparring.errors import UserError
    from sparring.providers import ModelError, make_chat_model

    settings = load_settings().with_model(spec)
    persona = get_persona(settings, persona_id)
    try:
        model = make_chat_model(spec, settings, max_tokens=900, temperature=0.9)
        drafts = asyncio.run(draft(persona, model, settings, parse_moves(moves), count))
    except (ModelError, UserError) as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(2) from exc
    path = out or settings.data_dir / "drafts" / f"{persona.id}-lines.yaml"
    write_review(path, persona, spec, drafts)
    kept = sum(1 for rows in drafts.values() for r in rows if r["ok"])
    total = sum(len(rows) for rows in drafts.values())
    click.echo(f"{total} candidate line(s), {kept} pass the guards: review {path}")


@personas.command("feedback")
@click.argument("persona_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the queue as JSON (as /trainer/api/review).")
@click.option("--status", type=click.Choice(["open", "fixed", "all"]), default="all", show_default=True,
              help="Only open or only fixed items.")
def feedback(persona_id: str, as_json: bool, status: str) -> None:
    """The persona's review queue: each 👍/👎 on its replies, with the turn in context.

    Same queue as the trainer's review page: only sessions their coach shared with
    trainers (on a single-user install, every session)."""
    import json

    from sparring.cli.sessions import LOCAL_USER, _run
    from sparring.trainer.queue import build_queue

    settings = load_settings()
    get_persona(settings, persona_id)  # an unknown id is an error that lists the known ones
    # Multi-user: nobody's own sessions, only the shared ones (no user is named "").
    viewer = "" if settings.users_file or settings.users else LOCAL_USER
    wanted = None if status == "all" else status
    items = _run(settings, lambda layer: build_queue(layer.shares, layer.reviews, viewer, persona_id, wanted))
    if as_json:
        click.echo(json.dumps([i.to_json() for i in items], ensure_ascii=False, indent=2))
        return
    if not items:
        click.echo(f"No rated replies to review for {persona_id}.")
        return
    for item in items:
        where = {"turn": f"turn {item.turn}", "taken back": f"turn {item.turn} (taken back)",
                 "opening": "opening line"}.get(item.where, "turn not found")
        fixed = f" in {item.fixed_in}" if item.fixed_in else ""
        click.echo(f"{'+1' if item.rating == 'up' else '-1'} [{item.status}{fixed}] {item.coach}, {where}, "
                   f"{item.rated_at[:16]}  id {item.feedback_id}")
        if item.comment:
            click.echo(f"    comment: {item.comment}")
        if item.coach_line:
            click.echo(f"    coach:   {item.coach_line}")
        click.echo(f"    manager: {item.reply}")
        if item.turn is not None:
            guards = ", ".join(item.guard_failures) or "passed"
            click.echo(f"    move {item.move}; resistance {item.resistance_before:.1f} -> "
                       f"{item.resistance_after:.1f}; revealed {', '.join(item.revealed) or 'none'}; "
                       f"spoken by {item.spoken}{' (fallback)' if item.fallback else ''}; guards {guards}")
