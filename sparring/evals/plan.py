"""Which case runs happen, and in what order.

A job is one run of one case on one model (annotation items are jobs too).
Jobs on models that serialise their calls are grouped by the prompt prefix
their cases share, because llama.cpp only reuses the evaluated prefix of the
previous call: a 135M model on one thread spends seconds on each cold system
prompt, and interleaving personas would pay that on every turn.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from sparring.evals.prepare import Prepared
from sparring.evals.suite import (
    AnnotationCase,
    AnnotationSuite,
    DebriefCase,
    PersonaCase,
    PersonaSuite,
    RubricCheck,
)
from sparring.providers.profile import profile_for


@dataclass
class Job:
    prep: Prepared
    case: PersonaCase | DebriefCase | AnnotationCase
    model: str
    repeat: int = 0

    @property
    def ident(self) -> str:
        return f"{self.prep.name}/{self.case.id}"


def matches(pattern: str | None, ident: str) -> bool:
    if not pattern:
        return True
    return fnmatch.fnmatchcase(ident, pattern) or pattern.lower() in ident.lower()


def prompt_prefix(job: Job) -> tuple[str, str]:
    """(persona, difficulty) of a case: what its system prompt, the long shared prefix, depends on."""
    case, suite = job.case, job.prep.loaded.suite
    if isinstance(case, PersonaCase) and isinstance(suite, PersonaSuite):
        return case.persona or suite.persona, case.difficulty or suite.difficulty
    if isinstance(case, DebriefCase) and case.persona:
        return case.persona, case.difficulty
    return "", ""


def schedule(jobs: list[Job]) -> list[Job]:
    """Run order: jobs on serial models grouped by prompt prefix (stable), after all others, so
    llama.cpp evaluates each persona's system prompt once instead of once per suite."""
    others = [j for j in jobs if not profile_for(j.model).serial]
    serial = sorted((j for j in jobs if profile_for(j.model).serial), key=lambda j: (j.model, prompt_prefix(j)))
    return others + serial


def uses_judge(prep: Prepared) -> bool:
    """Whether a suite needs the judge model: a judge coder or any llm-rubric check."""
    suite = prep.loaded.suite
    if isinstance(suite, AnnotationSuite):
        return suite.coder not in ("learned", "rules")
    for case in suite.cases:
        checks = [*case.expect, *(a for turn in case.coach or [] for a in turn.expect)]
        if any(isinstance(a, RubricCheck) for a in checks):
            return True
    return False
