"""`Practice`: the one code path for a coach turn, whichever front end drives it.

The engine (`PracticeSession`) moves the hidden state and voices the manager; around it a
practice needs the same few things everywhere: the LLM judge coding the turn beside the
first-tier coder (started so it never delays the reply's first word), the judge's codes
kept on the turn record, saving after every change, evaluating the next prompt prefix while
the coach types (embedded model), going back a turn, and the debrief. The web app,
`sparring chat`, `simulate` and the eval runner used to put these together three ways; now
each only renders what this class emits, so one scripted conversation gives the same
transcript, codes and debrief through each of them (tests/test_practice_paths.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sparring.coding.codes import TurnCodes
from sparring.engine.dynamics import as_heard
from sparring.engine.events import Done, Reset, Token
from sparring.engine.transcript import Branch, ManagerState, Transcript, TurnRecord

if TYPE_CHECKING:
    from sparring.coding.judge import JudgeResult, LLMJudge
    from sparring.debrief.build import Debrief
    from sparring.engine.session import PracticeSession
    from sparring.persona.model import Persona

log = logging.getLogger("sparring.practice")


@dataclass(frozen=True)
class Judged:
    """The LLM judge coded a turn differently from the first-tier coder. Its codes are
    already on the record (`TurnRecord.judged`) and saved; front ends only show them."""

    record: TurnRecord
    codes: TurnCodes


PracticeEvent = Token | Reset | Done | Judged
#: Persist the practice (the web app's data layer; nothing in the terminal or eval runner).
Saver = Callable[[], Awaitable[object]]
#: Run a coroutine beside the conversation; the terminal uses a thread, since its event loop
#: sleeps while the coach types.
Background = Callable[[Callable[[], Coroutine[Any, Any, Any]]], None]
JudgedHandler = Callable[[Judged], Awaitable[None]]


def _in_task(make: Callable[[], Coroutine[Any, Any, Any]]) -> None:
    task = asyncio.get_running_loop().create_task(make())
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)


_BACKGROUND: set[asyncio.Task[Any]] = set()


class Practice:
    """One coach's practice: the session and everything every front end does around a turn."""

    def __init__(
        self,
        session: PracticeSession,
        *,
        judge: LLMJudge | None = None,
        judge_waits_for_reply: bool = False,
        save: Saver | None = None,
        background: Background | None = None,
        on_judged: JudgedHandler | None = None,
    ) -> None:
        self.session = session
        self.judge = judge
        self.judge_waits_for_reply = judge_waits_for_reply
        #: front ends may set these after building the practice (the web app's saver needs
        #: the chat that holds the practice)
        self.save_hook = save
        self.on_judged = on_judged
        self._background = background or _in_task
        self._judging: set[asyncio.Task[None]] = set()

    # What front ends read.
    @property
    def transcript(self) -> Transcript:
        return self.session.transcript

    @property
    def persona(self) -> Persona:
        return self.session.persona

    @property
    def state(self) -> ManagerState:
        return self.session.state

    @property
    def opening(self) -> str:
        return self.session.opening

    def validate(self, text: str) -> str:
        return self.session.validate(text)

    async def turn(self, text: str) -> AsyncIterator[Token | Reset | Done]:
        """Stream one turn. Consume it to the end: after `Done` (rendered by the front end)
        the practice is saved and the judge or the warm-up starts. Nothing is committed if
        the model fails; the exception reaches the caller and the line can be sent again."""
        text = self.session.validate(text)
        context = self.transcript.line_before()
        judge, box, done = self.judge, list[TurnRecord](), asyncio.Event()
        early = judge is not None and not self.judge_waits_for_reply
        started = False
        try:
            async for event in self.session.turn(text):
                if isinstance(event, Done):
                    box.append(event.record)
                yield event
                if early and not started and isinstance(event, Token | Done):
                    started = True  # once the first word is shown: the judge never delays it
                    self._judge_in_background(text, context, box, done)
        finally:
            done.set()
        await self.save()
        if judge is not None and not early:
            self._judge_in_background(text, context, box, done)
        else:  # not beside a judge on the same model: both would queue and evict its cache
            self.warm_up_in_background()

    async def reply(self, text: str) -> TurnRecord:
        """A whole turn without streaming, judge included (scripts, simulations, suites)."""
        record: TurnRecord | None = None
        async for event in self.turn(text):
            if isinstance(event, Done):
                record = event.record
        if record is None:  # pragma: no cover - turn() always ends with Done or raises
            raise RuntimeError("the engine ended a turn without a Done event")
        await self.settle()
        return record

    def warm_up_in_background(self) -> None:
        """Evaluate the prompt prefix the next reply shares while the coach reads (profiles
        with `warm_up`: the embedded model); a no-op elsewhere."""
        if self.session.profile.warm_up:
            self._background(self.session.warm_up)

    def rewind(self, turn: int) -> Branch:
        """Back to before `turn`: state, revealed concerns and commitments as they were; the
        abandoned turns stay in `transcript.branches` for the debrief. A judge still coding a
        taken-back turn finds it gone and drops its codes."""
        return self.session.rewind(turn)

    def undo(self) -> Branch:
        """Take back the newest turn (`/undo`)."""
        from sparring.errors import UserError

        if not self.transcript.turns:
            raise UserError("Nothing to take back yet.")
        return self.rewind(self.transcript.turns[-1].index)

    async def save(self) -> None:
        if self.save_hook is not None:
            await self.save_hook()

    async def settle(self) -> None:
        """Wait for the judge on every turn so far (before a debrief, or in scripts)."""
        while self._judging:
            await asyncio.gather(*list(self._judging), return_exceptions=True)

    async def debrief(self) -> Debrief:
        """The debrief every front end shows: judge codes where the judge ran, and with a
        judge model the weak turns' alternatives written by it (templates otherwise)."""
        from sparring.debrief.build import build_debrief, build_debrief_llm
        from sparring.debrief.texts import load_debrief_texts, load_feedback_tips

        await self.settle()
        transcript = self.transcript.best_coded()
        settings = self.session.settings
        if self.judge is not None:
            return await build_debrief_llm(transcript, self.judge.model, settings)
        prompts = settings.prompts_dir
        return build_debrief(transcript, texts=load_debrief_texts(prompts),
                             tips=load_feedback_tips(prompts))

    def _judge_in_background(self, text: str, context: str, box: list[TurnRecord],
                             done: asyncio.Event) -> None:
        assert self.judge is not None
        task = asyncio.get_running_loop().create_task(
            self._judged(self.judge.acode(text, context), box, done))
        self._judging.add(task)
        task.add_done_callback(self._judging.discard)

    async def _judged(self, coding: Awaitable[JudgeResult], box: list[TurnRecord],
                      done: asyncio.Event) -> None:
        try:
            result = await coding
        except Exception:  # advisory only: the first-tier codes already stand
            log.exception("the judge failed on a turn")
            return
        await done.wait()
        if not box or not any(t is box[0] for t in self.transcript.turns):
            return  # the turn failed, or the coach has gone back before it meanwhile
        if result.source == "rules":
            return
        record = box[0]
        # As the manager heard it, like the first tier's codes: the judge reads only the line
        # and the manager's words, not that the manager had just said yes to advice.
        codes = as_heard(result.codes, record.state_before) if record.state_before else result.codes
        record.judged = codes
        await self.save()
        if codes != record.codes and self.on_judged is not None:
            await self.on_judged(Judged(record, codes))
