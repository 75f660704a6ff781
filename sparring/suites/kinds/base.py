"""What a suite kind is, and the registry of kinds.

A kind (annotation, persona, debrief, ...) owns its file format (a pydantic model with a
`kind` literal), how its references are prepared, which models its cases run on, how one
case runs and how its runs become a suite result. The runner, the loader, the planner and
the JSON schema only ever go through `KINDS`, so a new kind is one new module in this
package (found by `sparring.suites.kinds`), the regenerated schema and its docs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Protocol, Union

from pydantic import Field

from sparring.persona.model import Persona
from sparring.problems import Problem, display_path
from sparring.suites.plan import Job, RunOptions, matches
from sparring.suites.prepare import Prepared
from sparring.suites.results import CaseRun, SuiteResult, suite_status, summarise
from sparring.suites.suite import RubricCheck, SuiteBase

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from sparring.persona.model import Difficulty
    from sparring.practice import Practice
    from sparring.settings import Settings
    from sparring.suites.assertions import Grader


class RunContext(Protocol):
    """What a kind may ask of the run it is part of (the runner provides it)."""

    settings: Settings
    options: RunOptions
    #: per-run space where a kind keeps what `aggregate` needs (keyed by the kind's name)
    scratch: dict[str, Any]

    def model(self, spec: str, *, judge: bool = False) -> BaseChatModel: ...

    def judge_spec(self, prep: Prepared) -> str: ...

    def grader(self, job: Job) -> tuple[Grader | None, str]: ...

    def seed(self, case_seed: int | None, repeat: int) -> int: ...

    async def practice(self, job: Job, persona_id: str, difficulty: Difficulty, seed: int,
                       run: CaseRun, *, judged: bool = False) -> Practice:
        """A practice on the job's model, as a coach would get it (`judged`: with the judge
        the web app would run beside each turn)."""


class SuiteKind:
    """Base of every kind; the defaults suit kinds whose cases play conversations."""

    #: the `kind:` value in suite files
    name: ClassVar[str]
    #: the suite file's model (its `kind` field is `Literal[name]`)
    suite_model: ClassVar[type[SuiteBase]]
    #: whether `prepare` needs the installed personas
    needs_personas: ClassVar[bool] = True

    def prepare(self, prep: Prepared, personas: dict[str, Persona], problems: list[Problem]) -> None:
        """Resolve what the suite names; append a problem for each broken reference."""

    def specs(self, ctx: RunContext, prep: Prepared) -> list[str]:
        """The models its cases run on."""
        suite: Any = prep.loaded.suite
        if ctx.options.model:
            return [ctx.options.model]
        return list(suite.models) or [ctx.settings.model]

    def jobs(self, ctx: RunContext, prep: Prepared) -> list[Job]:
        specs = self.specs(ctx, prep)
        return [Job(prep, case, spec, r) for case in self.cases(prep)
                if matches(ctx.options.pattern, f"{prep.name}/{case.id}")
                for spec in specs for r in range(max(1, ctx.options.repeat))]

    def cases(self, prep: Prepared) -> Sequence[Any]:
        return list(getattr(prep.loaded.suite, "cases", []))

    def prompt_prefix(self, job: Job) -> tuple[str, str]:
        """(persona, difficulty): what the case's long system prompt depends on (`plan.schedule`)."""
        return "", ""

    def uses_judge(self, prep: Prepared) -> bool:
        """Whether it needs the judge model (any llm-rubric check, by default)."""
        for case in self.cases(prep):
            checks = [*case.expect, *(a for turn in getattr(case, "coach", None) or [] for a in turn.expect)]
            if any(isinstance(a, RubricCheck) for a in checks):
                return True
        return False

    async def run(self, ctx: RunContext, job: Job, run: CaseRun) -> None:
        """Run one case; append its checks to `run` (errors propagate to the runner)."""
        raise NotImplementedError

    def aggregate(self, ctx: RunContext, prep: Prepared, runs: list[CaseRun]) -> SuiteResult:
        """Pass rates per case (with --repeat, against the suite's `min_pass_rate`)."""
        suite: Any = prep.loaded.suite
        cases = summarise(runs, suite.min_pass_rate)
        notes = sorted({c.note for r in runs for c in r.checks if c.status == "skip" and c.note})
        return SuiteResult(name=prep.name, kind=suite.kind, path=display_path(prep.loaded.path),
                           models=sorted({r.model for r in runs}), status=suite_status(cases, []),
                           cases=cases, runs=runs, notes=notes)


#: Every kind by its `kind:` value, filled by `register` as the kind modules are imported.
KINDS: dict[str, SuiteKind] = {}


def register(cls: type[SuiteKind]) -> type[SuiteKind]:
    """Class decorator: make a kind available to suite files, the runner and the schema."""
    if cls.name in KINDS:
        raise ValueError(f"suite kind '{cls.name}' is registered twice")
    KINDS[cls.name] = cls()
    return cls


def kind_of(suite: SuiteBase) -> SuiteKind:
    return KINDS[suite.kind]  # type: ignore[attr-defined]


def suite_type() -> Any:
    """The tagged union of every registered kind's suite model, for loading and the schema."""
    models = tuple(kind.suite_model for kind in KINDS.values())
    return Annotated[Union[models], Field(discriminator="kind")]  # noqa: UP007
