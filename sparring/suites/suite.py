"""The suite file format: what a trainer or maintainer writes in `evals/*.yaml`.

Strict (`extra="forbid"`) like persona files: a misspelt assertion key must be a
line-numbered error, never a silently skipped check. Assertions are a tagged
union on `type`, so each kind documents (and validates) only its own fields.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sparring.persona.model import Difficulty, Move

Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Level = Annotated[float, Field(ge=0, le=10)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Assertion(Strict):
    name: str | None = Field(None, description="Label shown in reports (default: derived from the check).")


class ResistanceCheck(_Assertion):
    """Per turn: this turn's change and the level after it. At the end: start to finish."""

    type: Literal["resistance"]
    direction: Literal["down", "up", "same", "not_up", "not_down"] | None = None
    min: Level | None = Field(None, description="Resistance after must be at least this.")
    max: Level | None = Field(None, description="Resistance after must be at most this.")

    @model_validator(mode="after")
    def _something(self) -> ResistanceCheck:
        if self.direction is None and self.min is None and self.max is None:
            raise ValueError("a resistance check needs 'direction', 'min' or 'max'")
        return self


class ConcernCheck(_Assertion):
    """Per turn: revealed in this turn. At the end: revealed at any point."""

    type: Literal["concern"]
    id: str | None = Field(None, description="Concern id; leave out to mean any concern.")
    surfaces: Literal["first", "last"] | None = Field(
        None, description="Instead of an id: the persona's concern that surfaces first (the "
        "shallowest) or last (the deepest); for suites that run several personas.")
    revealed: bool

    @model_validator(mode="after")
    def _one_subject(self) -> ConcernCheck:
        if self.id is not None and self.surfaces is not None:
            raise ValueError("give either 'id' or 'surfaces', not both")
        return self


class MoveCheck(_Assertion):
    """Per turn: this turn's move. At the end: `any_of` needs one turn with such a move,
    `none_of` forbids it on every turn."""

    type: Literal["move"]
    any_of: list[Move] = Field(default_factory=list)
    none_of: list[Move] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> MoveCheck:
        if not self.any_of and not self.none_of:
            raise ValueError("a move check needs 'any_of' or 'none_of'")
        return self


class InCharacterCheck(_Assertion):
    """No role-play talk, assistant mode or writing the coach's lines (the engine's guard patterns)."""

    type: Literal["in-character"]


class NoAIAdmissionCheck(_Assertion):
    type: Literal["no-ai-admission"]


class ReplyCheck(_Assertion):
    """Text checks on the manager's reply; at the end, positive checks need one reply, negative ones all."""

    type: Literal["reply"]
    contains: str | None = None
    not_contains: str | None = None
    matches: str | None = Field(None, description="A Python regular expression.")
    not_matches: str | None = None
    ignore_case: bool = True

    @field_validator("matches", "not_matches")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression ({exc})") from exc
        return value

    @model_validator(mode="after")
    def _something(self) -> ReplyCheck:
        if not any((self.contains, self.not_contains, self.matches, self.not_matches)):
            raise ValueError("a reply check needs 'contains', 'not_contains', 'matches' or 'not_matches'")
        return self


class CodesCheck(_Assertion):
    """How the evaluator coded the coach's line (per turn only); unset fields are not checked."""

    type: Literal["codes"]
    question: Literal["open", "closed", "none"] | None = None
    reflection: Literal["simple", "complex", "none"] | None = None
    empathy: bool | None = None
    affirmation: bool | None = None
    goal_cocreation: bool | None = None
    neutral_observation: bool | None = None
    asking_permission: bool | None = None
    autonomy: bool | None = None
    directive: bool | None = None
    arguing: bool | None = None
    judging: bool | None = None
    pulling_rank: bool | None = None


class RubricCheck(_Assertion):
    """Graded by the judge model; skipped (with a note) when only `fake` or `local` is configured."""

    type: Literal["llm-rubric"]
    rubric: str = Field(min_length=3, description="What a good reply (or conversation) does, in plain words.")
    min_score: float = Field(0.5, ge=0, le=1)


