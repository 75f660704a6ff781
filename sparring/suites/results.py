"""What a run produced: one record per case run, one per suite, one per run.

Plain pydantic data so the JSON report is `model_dump_json` and the JUnit
and HTML reports read the same numbers the terminal shows. Exit codes are
decided here, in one place: 2 when anything errored, else 1 when any
threshold failed, else 0.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sparring.engine.transcript import Transcript

Status = Literal["pass", "fail", "error", "skip"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Check(Model):
    """One assertion's outcome; `expected`/`got` are short human-readable texts for the diff."""

    name: str
    status: Status
    expected: str = ""
    got: str = ""
    turn: int | None = Field(None, description="Turn number for per-turn checks; None at the end.")
    note: str = ""


class CaseRun(Model):
    """One run of one case (of several with --repeat)."""

    suite: str
    case: str
    model: str
    repeat: int = 0
    status: Status
    checks: list[Check] = Field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    transcript: Transcript | None = None
    coach_text: str | None = Field(None, description="Annotation items: the coach turn.")
    context: str | None = None
    debrief: dict[str, Any] | None = None

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status == "fail"]


class CaseSummary(Model):
    suite: str
    case: str
    model: str
    runs: int
    passed: int
    errors: int
    pass_rate: float
    status: Status


class Threshold(Model):
    name: str
    expected: float
    got: float
    status: Status


class SuiteResult(Model):
    name: str
    kind: str
    path: str
    models: list[str]
    status: Status
    cases: list[CaseSummary] = Field(default_factory=list)
    runs: list[CaseRun] = Field(default_factory=list)
    thresholds: list[Threshold] = Field(default_factory=list)
    metrics_table: str | None = None
    notes: list[str] = Field(default_factory=list)


class RunResult(Model):
    suites: list[SuiteResult]
    seconds: float
    concurrency: int
    repeat: int
    cache: bool

    @property
    def counts(self) -> dict[str, int]:
        out = {"pass": 0, "fail": 0, "error": 0, "skip": 0}
        for suite in self.suites:
            for case in suite.cases:
                out[case.status] += 1
            for threshold in suite.thresholds:
                out[threshold.status] += 1
        return out

    @property
    def exit_code(self) -> int:
        statuses = {s.status for s in self.suites}
        if "error" in statuses:
            return 2
        return 1 if "fail" in statuses else 0


def summarise(runs: list[CaseRun], min_pass_rate: float) -> list[CaseSummary]:
    """Group repeats of a case: pass rate over runs that did not error; any error marks the case."""
    groups: dict[tuple[str, str], list[CaseRun]] = {}
    for run in runs:
        groups.setdefault((run.case, run.model), []).append(run)
    out: list[CaseSummary] = []
    for (case, model), items in groups.items():
        passed = sum(r.status in ("pass", "skip") for r in items)
        errors = sum(r.status == "error" for r in items)
        rate = passed / len(items)
        if errors:
            status: Status = "error"
        elif all(r.status == "skip" for r in items):
            status = "skip"
        else:
            status = "pass" if rate >= min_pass_rate - 1e-9 else "fail"
        out.append(CaseSummary(suite=items[0].suite, case=case, model=model, runs=len(items), passed=passed,
                               errors=errors, pass_rate=round(rate, 4), status=status))
    return out


def suite_status(cases: list[CaseSummary], thresholds: list[Threshold]) -> Status:
    statuses = {c.status for c in cases} | {t.status for t in thresholds}
    order: tuple[Status, ...] = ("error", "fail", "pass")
    for status in order:
        if status in statuses:
            return status
    return "skip"
