"""`kind: persona`: how a persona behaves against scripted or simulated coaches.

A suite names one `persona`, or several under `personas` to run every case against each
of them (a persona × coach-script matrix: one file instead of a near-copy per persona).
In a matrix, checks say what holds for any persona: `{type: concern, surfaces: first}`
is the persona's shallowest concern, and `{persona}` in a rubric is its name.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from sparring.persona.model import Difficulty, Persona
from sparring.problems import Loc, Problem, suggest
from sparring.suites import assertions as checks
from sparring.suites.coaches import StrategyError, load_strategy
from sparring.suites.kinds.base import RunContext, SuiteKind, register
from sparring.suites.plan import Job, Prepared, matches
from sparring.suites.prepare import check_concerns, resolve_persona
from sparring.suites.results import CaseRun
from sparring.suites.suite import Assertion, ConcernCheck, PersonaCase, RubricCheck, SuiteBase


class PersonaSuite(SuiteBase):
    kind: Literal["persona"]
    persona: str | None = Field(None, description="The persona every case plays (or use 'personas').")
    personas: list[str] = Field(default_factory=list, description="Run every case against each of these.")
    difficulty: Difficulty = "realistic"
    coaches: str = Field("coaches", description="Folder of simulated coach strategies, relative to this file.")
    cases: list[PersonaCase] = Field(min_length=1)

    @model_validator(mode="after")
    def _personas(self) -> PersonaSuite:
        if (self.persona is None) == (not self.personas):
            raise ValueError("a persona suite needs either 'persona' or 'personas' (a list)")
        return self

    def personas_for(self, case: PersonaCase) -> list[str]:
        if case.persona:
            return [case.persona]
        return [self.persona] if self.persona else list(self.personas)


def bind(a: Assertion, persona: Persona) -> Assertion:
    """A check written for any persona, made concrete for this one."""
    if isinstance(a, ConcernCheck) and a.surfaces is not None:
        order = sorted(persona.concerns, key=lambda c: -c.reveal_below)  # first to surface first
        chosen = order[0] if a.surfaces == "first" else order[-1]
        return a.model_copy(update={"id": chosen.id, "surfaces": None})
    if isinstance(a, RubricCheck) and "{persona}" in a.rubric:
        return a.model_copy(update={"rubric": a.rubric.replace("{persona}", persona.name)})
    return a


def _suite(prep: Prepared) -> PersonaSuite:
    suite = prep.loaded.suite
    assert isinstance(suite, PersonaSuite)
    return suite


@register
class PersonaKind(SuiteKind):
    name = "persona"
    suite_model = PersonaSuite

    def prepare(self, prep: Prepared, personas: dict[str, Persona], problems: list[Problem]) -> None:
        suite, loaded = _suite(prep), prep.loaded
        if suite.persona:
            resolve_persona(prep, personas, suite.persona, loaded.line("persona"), "persona", problems)
        for p, pid in enumerate(suite.personas):
            resolve_persona(prep, personas, pid, loaded.line("personas", p), f"personas[{p}]", problems)
        for i, case in enumerate(suite.cases):
            if case.persona:
                resolve_persona(prep, personas, case.persona, loaded.line("cases", i, "persona"),
                                f"cases[{i}].persona", problems)
            found: list[tuple[ConcernCheck, Loc]] = [
                (a, ("cases", i, "expect", j)) for j, a in enumerate(case.expect) if isinstance(a, ConcernCheck)]
            for t, turn in enumerate(case.coach or []):
                found += [(a, ("cases", i, "coach", t, "expect", j))
                          for j, a in enumerate(turn.expect) if isinstance(a, ConcernCheck)]
            for pid in suite.personas_for(case):
                if pid in personas:  # an unknown persona is reported once, above
                    check_concerns(prep, personas[pid], found, problems)
            if case.strategy:
                self._strategy(prep, suite, i, case.strategy, problems)

    @staticmethod
    def _strategy(prep: Prepared, suite: PersonaSuite, i: int, strategy: str, problems: list[Problem]) -> None:
        if strategy in prep.strategies:
            return
        loaded = prep.loaded
        folder = loaded.resolve(suite.coaches)
        if not (folder / f"{strategy}.yaml").is_file():
            known = sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []
            problems.append(Problem(loaded.path, loaded.line("cases", i, "strategy"),
                                    f"no coach strategy '{strategy}' in {folder}", f"cases[{i}].strategy",
                                    suggest(strategy, known) or f"available: {', '.join(known) or 'none'}"))
            return
        try:
            prep.strategies[strategy] = load_strategy(folder, strategy)
        except StrategyError as exc:
            problems.extend(exc.problems)

    def jobs(self, ctx: RunContext, prep: Prepared) -> list[Job]:
        suite = _suite(prep)
        out: list[Job] = []
        for case in suite.cases:
            matrix = not case.persona and not suite.persona
            for pid in suite.personas_for(case):
                job = Job(prep, case, "", persona=pid if matrix else "")
                if matches(ctx.options.pattern, job.ident):
                    out += [Job(prep, case, spec, r, job.persona) for spec in self.specs(ctx, prep)
                            for r in range(max(1, ctx.options.repeat))]
        return out

    def persona_id(self, job: Job) -> str:
        suite, case = _suite(job.prep), job.case
        return job.persona or case.persona or suite.persona or ""

    def prompt_prefix(self, job: Job) -> tuple[str, str]:
        return self.persona_id(job), job.case.difficulty or _suite(job.prep).difficulty

    async def run(self, ctx: RunContext, job: Job, run: CaseRun) -> None:
        case: PersonaCase = job.case
        persona = job.prep.personas[self.persona_id(job)]
        seed = ctx.seed(case.seed, job.repeat)
        grader, note = ctx.grader(job)
        practice = await ctx.practice(job, persona.id, case.difficulty or _suite(job.prep).difficulty,
                                      seed, run)
        session: Any = practice.session
        if case.coach is not None:
            for turn in case.coach:
                record = await practice.reply(turn.say)
                run.transcript = session.transcript
                for a in turn.expect:
                    run.checks.append(await checks.check_turn(bind(a, persona), record, grader, note))
        elif case.strategy and case.turns:
            from sparring.suites.coaches import SimulatedCoach

            coach = SimulatedCoach(job.prep.strategies[case.strategy], seed)
            for _ in range(case.turns):
                await practice.reply(coach.next_line(session.state))
                run.transcript = session.transcript
        for a in case.expect:
            run.checks.append(await checks.check_end(bind(a, persona), practice.transcript, grader, note))
