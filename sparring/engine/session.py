"""One practice conversation: code the coach's turn, move the hidden state, pick a
move, let the model voice it, guard the words, and only then commit.

Nothing is committed until a reply is accepted (or the fallback line is
used), so a model failure mid-turn leaves the session exactly as it was and
the coach can resend the same line.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from sparring.coding.codes import TurnCoder
from sparring.engine.dynamics import apply_codes, as_heard
from sparring.engine.events import Done, Event, Token
from sparring.engine.injection import detect_injection
from sparring.engine.policy import choose_move, commit
from sparring.engine.prompt import build_messages, prefix_messages, render_system_prompt
from sparring.engine.rewind import rewind
from sparring.engine.stream import Outcome, guarded_stream, without_rubric
from sparring.engine.transcript import Branch, ManagerState, Timing, Transcript, TurnRecord
from sparring.engine.watch import PersonaWatch
from sparring.errors import UserError
from sparring.persona.model import Difficulty, Persona
from sparring.providers.profile import ModelProfile, profile_of
from sparring.settings import Settings
from sparring.tokens import count_tokens

#: Longest coach turn accepted; longer text is almost always a paste, not a line of dialogue.
MAX_COACH_CHARS = 4000
#: C0/C1 control characters except tab and newline: invisible, they confuse the coder and the
#: model, and PostgreSQL cannot store NUL in text at all.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Generations tried per turn before the persona's own line is used.
DEFAULT_ATTEMPTS = 3

Clock = Callable[[], float]
_PIECE = re.compile(r"\S+\s*")


def _pieces(text: str) -> list[str]:
    """A bank line as word-sized stream pieces (leading space kept with the word before)."""
    return _PIECE.findall(text) or [text]


def _default_coder() -> TurnCoder:
    from sparring.coding.learned import default_coder

    return default_coder()


class PracticeSession:
    """The engine's public face; see docs/ENGINE.md for the pipeline."""

    def __init__(
        self,
        persona: Persona,
        difficulty: Difficulty,
        model: BaseChatModel,
        settings: Settings,
        coder: TurnCoder | None = None,
        seed: int | None = None,
        *,
        transcript: Transcript | None = None,
        max_attempts: int | None = None,
        clock: Clock = time.perf_counter,
        profile: ModelProfile | None = None,
    ) -> None:
        self.persona = persona
        self.difficulty = difficulty
        self.model = model
        self.settings = settings
        self.coder = coder if coder is not None else _default_coder()
        self.seed = settings.seed if seed is None else seed
        self.profile = profile if profile is not None else profile_of(model, settings)
        self.max_attempts = max(1, max_attempts if max_attempts is not None else self.profile.max_attempts)
        self.clock = clock
        self.transcript = transcript or Transcript(
            persona_id=persona.id,
            persona_name=persona.name,
            difficulty=difficulty,
            opening=persona.opening_line,
            state=ManagerState(resistance=persona.starting_resistance[difficulty]),
        )
        self.system_prompt = render_system_prompt(persona, difficulty, settings)
        self._watch = PersonaWatch.of(persona, self.system_prompt)

    @classmethod
    def resume(
        cls,
        transcript: Transcript,
        persona: Persona,
        model: BaseChatModel,
        settings: Settings,
        coder: TurnCoder | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> PracticeSession:
        """Continue a saved session with its hidden state exactly as it was."""
        if transcript.persona_id != persona.id:
            raise UserError(
                f"This transcript is a session with persona '{transcript.persona_id}', "
                f"not '{persona.id}': resume it with --persona {transcript.persona_id}."
            )
        return cls(
            persona,
            transcript.difficulty,
            model,
            settings,
            coder,
            seed,
            transcript=transcript.model_copy(deep=True),
            **kwargs,
        )

    async def warm_up(self) -> bool:
        """Evaluate the prompt prefix the next turn will share, while the coach reads and types.

        Call it after the opening line and again after every reply (embedded model only).
        SmolLM2 on one CPU thread evaluates only ~40-50 prompt tokens/s; done beside the
        coach's typing, the next turn evaluates just the coach's line and the turn note,
        because llama.cpp reuses the evaluated prefix, so turn 20 starts about as fast as
        turn 1. Returns False when there is nothing to gain or the warm-up failed (the
        next turn then reports any real problem).
        """
        # Loading the token counter's encoding takes ~2 s once per process; do it here, in a
        # thread, rather than inside the first turn's prompt budget (any model).
        await asyncio.to_thread(count_tokens, self.opening)
        if not self.profile.warm_up or not self.profile.calls_model:
            return False  # nothing to warm: a bank-speaking manager never calls the model
        prefix = prefix_messages(
            self.persona,
            self.settings,
            system_prompt=self.system_prompt,
            opening=self.opening,
            turns=self.transcript.turns,
        )
        try:
            await self.model.ainvoke(prefix, max_tokens=1)
        except Exception:  # a warm-up must never break a session
            return False
        return True

    @property
    def opening(self) -> str:
        return self.transcript.opening

    @property
    def state(self) -> ManagerState:
        return self.transcript.state

    @staticmethod
    def validate(coach_text: str) -> str:
        """The coach line to use, or a UserError saying what is wrong with it."""
        text = _CONTROL.sub("", coach_text.replace("\r\n", "\n").replace("\r", "\n")).strip()
        if not text:
            raise UserError("Your message is empty: type what you would say to the manager.")
        if len(text) > MAX_COACH_CHARS:
            raise UserError(
                f"Your message is {len(text):,} characters; the limit is {MAX_COACH_CHARS:,}. "
                "Say it in fewer words, as you would in a conversation."
            )
        return text

    def _context(self) -> str:
        return self.transcript.line_before()

    def rewind(self, turn: int) -> Branch:
        """Go back to before `turn`: the hidden state is as it was then; the turns taken
        back are kept in `transcript.branches` for the debrief."""
        return rewind(self.transcript, turn)

    async def reply(self, coach_text: str) -> TurnRecord:
        """The same turn as `turn`, without streaming."""
        record: TurnRecord | None = None
        async for event in self.turn(coach_text):
            if isinstance(event, Done):
                record = event.record
        if record is None:  # pragma: no cover - turn() always ends with Done or raises
            raise RuntimeError("turn() ended without a Done event")
        return record

    async def turn(self, coach_text: str) -> AsyncIterator[Event]:
        """Stream the manager's reply to one coach line; the state is committed at `Done`."""
        text = self.validate(coach_text)
        async for event in self._turn(text):
            yield event

    async def _turn(self, coach_text: str) -> AsyncIterator[Event]:
        started = self.clock()
        before = self.transcript.state
        if before.ended:
            raise UserError(
                f"{self.persona.name} has ended the conversation. Start a new practice, "
                "or look at the debrief to see where it turned."
            )
        coded = self.coder.code(coach_text, self._context())
        moved, delta = apply_codes(before, coded, self.persona.dynamics, self.difficulty)
        codes = as_heard(coded, before)  # advice the coach asked permission for is not unasked advice
        decision = choose_move(
            before,
            moved,
            codes,
            delta.applied,
            self.persona,
            coach_text,
            self.seed,
            injection=detect_injection(coach_text),
            used=frozenset(t.manager for t in self.transcript.turns),
        )
        failures: list[str] = []
        first_token: float | None = None
        final: str | None = None
        attempts = 0
        messages: list[BaseMessage] = []
        if self.profile.calls_model:  # a bank-speaking manager builds no prompt at all
            messages = build_messages(
                self.persona,
                self.difficulty,
                self.settings,
                opening=self.transcript.opening,
                turns=self.transcript.turns,
                coach_text=coach_text,
                decision=decision,
                state=moved,
                system_prompt=self.system_prompt,
                adapt=self.profile.speaking == "bank",
            )
            ctx = self._watch.context(coach_text, decision, before, str(messages[-1].content), self.transcript)
        while final is None and attempts < (self.max_attempts if messages else 0):
            attempts += 1
            seed = self.seed + 1000 * moved.turn + attempts
            outcome = Outcome()
            async for event in without_rubric(guarded_stream(self.model, messages, ctx, seed, outcome), outcome):
                if isinstance(event, Token) and first_token is None:
                    first_token = self.clock() - started
                yield event
            if outcome.failure:
                failures.append(outcome.failure)
            else:
                final = outcome.text
        fallback = final is None
        if final is None:
            final = decision.example
            if first_token is None:
                first_token = self.clock() - started
            for piece in _pieces(final):  # streamed like a model's tokens, so every UI path is the same
                yield Token(piece)
        if self.transcript.state is not before:
            raise UserError("Another reply finished first: send one line at a time and wait for the reply.")
        after = commit(moved, decision, final)
        record = TurnRecord(
            index=after.turn,
            coach=coach_text,
            manager=final,
            codes=codes,
            move=decision.move,
            resistance_before=before.resistance,
            resistance_after=after.resistance,
            revealed_now=[decision.reveal.id] if decision.reveal is not None else [],
            talk_type=decision.talk,
            spoken="model" if not fallback else "bank" if not failures else "fallback",
            attempts=attempts,
            fallback=fallback and bool(failures),
            guard_failures=failures,
            state_before=before.model_copy(deep=True),
            timing=Timing(
                first_token_s=first_token,
                total_s=self.clock() - started,
                prompt_tokens=sum(count_tokens(str(m.content)) for m in messages),
                completion_tokens=count_tokens(final),
            ),
        )
        self.transcript.turns.append(record)
        self.transcript.state = after
        yield Done(record)
