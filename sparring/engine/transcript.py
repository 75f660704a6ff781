"""The record of a practice session: shared by the engine, the evaluator's
debrief, storage, exports and eval suites. Plain pydantic data, so a session
can be saved and resumed with its hidden state exactly as it was."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sparring.coding.codes import TurnCodes
from sparring.persona.model import Difficulty, Move, TalkType


class ManagerState(BaseModel):
    """The manager's hidden state. Changes only through the engine's rules."""

    model_config = ConfigDict(extra="forbid")

    resistance: float = Field(ge=0, le=10)
    revealed: list[str] = Field(default_factory=list, description="Concern ids revealed so far.")
    commitments: list[str] = Field(default_factory=list, description="Next steps the manager agreed to.")
    goal_proposed: bool = Field(False, description="The manager has proposed a goal of their own.")
    closed_streak: int = Field(0, description="Closed or leading questions in a row.")
    turn: int = 0
    used_lines: list[str] = Field(
        default_factory=list, description="Bank lines already said (or adapted): never said twice."
    )
    past_limit: int = Field(0, description="Turns in a row the manager was pushed past their limit.")
    pushed: int = Field(0, description="Turns of unasked advice or arguing so far (see policy.COMPLY_AFTER).")
    ended: bool = Field(False, description="The manager ended the conversation.")
    permission_granted: bool = Field(
        False,
        description="The coach's last turn asked permission to give advice and the manager said yes "
        "(see dynamics.advice_permitted); covers the next turn only.",
    )

    @model_validator(mode="before")
    @classmethod
    def _migrate(cls, value: object) -> object:
        # Saved before the manager could say no: asking was taken as a yes.
        if isinstance(value, dict) and "permission_asked" in value:
            value = dict(value)
            value.setdefault("permission_granted", value.pop("permission_asked"))
        return value

    @property
    def level(self) -> int:
        """Resistance as the whole number shown to people."""
        return round(self.resistance)


class Timing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_token_s: float | None = None
    total_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0


class TurnRecord(BaseModel):
    """One coach turn and the manager's reply to it."""

    model_config = ConfigDict(extra="forbid")

    index: int = Field(description="1-based turn number.")
    coach: str
    manager: str
    codes: TurnCodes
    move: Move
    resistance_before: float
    resistance_after: float
    revealed_now: list[str] = Field(default_factory=list)
    talk_type: TalkType = Field("neutral", description="MI client talk: change, neutral or sustain.")
    spoken: Literal["model", "bank", "fallback"] = Field(
        "model", description="Who wrote the words: the model, the line bank, or the bank after guards failed."
    )
    attempts: int = Field(1, description="Generations tried before the guards accepted one.")
    fallback: bool = Field(False, description="The persona's own example line was used.")
    guard_failures: list[str] = Field(default_factory=list)
    timing: Timing = Field(default_factory=Timing)
    judged: TurnCodes | None = Field(
        None, description="The LLM judge's codes for this turn, when it ran and differed from the rules'."
    )
    state_before: ManagerState | None = Field(
        None, description="The hidden state before this turn, so the coach can go back and try it again."
    )


class Branch(BaseModel):
    """Turns the coach took back ("what if"): kept for the debrief, no longer in the conversation."""

    model_config = ConfigDict(extra="forbid")

    from_turn: int = Field(description="The turn the coach went back to; these turns started there.")
    turns: list[TurnRecord]
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class Transcript(BaseModel):
    model_config = ConfigDict(extra="forbid")

    persona_id: str
    persona_name: str
    difficulty: Difficulty
    opening: str
    started_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    state: ManagerState
    turns: list[TurnRecord] = Field(default_factory=list)
    branches: list[Branch] = Field(default_factory=list, description="Abandoned branches, oldest first.")

    def line_before(self, index: int | None = None) -> str:
        """What the manager said just before coach turn `index` (1-based; default: the next
        turn): the context every coder, judge and debrief reads a coach line against."""
        before = [t for t in self.turns if index is None or t.index < index]
        return before[-1].manager if before else self.opening

    def best_coded(self) -> Transcript:
        """The transcript with the judge's codes where it produced them: the debrief scores the
        best coding available, while each turn keeps the engine's own in `codes`."""
        if not any(t.judged for t in self.turns):
            return self
        turns = [t.model_copy(update={"codes": t.judged or t.codes}) for t in self.turns]
        return self.model_copy(update={"turns": turns})

    def resistance_timeline(self) -> list[float]:
        """Resistance at the start and after each turn."""
        start = self.turns[0].resistance_before if self.turns else self.state.resistance
        return [start, *(t.resistance_after for t in self.turns)]
