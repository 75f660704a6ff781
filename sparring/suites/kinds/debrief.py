"""`kind: debrief`: what the end-of-session debrief says about a saved or played session.

A played case goes through the same practice (judge included) as the web app and
`sparring chat`, so its debrief is the one a coach would read.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationError, model_validator

from sparring.engine.transcript import Transcript
from sparring.persona.model import Difficulty, Persona
from sparring.problems import Problem
from sparring.suites import assertions as checks
from sparring.suites.kinds.base import RunContext, SuiteKind, register
from sparring.suites.plan import Job, Prepared
from sparring.suites.prepare import resolve_persona
from sparring.suites.results import CaseRun
from sparring.suites.suite import CoachTurn, DebriefAssertion, DebriefCheck, Id, Strict, SuiteBase


class DebriefCase(Strict):
    id: Id
    description: str = ""
    transcript: str | None = Field(None, description="A saved transcript (JSON), relative to this file.")
    persona: str | None = Field(None, description="Or play these lines against this persona first.")
    difficulty: Difficulty = "realistic"
    coach: list[CoachTurn] | None = None
    seed: int | None = None
    expect: list[DebriefAssertion] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_source(self) -> DebriefCase:
        if (self.transcript is None) == (self.coach is None):
            raise ValueError("a debrief case needs either 'transcript' or 'persona' with 'coach' lines")
        if self.coach is not None and self.persona is None:
            raise ValueError("a debrief case with 'coach' lines needs 'persona'")
        return self


class DebriefSuite(SuiteBase):
    kind: Literal["debrief"]
    cases: list[DebriefCase] = Field(min_length=1)


def _suite(prep: Prepared) -> DebriefSuite:
    suite = prep.loaded.suite
    assert isinstance(suite, DebriefSuite)
    return suite


@register
class Debrief(SuiteKind):
    name = "debrief"
    suite_model = DebriefSuite

    def prepare(self, prep: Prepared, personas: dict[str, Persona], problems: list[Problem]) -> None:
        loaded = prep.loaded
        for i, case in enumerate(_suite(prep).cases):
            if case.persona:
                resolve_persona(prep, personas, case.persona, loaded.line("cases", i, "persona"),
                                f"cases[{i}].persona", problems)
            if case.transcript:
                path = loaded.resolve(case.transcript)
                line = loaded.line("cases", i, "transcript")
                try:
                    prep.transcripts[case.id] = Transcript.model_validate_json(path.read_text("utf-8"))
                except OSError:
                    problems.append(Problem(loaded.path, line, f"transcript file not found: {path}",
                                            f"cases[{i}].transcript", "give the path relative to the suite file"))
                except ValidationError as exc:
                    problems.append(Problem(loaded.path, line, f"not a saved transcript: {exc.errors()[0]['msg']}",
                                            f"cases[{i}].transcript", "save one with `sparring simulate` or the UI"))

    def specs(self, ctx: RunContext, prep: Prepared) -> list[str]:
        if all(c.transcript for c in _suite(prep).cases):
            return ["transcript"]  # nothing is played: no model
        return super().specs(ctx, prep)

    def prompt_prefix(self, job: Job) -> tuple[str, str]:
        return (job.case.persona, job.case.difficulty) if job.case.persona else ("", "")

    async def run(self, ctx: RunContext, job: Job, run: CaseRun) -> None:
        from sparring.debrief.build import build_debrief
        from sparring.debrief.texts import load_debrief_texts, load_feedback_tips

        case: DebriefCase = job.case
        if case.transcript:
            transcript = job.prep.transcripts[case.id]
            run.transcript = transcript
            prompts = ctx.settings.prompts_dir
            debrief = build_debrief(transcript, texts=load_debrief_texts(prompts),
                                    tips=load_feedback_tips(prompts))
        else:  # played: the same debrief the web app and `sparring chat` give
            assert case.persona is not None and case.coach is not None
            practice = await ctx.practice(job, case.persona, case.difficulty,
                                          ctx.seed(case.seed, job.repeat), run, judged=True)
            grader, note = ctx.grader(job)
            for turn in case.coach:
                record = await practice.reply(turn.say)
                run.transcript = practice.transcript
                for turn_check in turn.expect:
                    run.checks.append(await checks.check_turn(turn_check, record, grader, note))
            transcript, debrief = practice.transcript, await practice.debrief()
        run.debrief = debrief.model_dump(mode="json")
        for a in case.expect:
            if isinstance(a, DebriefCheck):
                run.checks.append(checks.check_debrief(a, run.debrief))
            else:
                run.checks.append(await checks.check_end(a, transcript, None, ""))
