"""Running prepared suites: every case run is a job, jobs share one bounded pool.

Jobs of all suites go through one `asyncio.Semaphore`, so `--concurrency`
bounds cases in flight across the whole run. Cases on the embedded model run
one at a time, grouped by persona (see `plan.schedule`): concurrency pays off
while waiting on hosted endpoints, not on one in-process model. A model
failure makes that job an `error` and the rest keep running; configuration
problems were already caught by `prepare`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel

from sparring.errors import USER_FACING
from sparring.evals import assertions as checks
from sparring.evals.aggregate import aggregate
from sparring.evals.cache import CachingChatModel, DiskCache
from sparring.evals.coaches import SimulatedCoach
from sparring.evals.plan import Job, matches, schedule
from sparring.evals.prepare import Prepared
from sparring.evals.results import CaseRun, RunResult
from sparring.evals.rubric import make_grader, skip_note
from sparring.evals.suite import (
    AnnotationCase,
    AnnotationSuite,
    CoachTurn,
    CodesCheck,
    DebriefCase,
    DebriefCheck,
    DebriefSuite,
    PersonaCase,
    PersonaSuite,
)
from sparring.evaluation.codes import TurnCodes
from sparring.evaluation.learned import default_coder
from sparring.evaluation.rules import RulesCoder
from sparring.persona.model import Difficulty
from sparring.providers.profile import profile_for
from sparring.settings import Settings
from sparring.transcript import Transcript

ModelFactory = Callable[[str], BaseChatModel]


@dataclass(frozen=True)
class RunOptions:
    model: str | None = None
    judge_model: str | None = None
    concurrency: int = 4
    repeat: int = 1
    pattern: str | None = None
    cache: bool = True


@dataclass
class Runner:
    settings: Settings
    options: RunOptions = field(default_factory=RunOptions)
    factory: ModelFactory | None = None
    on_done: Callable[[CaseRun], None] | None = None
    cache: DiskCache | None = None
    _models: dict[str, BaseChatModel] = field(default_factory=dict)
    annotations: dict[tuple[str, str], tuple[AnnotationCase, TurnCodes, str | None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.options.cache and self.cache is None:
            self.cache = DiskCache(self.settings.data_dir / "cache" / "eval")

    # -- models -----------------------------------------------------------------------------
    def model(self, spec: str, *, judge: bool = False) -> BaseChatModel:
        """One model per spec (and role) per run, wrapped in the disk cache unless disabled.
        Judges get the settings `make_judge` uses: temperature 0, room for a JSON answer."""
        key = f"{spec} (judge)" if judge else spec
        if key not in self._models:
            if self.factory is not None:
                inner = self.factory(spec)
            else:
                from sparring.providers import make_chat_model

                tuning: dict[str, Any] = {"temperature": 0.0, "max_tokens": 300} if judge else {}
                inner = make_chat_model(spec, self.settings.with_model(spec), **tuning)
            if self.cache is not None and profile_for(spec).cacheable:  # a script's replies never are
                inner = CachingChatModel(inner=inner, spec=key, store=self.cache)
            self._models[key] = inner
        return self._models[key]

    def judge(self, spec: str) -> BaseChatModel:
        return self.model(spec, judge=True)

    def specs_for(self, prep: Prepared) -> list[str]:
        suite = prep.loaded.suite
        if isinstance(suite, AnnotationSuite):
            return [suite.coder] if suite.coder in ("learned", "rules") else [self.judge_spec(prep)]
        if isinstance(suite, DebriefSuite) and all(c.transcript for c in suite.cases):
            return ["transcript"]
        if self.options.model:
            return [self.options.model]
        return list(suite.models) or [self.settings.model]

    def judge_spec(self, prep: Prepared) -> str:
        suite = prep.loaded.suite
        return (self.options.judge_model or suite.judge_model or self.settings.judge_model
                or self.options.model or (suite.models[0] if suite.models else self.settings.model))

    # -- planning ---------------------------------------------------------------------------
    def jobs(self, prepared: list[Prepared]) -> list[Job]:
        out: list[Job] = []
        for prep in prepared:
            suite = prep.loaded.suite
            specs = self.specs_for(prep)
            if isinstance(suite, AnnotationSuite):
                if matches(self.options.pattern, prep.name):
                    out += [Job(prep, item, specs[0]) for item in prep.items]
                continue
            for case in suite.cases:
                if not matches(self.options.pattern, f"{prep.name}/{case.id}"):
                    continue
                out += [Job(prep, case, spec, r) for spec in specs for r in range(max(1, self.options.repeat))]
        return out

    # -- running ----------------------------------------------------------------------------
    async def run(self, prepared: list[Prepared]) -> RunResult:
        started = time.perf_counter()
        jobs = self.jobs(prepared)
        gate = asyncio.Semaphore(max(1, self.options.concurrency))
        serial = {job.model: asyncio.Lock() for job in jobs if profile_for(job.model).serial}

        async def one(job: Job) -> CaseRun:
            lock = serial.get(job.model)
            if lock is None:
                async with gate:
                    result = await self.run_job(job)
            else:
                async with lock, gate:  # waiting for the lock holds no slot of the pool
                    result = await self.run_job(job)
            if self.on_done is not None:
                self.on_done(result)
            return result

        scheduled = schedule(jobs)
        done = dict(zip(map(id, scheduled), await asyncio.gather(*(one(j) for j in scheduled)), strict=True))
        runs = [done[id(j)] for j in jobs]  # reports keep the suites' own order
        suites = [aggregate(prep, [r for r in runs if r.suite == prep.name], self) for prep in prepared
                  if any(j.prep is prep for j in jobs)]
        return RunResult(suites=suites, seconds=round(time.perf_counter() - started, 3),
                         concurrency=self.options.concurrency, repeat=self.options.repeat,
                         cache=self.cache is not None)

    async def run_job(self, job: Job) -> CaseRun:
        started = time.perf_counter()
        run = CaseRun(suite=job.prep.name, case=job.case.id, model=job.model, repeat=job.repeat, status="pass")
        try:
            if isinstance(job.case, AnnotationCase):
                await self._annotate(job, run)
            elif isinstance(job.case, PersonaCase):
                await self._persona(job, job.case, run)
            else:
                await self._debrief(job, job.case, run)
        except USER_FACING as exc:
            run.status, run.error = "error", str(exc)
        except Exception as exc:  # one broken case must not end the run; it is reported instead
            run.status, run.error = "error", f"unexpected {type(exc).__name__}: {exc}"
        else:
            statuses = {c.status for c in run.checks}
            run.status = "fail" if "fail" in statuses else "skip" if statuses == {"skip"} else "pass"
        run.seconds = round(time.perf_counter() - started, 3)
        return run

    async def _annotate(self, job: Job, run: CaseRun) -> None:
        item = job.case
        assert isinstance(item, AnnotationCase)
        suite = job.prep.loaded.suite
        assert isinstance(suite, AnnotationSuite)
        run.coach_text, run.context = item.text, item.context
        note: str | None = None
        if suite.coder in ("learned", "rules"):
            got = (default_coder() if suite.coder == "learned" else RulesCoder()).code(item.text, item.context)
        else:
            from sparring.evaluation.judge import LLMJudge

            judge = LLMJudge(self.judge(job.model), self.settings,
                             mode="llm" if suite.coder == "judge" else "combined")
            result = await judge.acode(item.text, item.context)
            got, note = result.codes, result.error
        expected = full_labels(item)
        self.annotations[(job.prep.name, item.id)] = (item, got, note)
        run.checks.append(checks.check_codes(expected, got, None).model_copy(update={"name": "labels",
                                                                                      "note": note or ""}))

    def _grader(self, job: Job) -> tuple[checks.Grader | None, str]:
        """The rubric grader, built on first use: a case without llm-rubric checks never
        touches the judge model, so its configuration cannot fail that case."""
        spec = self.judge_spec(job.prep)
        if not profile_for(spec).grades:
            return None, skip_note(spec)

        async def grade(rubric: str, text: str) -> tuple[float, str]:
            grader = make_grader(spec, self.settings, self.judge)
            assert grader is not None
            return await grader(rubric, text)

        return grade, skip_note(spec)

    async def _play(self, job: Job, persona_id: str, difficulty: Difficulty, lines: list[CoachTurn] | None,
                    case: PersonaCase | None, seed: int, run: CaseRun) -> Transcript:
        from sparring.engine.session import PracticeSession

        persona = job.prep.personas[persona_id]
        session = PracticeSession(persona, difficulty, self.model(job.model),
                                  self.settings.with_model(job.model), coder=default_coder(), seed=seed)
        run.transcript = session.transcript
        grader, note = self._grader(job)
        if lines is not None:
            for turn in lines:
                record = await session.reply(turn.say)
                run.transcript = session.transcript
                for a in turn.expect:
                    run.checks.append(await checks.check_turn(a, record, grader, note))
        elif case is not None and case.strategy and case.turns:
            coach = SimulatedCoach(job.prep.strategies[case.strategy], seed)
            for _ in range(case.turns):
                await session.reply(coach.next_line(session.state))
                run.transcript = session.transcript
        return session.transcript

    def _seed(self, case_seed: int | None, repeat: int) -> int:
        return (self.settings.seed if case_seed is None else case_seed) + 7919 * repeat

    async def _persona(self, job: Job, case: PersonaCase, run: CaseRun) -> None:
        suite = job.prep.loaded.suite
        assert isinstance(suite, PersonaSuite)
        seed = self._seed(case.seed, job.repeat)
        transcript = await self._play(job, case.persona or suite.persona, case.difficulty or suite.difficulty,
                                      case.coach, case, seed, run)
        grader, note = self._grader(job)
        for a in case.expect:
            run.checks.append(await checks.check_end(a, transcript, grader, note))

    async def _debrief(self, job: Job, case: DebriefCase, run: CaseRun) -> None:
        from sparring.evaluation.debrief import build_debrief
        from sparring.evaluation.texts import load_debrief_texts, load_feedback_tips

        if case.transcript:
            transcript = job.prep.transcripts[case.id]
            run.transcript = transcript
        else:
            assert case.persona is not None
            transcript = await self._play(job, case.persona, case.difficulty, case.coach, None,
                                          self._seed(case.seed, job.repeat), run)
        prompts = self.settings.prompts_dir
        debrief = build_debrief(transcript, texts=load_debrief_texts(prompts), tips=load_feedback_tips(prompts))
        run.debrief = debrief.model_dump(mode="json")
        for a in case.expect:
            if isinstance(a, DebriefCheck):
                run.checks.append(checks.check_debrief(a, run.debrief))
            else:
                run.checks.append(await checks.check_end(a, transcript, None, ""))


def full_labels(item: AnnotationCase) -> CodesCheck:
    """The item's labels with every code explicit: unset means absent (none / false)."""
    given = item.labels.model_dump(exclude={"type", "name"}) if item.labels else {}
    values = {k: (v if v is not None else ("none" if k in ("question", "reflection") else False))
              for k, v in given.items()} if given else {}
    for key in CodesCheck.model_fields:
        if key not in ("type", "name") and key not in values:
            values[key] = "none" if key in ("question", "reflection") else False
    return CodesCheck(type="codes", **values)


__all__ = ["ModelFactory", "RunOptions", "Runner", "full_labels"]
