"""What a run is made of: prepared suites, run options and jobs.

A job is one run of one case on one model (annotation items are jobs too). Which jobs a
suite gives, and in what order they run, is decided by its kind (`evals/kinds`) and the
runner; this module only holds the plain data they pass around.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sparring.engine.transcript import Transcript
    from sparring.persona.model import Persona
    from sparring.suites.coaches import Strategy
    from sparring.suites.loader import LoadedSuite
    from sparring.suites.suite import AnnotationCase


@dataclass
class Prepared:
    """A suite with everything it names loaded: ready to run without further I/O errors."""

    loaded: LoadedSuite
    personas: dict[str, Persona] = field(default_factory=dict)
    strategies: dict[str, Strategy] = field(default_factory=dict)
    items: list[AnnotationCase] = field(default_factory=list)
    transcripts: dict[str, Transcript] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.loaded.suite.name


@dataclass(frozen=True)
class RunOptions:
    model: str | None = None
    judge_model: str | None = None
    concurrency: int = 4
    repeat: int = 1
    pattern: str | None = None
    cache: bool = True


@dataclass
class Job:
    prep: Prepared
    #: a case of the suite's kind (an annotation item, a persona case, a debrief case)
    case: Any
    model: str
    repeat: int = 0
    #: the persona a case of a persona matrix plays ("" when the case names its own)
    persona: str = ""

    @property
    def case_id(self) -> str:
        return f"{self.case.id}[{self.persona}]" if self.persona else str(self.case.id)

    @property
    def ident(self) -> str:
        return f"{self.prep.name}/{self.case_id}"


def matches(pattern: str | None, ident: str) -> bool:
    if not pattern:
        return True
    return fnmatch.fnmatchcase(ident, pattern) or pattern.lower() in ident.lower()
