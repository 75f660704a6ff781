"""`sparring annotate`: code coach turns from JSON lines, for eval sets and inter-rater checks.

Built for pipelines: one output line per input line, in input order, and a bad
line becomes an error line (with its line number) instead of stopping the run;
the exit code says whether any line failed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any, Literal

import click
from pydantic import BaseModel, ConfigDict, ValidationError

from sparring.coding.codes import TurnCoder, TurnCodes

if TYPE_CHECKING:
    from sparring.coding.judge import LLMJudge

Judge = Literal["rules", "llm", "both"]


class AnnotateInput(BaseModel):
    """One input line. Unknown fields are errors: a typo must not silently drop the context."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: str | int
    text: str
    context: str | None = None


class LineError(ValueError):
    """An input line that cannot be coded; the message says which field and what to do."""


def parse_line(raw: str) -> AnnotateInput:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise LineError(f"not valid JSON ({exc.msg} at column {exc.colno}); each line must be one JSON object") from exc
    if not isinstance(data, dict):
        raise LineError('expected a JSON object like {"id": 1, "text": "...", "context": "..."}')
    unknown = sorted(set(data) - set(AnnotateInput.model_fields))
    if unknown:
        raise LineError(f"unknown field(s) {', '.join(unknown)}; allowed: id, text, context")
    try:
        return AnnotateInput.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(object)"
        expected = {"id": "a string or number", "text": "a string", "context": "a string or null"}
        hint = expected.get(str(first["loc"][0]) if first["loc"] else "", "")
        raise LineError(f"field '{field}': {first['msg']}" + (f" (expected {hint})" if hint else "")) from exc


def output_row(item: AnnotateInput, codes: TurnCodes, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": item.id, **codes.model_dump(), **(extra or {})}


async def code_lines(
    items: list[tuple[int, AnnotateInput]], judge: LLMJudge, concurrency: int
) -> dict[int, dict[str, Any]]:
    gate = asyncio.Semaphore(concurrency)

    async def one(line_no: int, item: AnnotateInput) -> tuple[int, dict[str, Any]]:
        async with gate:
            result = await judge.acode(item.text, item.context)
        extra: dict[str, Any] = {"source": result.source, "attempts": result.attempts}
        if result.error:
            extra["error"] = result.error
        return line_no, output_row(item, result.codes, extra)

    done = await asyncio.gather(*(one(n, item) for n, item in items))
    return dict(done)


def _tier1(kind: str) -> TurnCoder:
    """The tier-1 coder: the learned model over the rules (default), or the rules alone."""
    if kind == "rules":
        from sparring.coding.rules import RulesCoder

        return RulesCoder()
    from sparring.coding.learned import default_coder

    return default_coder()


@click.command()
@click.option(
    "--judge",
    "judge_kind",
    type=click.Choice(["rules", "llm", "both"]),
    default="rules",
    show_default=True,
    help="rules: tier 1, no model. llm: the LLM judge (tier 1 only as fallback). both: the two combined.",
)
@click.option("--coder", "coder_kind", type=click.Choice(["learned", "rules"]), default="learned", show_default=True,
              help="Tier 1: the learned coder (fitted weights over the rules) or the rules alone.")
@click.option("--model", default=None, help="Judge model: 'local', 'fake' or 'openai:<model>' (default: settings).")
@click.option("--attempts", type=click.IntRange(1, 5), default=2, show_default=True,
              help="LLM tries per line before falling back to the rules.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Lines coded at once by the LLM judge.")
def annotate(judge_kind: Judge, coder_kind: str, model: str | None, attempts: int, concurrency: int) -> None:
    """Code coach turns read as JSON lines {"id", "text", "context"} from stdin.

    Writes one JSON line per input with the codes (question, reflection, flags,
    reasons); a bad line gives {"line": N, "error": "..."} and exit code 1.
    """
    rows: dict[int, dict[str, Any]] = {}
    items: list[tuple[int, AnnotateInput]] = []
    for line_no, raw in enumerate(sys.stdin, 1):
        if not raw.strip():
            continue
        try:
            items.append((line_no, parse_line(raw)))
        except LineError as exc:
            rows[line_no] = {"line": line_no, "error": str(exc)}
    failed = bool(rows)
    rules = _tier1(coder_kind)
    if judge_kind == "rules":
        for line_no, item in items:
            rows[line_no] = output_row(item, rules.code(item.text, item.context))
    elif items:
        from sparring.coding.judge import make_judge
        from sparring.settings import load_settings

        settings = load_settings()
        if model:
            settings = settings.model_copy(update={"judge_model": model})
        judge = make_judge(
            settings, rules, attempts=attempts, mode="llm" if judge_kind == "llm" else "combined"
        )
        judge.messages("", None)  # a missing or broken prompt file is one clear error, not N fallbacks
        rows.update(asyncio.run(code_lines(items, judge, concurrency)))
    for line_no in sorted(rows):
        click.echo(json.dumps(rows[line_no], ensure_ascii=False))
    if failed:
        sys.exit(1)
