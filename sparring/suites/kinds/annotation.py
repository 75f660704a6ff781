"""`kind: annotation`: how well a coder agrees with labelled coach turns.

Items are not pass/fail on their own (no coder is perfect): a mismatching item is shown
with its diff, and only the suite's metric thresholds decide whether the suite passes.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from sparring.coding.metrics import evaluate, format_table
from sparring.persona.model import Persona
from sparring.problems import Problem, display_path
from sparring.suites import assertions as checks
from sparring.suites.kinds.base import RunContext, SuiteKind, register
from sparring.suites.metric_names import METRIC_NAMES, metric_value, suggest_metric
from sparring.suites.plan import Job, Prepared, matches
from sparring.suites.prepare import read_jsonl
from sparring.suites.results import CaseRun, SuiteResult, Threshold, suite_status
from sparring.suites.suite import AnnotationCase, CodesCheck, Strict, SuiteBase

#: Where the coded turns of a run wait for `aggregate` (in the run's scratch space).
SCRATCH = "annotation"


class MetricThreshold(Strict):
    metric: str = Field(description="e.g. open_closed_macro_f1, question.open.f1, directive.recall")
    min: float = Field(ge=0, le=1)

    @field_validator("metric")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in METRIC_NAMES:
            raise ValueError(f"unknown metric '{value}' ({suggest_metric(value)})")
        return value


class AnnotationSuite(SuiteBase):
    kind: Literal["annotation"]
    data: str | None = Field(None, description="JSONL of labelled turns, relative to this file.")
    split: str | None = Field(None, description="Use only rows of this split (e.g. test).")
    coder: Literal["learned", "rules", "judge", "combined"] = Field(
        "learned", description="learned: tier 1 (the default coder); rules: the rules alone; judge/combined: the LLM judge.")
    cases: list[AnnotationCase] = Field(default_factory=list)
    thresholds: list[MetricThreshold] = Field(min_length=1)

    @model_validator(mode="after")
    def _has_items(self) -> AnnotationSuite:
        if self.data is None and not self.cases:
            raise ValueError("an annotation suite needs 'data' (a JSONL file) or 'cases'")
        return self


def full_labels(item: AnnotationCase) -> CodesCheck:
    """The item's labels with every code explicit: unset means absent (none / false)."""
    given = item.labels.model_dump(exclude={"type", "name"}) if item.labels else {}
    values = {k: (v if v is not None else ("none" if k in ("question", "reflection") else False))
              for k, v in given.items()} if given else {}
    for key in CodesCheck.model_fields:
        if key not in ("type", "name") and key not in values:
            values[key] = "none" if key in ("question", "reflection") else False
    return CodesCheck(type="codes", **values)


def _labels(item_labels: Any) -> dict[str, Any]:
    data = item_labels.model_dump(exclude={"type", "name"}) if item_labels is not None else {}
    return {k: (None if v == "none" else v) for k, v in data.items()}


def _suite(prep: Prepared) -> AnnotationSuite:
    suite = prep.loaded.suite
    assert isinstance(suite, AnnotationSuite)
    return suite


@register
class Annotation(SuiteKind):
    name = "annotation"
    suite_model = AnnotationSuite
    needs_personas = False

    def prepare(self, prep: Prepared, personas: dict[str, Persona], problems: list[Problem]) -> None:
        suite = _suite(prep)
        prep.items = list(suite.cases)
        if suite.data:
            items, found = read_jsonl(prep.loaded, suite.data, suite.split)
            prep.items += items
            problems += found

    def specs(self, ctx: RunContext, prep: Prepared) -> list[str]:
        coder = _suite(prep).coder
        return [coder] if coder in ("learned", "rules") else [ctx.judge_spec(prep)]

    def jobs(self, ctx: RunContext, prep: Prepared) -> list[Job]:
        """One job per item; `--filter` selects whole annotation suites, not items."""
        if not matches(ctx.options.pattern, prep.name):
            return []
        spec = self.specs(ctx, prep)[0]
        return [Job(prep, item, spec) for item in prep.items]

    def uses_judge(self, prep: Prepared) -> bool:
        return _suite(prep).coder not in ("learned", "rules")

    async def run(self, ctx: RunContext, job: Job, run: CaseRun) -> None:
        item, suite = job.case, _suite(job.prep)
        assert isinstance(item, AnnotationCase)
        run.coach_text, run.context = item.text, item.context
        note: str | None = None
        if suite.coder in ("learned", "rules"):
            from sparring.coding.learned import default_coder
            from sparring.coding.rules import RulesCoder

            got = (default_coder() if suite.coder == "learned" else RulesCoder()).code(item.text, item.context)
        else:
            from sparring.coding.judge import LLMJudge

            judge = LLMJudge(ctx.model(job.model, judge=True), ctx.settings,
                             mode="llm" if suite.coder == "judge" else "combined")
            result = await judge.acode(item.text, item.context)
            got, note = result.codes, result.error
        ctx.scratch.setdefault(SCRATCH, {})[(job.prep.name, item.id)] = (item, got, note)
        run.checks.append(checks.check_codes(full_labels(item), got, None).model_copy(
            update={"name": "labels", "note": note or ""}))

    def aggregate(self, ctx: RunContext, prep: Prepared, runs: list[CaseRun]) -> SuiteResult:
        suite = _suite(prep)
        coded = ctx.scratch.get(SCRATCH, {})
        errors = [r for r in runs if r.status == "error"]
        scored = [coded[(prep.name, r.case)] for r in runs if (prep.name, r.case) in coded]
        notes: list[str] = []
        fallbacks = [note for _, _, note in scored if note]
        if fallbacks:
            notes.append(f"the judge fell back to the rules on {len(fallbacks)} item(s); first reason: {fallbacks[0]}")
        mismatches = sum(r.status == "fail" for r in runs)
        notes.append(f"{len(runs)} items, {mismatches} with at least one label different from the gold label")
        thresholds: list[Threshold] = []
        table: str | None = None
        if scored:
            evaluation = evaluate((_labels(item.labels), got) for item, got, _ in scored)
            table = format_table(evaluation)
            for t in suite.thresholds:
                value = round(metric_value(evaluation, t.metric), 4)
                thresholds.append(Threshold(name=t.metric, expected=t.min, got=value,
                                            status="pass" if value >= t.min - 1e-9 else "fail"))
        status = "error" if errors else suite_status([], thresholds)
        if errors:
            notes.append(f"{len(errors)} item(s) errored; first: {errors[0].error}")
        return SuiteResult(name=prep.name, kind=suite.kind, path=display_path(prep.loaded.path),
                           models=sorted({r.model for r in runs}), status=status, runs=runs,
                           thresholds=thresholds, metrics_table=table, notes=notes)
