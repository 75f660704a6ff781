"""The coding scheme for one coach turn, shared by both evaluator tiers and the persona engine.

Close to MITI 4.2 (questions, simple/complex reflections, affirm, persuade
without permission) with flags for workplace power moves. `prompts/coding_scheme.md`
defines each code for humans and for the LLM judge.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from sparring.coding import scheme

QuestionCode = Literal["open", "closed"]
ReflectionCode = Literal["simple", "complex"]

#: Boolean codes, in the order reports show them (defined once in `scheme.py`).
FLAGS: tuple[str, ...] = scheme.FLAGS


class TurnCodes(BaseModel):
    """Codes for one coach turn. `reasons` maps a code name to the words that triggered it."""

    model_config = ConfigDict(extra="forbid")

    question: QuestionCode | None = None
    reflection: ReflectionCode | None = None
    empathy: bool = Field(False, description="Acknowledges or validates feelings, pressures or perspective.")
    affirmation: bool = Field(False, description="Recognises the manager's effort, strengths or expertise.")
    goal_cocreation: bool = Field(
        False, description="Invites the manager to shape goals, agenda, options or next steps; asks permission."
    )
    neutral_observation: bool = Field(
        False, description="Names an observation as a neutral fact, then asks about it (a skill)."
    )
    asking_permission: bool = Field(
        False, description="Asks permission before giving advice, information or feedback (a skill)."
    )
    autonomy: bool = Field(False, description="Emphasises the manager's autonomy: the choice is theirs (a skill).")
    directive: bool = Field(False, description="Advice, instruction or persuasion without permission.")
    arguing: bool = Field(False, description="Argues, confronts or disputes the manager's view.")
    judging: bool = Field(False, description="Judges or labels the manager.")
    pulling_rank: bool = Field(False, description="Cites a mandate, authority or consequences as leverage.")
    reasons: dict[str, str] = Field(default_factory=dict)

    @property
    def is_weak(self) -> bool:
        """Turns a trainer would flag: pushing instead of exploring."""
        return self.directive or self.arguing or self.judging or self.pulling_rank

    @property
    def is_strong(self) -> bool:
        return not self.is_weak and (
            self.question == "open"
            or self.reflection == "complex"
            or self.goal_cocreation
            or (self.reflection is not None and self.empathy)
        )


class TurnCoder(Protocol):
    """Anything that codes a coach turn, given the manager turn before it (or None)."""

    def code(self, text: str, context: str | None) -> TurnCodes: ...
