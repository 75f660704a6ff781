"""From case runs to a suite result: pass rates for persona and debrief suites,
agreement metrics and thresholds for annotation suites.

Annotation items are not pass/fail on their own (no coder is perfect); a
mismatching item is shown with its diff, and only the suite's metric
thresholds decide whether the suite passes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sparring.evals.metric_names import metric_value
from sparring.evals.prepare import Prepared
from sparring.evals.results import CaseRun, SuiteResult, Threshold, suite_status, summarise
from sparring.evals.suite import AnnotationSuite
from sparring.evaluation.metrics import evaluate, format_table
from sparring.persona.problems import display_path

if TYPE_CHECKING:
    from sparring.evals.runner import Runner


def _labels(item_labels: Any) -> dict[str, Any]:
    data = item_labels.model_dump(exclude={"type", "name"}) if item_labels is not None else {}
    return {k: (None if v == "none" else v) for k, v in data.items()}


def _annotation(prep: Prepared, runs: list[CaseRun], runner: Runner) -> SuiteResult:
    suite = prep.loaded.suite
    assert isinstance(suite, AnnotationSuite)
    errors = [r for r in runs if r.status == "error"]
    scored = [runner.annotations[(prep.name, r.case)] for r in runs if (prep.name, r.case) in runner.annotations]
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


def aggregate(prep: Prepared, runs: list[CaseRun], runner: Runner) -> SuiteResult:
    suite = prep.loaded.suite
    if isinstance(suite, AnnotationSuite):
        return _annotation(prep, runs, runner)
    cases = summarise(runs, suite.min_pass_rate)
    notes = sorted({c.note for r in runs for c in r.checks if c.status == "skip" and c.note})
    return SuiteResult(name=prep.name, kind=suite.kind, path=display_path(prep.loaded.path),
                       models=sorted({r.model for r in runs}), status=suite_status(cases, []), cases=cases,
                       runs=runs, notes=notes)
