"""Running prepared suites: every case run is a job, jobs share one bounded pool.

Jobs of all suites go through one `asyncio.Semaphore`, so `--concurrency`
bounds cases in flight across the whole run. Cases on the embedded model run
one at a time, grouped by persona (see `schedule`): concurrency pays off
while waiting on hosted endpoints, not on one in-process model. A model
failure makes that job an `error` and the rest keep running; configuration
problems were already caught by `prepare`. What a case *is* and how it runs
belongs to its suite kind (`evals/kinds`); the runner only owns models, the pool
and the practice every played case goes through.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel

from sparring.errors import USER_FACING
from sparring.persona.model import Difficulty
from sparring.practice import Practice, judge_plan
from sparring.providers.profile import profile_for
from sparring.settings import Settings
from sparring.suites import assertions as checks
from sparring.suites.cache import CachingChatModel, DiskCache
from sparring.suites.kinds import kind_of
from sparring.suites.plan import Job, Prepared, RunOptions
from sparring.suites.results import CaseRun, RunResult
from sparring.suites.rubric import make_grader, skip_note

ModelFactory = Callable[[str], BaseChatModel]


def schedule(jobs: list[Job]) -> list[Job]:
    """Run order: jobs on serial models grouped by prompt prefix (stable), after all others, so
    llama.cpp evaluates each persona's system prompt once instead of once per suite (it only
    reuses the evaluated prefix of the previous call)."""
    others = [j for j in jobs if not profile_for(j.model).serial]
    serial = sorted((j for j in jobs if profile_for(j.model).serial),
                    key=lambda j: (j.model, kind_of(j.prep.loaded.suite).prompt_prefix(j)))
    return others + serial


def uses_judge(prep: Prepared) -> bool:
    """Whether a suite needs the judge model (a judge coder or any llm-rubric check)."""
    return kind_of(prep.loaded.suite).uses_judge(prep)


@dataclass
class Runner:
    settings: Settings
    options: RunOptions = field(default_factory=RunOptions)
    factory: ModelFactory | None = None
    on_done: Callable[[CaseRun], None] | None = None
    cache: DiskCache | None = None
    _models: dict[str, BaseChatModel] = field(default_factory=dict)
    scratch: dict[str, Any] = field(default_factory=dict)

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
        return kind_of(prep.loaded.suite).specs(self, prep)

    def judge_spec(self, prep: Prepared) -> str:
        suite = prep.loaded.suite
        return (self.options.judge_model or suite.judge_model or self.settings.judge_model
                or self.options.model or (suite.models[0] if suite.models else self.settings.model))

    # -- planning ---------------------------------------------------------------------------
    def jobs(self, prepared: list[Prepared]) -> list[Job]:
        return [job for prep in prepared for job in kind_of(prep.loaded.suite).jobs(self, prep)]

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
        suites = [kind_of(prep.loaded.suite).aggregate(self, prep, [r for r in runs if r.suite == prep.name])
                  for prep in prepared if any(j.prep is prep for j in jobs)]
        return RunResult(suites=suites, seconds=round(time.perf_counter() - started, 3),
                         concurrency=self.options.concurrency, repeat=self.options.repeat,
                         cache=self.cache is not None)

    async def run_job(self, job: Job) -> CaseRun:
        started = time.perf_counter()
        run = CaseRun(suite=job.prep.name, case=job.case_id, model=job.model, repeat=job.repeat, status="pass")
        try:
            await kind_of(job.prep.loaded.suite).run(self, job, run)
        except USER_FACING as exc:
            run.status, run.error = "error", str(exc)
        except Exception as exc:  # one broken case must not end the run; it is reported instead
            run.status, run.error = "error", f"unexpected {type(exc).__name__}: {exc}"
        else:
            statuses = {c.status for c in run.checks}
            run.status = "fail" if "fail" in statuses else "skip" if statuses == {"skip"} else "pass"
        run.seconds = round(time.perf_counter() - started, 3)
        return run

    # -- what kinds ask for -----------------------------------------------------------------
    def grader(self, job: Job) -> tuple[checks.Grader | None, str]:
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

    def seed(self, case_seed: int | None, repeat: int) -> int:
        return (self.settings.seed if case_seed is None else case_seed) + 7919 * repeat

    async def practice(self, job: Job, persona_id: str, difficulty: Difficulty, seed: int,
                       run: CaseRun, *, judged: bool = False) -> Practice:
        """The same practice the web app and `sparring chat` give a coach on this model."""
        from sparring.coding.learned import default_coder
        from sparring.engine.session import PracticeSession

        persona = job.prep.personas[persona_id]
        session = PracticeSession(persona, difficulty, self.model(job.model),
                                  self.settings.with_model(job.model), coder=default_coder(), seed=seed)
        run.transcript = session.transcript
        return Practice(session, **(self._turn_judge(job) if judged else {}))

    def _turn_judge(self, job: Job) -> dict[str, Any]:
        """The judge a coach practising on this model gets (`sparring.practice.judge_plan`)."""
        from sparring.coding.judge import LLMJudge

        explicit = (self.options.judge_model or job.prep.loaded.suite.judge_model
                    or self.settings.judge_model)
        plan = judge_plan(self.settings.model_copy(update={"judge_model": explicit}), job.model)
        if not plan.enabled:
            return {}
        spec = self.judge_spec(job.prep)
        return {"judge": LLMJudge(self.judge(spec), self.settings.with_model(spec)),
                "judge_waits_for_reply": plan.waits_for_reply}


__all__ = ["ModelFactory", "RunOptions", "Runner", "schedule", "uses_judge"]