class DebriefCheck(_Assertion):
    """A property of the debrief, by dotted path into its JSON (`score`, `goal.cocreated`,
    `metrics.open_question_pct`, `weakest_turns[0].turn`, `practice_next`)."""

    type: Literal["debrief"]
    path: str = Field(pattern=r"^[a-z_]+(\[\d+\])?(\.[a-z_]+(\[\d+\])?)*$")
    equals: Any = None
    min: float | None = None
    max: float | None = None
    contains: str | None = Field(None, description="Text that the value (or one list item) contains.")
    length: int | None = Field(None, ge=0, description="Length of a list value.")

    @model_validator(mode="after")
    def _something(self) -> DebriefCheck:
        if self.equals is None and self.min is None and self.max is None and self.contains is None \
                and self.length is None:
            raise ValueError("a debrief check needs 'equals', 'min', 'max', 'contains' or 'length'")
        return self


TurnAssertion = Annotated[
    ResistanceCheck | ConcernCheck | MoveCheck | InCharacterCheck | NoAIAdmissionCheck | ReplyCheck
    | CodesCheck | RubricCheck,
    Field(discriminator="type"),
]
EndAssertion = Annotated[
    ResistanceCheck | ConcernCheck | MoveCheck | InCharacterCheck | NoAIAdmissionCheck | ReplyCheck
    | RubricCheck,
    Field(discriminator="type"),
]
DebriefAssertion = Annotated[
    DebriefCheck | ResistanceCheck | ConcernCheck | MoveCheck,
    Field(discriminator="type"),
]
Assertion = ResistanceCheck | ConcernCheck | MoveCheck | InCharacterCheck | NoAIAdmissionCheck \
    | ReplyCheck | CodesCheck | RubricCheck | DebriefCheck


class CoachTurn(Strict):
    """One scripted coach line; a plain string in the file is the same as `{say: ...}`."""

    say: str = Field(min_length=1, max_length=4000)
    expect: list[TurnAssertion] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        return {"say": value} if isinstance(value, str) else value


class PersonaCase(Strict):
    id: Id
    description: str = ""
    persona: str | None = Field(None, description="Overrides the suite's persona.")
    difficulty: Difficulty | None = Field(None, description="Overrides the suite's difficulty.")
    seed: int | None = Field(None, description="Seed for moves, sampling and the simulated coach.")
    coach: list[CoachTurn] | None = Field(None, description="Scripted coach lines, one per turn.")
    strategy: str | None = Field(None, description="A simulated coach: the id of a file in the coaches folder.")
    turns: int | None = Field(None, ge=1, le=30, description="Turns the simulated coach plays.")
    expect: list[EndAssertion] = Field(default_factory=list, description="Checked after the last turn.")

    @model_validator(mode="after")
    def _one_coach(self) -> PersonaCase:
        if (self.coach is None) == (self.strategy is None):
            raise ValueError("a case needs either 'coach' (scripted lines) or 'strategy' (a simulated coach)")
        if self.strategy is not None and self.turns is None:
            raise ValueError("a 'strategy' case needs 'turns' (how many turns the simulated coach plays)")
        if self.coach is not None and not self.coach:
            raise ValueError("'coach' needs at least one line")
        return self


class AnnotationCase(Strict):
    id: Id
    text: str = Field(min_length=1)
    context: str | None = None
    labels: CodesCheck | None = Field(None, description="Expected codes; unset codes are expected absent.")
    split: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _tag_labels(cls, value: Any) -> Any:
        if isinstance(value, dict) and isinstance(value.get("labels"), dict):
            value = {**value, "labels": {"type": "codes", **value["labels"]}}
        return value


class SuiteBase(Strict):
    """What every suite file has; each kind (`evals/kinds`) adds `kind` and its cases."""

    name: Id
    description: str = ""
    models: list[str] = Field(default_factory=list, description="Models to run on; --model overrides.")
    judge_model: str | None = Field(None, description="Model for llm-rubric checks; --judge-model overrides.")
    min_pass_rate: float = Field(1.0, ge=0, le=1, description="With --repeat: share of runs a case must pass.")
