"""The persona file format: what a trainer writes in `personas/*.yaml`.

Strict on purpose (`extra="forbid"`): a misspelt key in a hand-written file
must be an error with a line number, not a silently ignored setting.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

Difficulty = Literal["easy", "realistic", "hard"]
DIFFICULTIES: tuple[Difficulty, ...] = ("easy", "realistic", "hard")

Level = Annotated[float, Field(ge=0, le=10)]


class Move(StrEnum):
    """What the manager does next; chosen by code, voiced by the model."""

    DEFLECT = "deflect"
    CHALLENGE_LEGITIMACY = "challenge_legitimacy"
    VENT = "vent"
    YES_BUT = "yes_but"
    PARTIAL_ADMISSION = "partial_admission"
    REVEAL_CONCERN = "reveal_concern"
    PROPOSE_GOAL = "propose_goal"
    AGREE_NEXT_STEP = "agree_next_step"
    ANSWER = "answer"
    COMPLY = "comply"
    END_CONVERSATION = "end_conversation"
    GRANT_PERMISSION = "grant_permission"
    DECLINE_PERMISSION = "decline_permission"


#: Moves a persona may leave without lines of its own: it then speaks a plain line
#: (`PLAIN_LINES`). Ending the conversation happens only at hard; saying yes or no to
#: "Can I share an idea?" came with the asking-permission code.
OPTIONAL_MOVES: frozenset[Move] = frozenset({Move.END_CONVERSATION, Move.GRANT_PERMISSION, Move.DECLINE_PERMISSION})
#: The moves every persona must have lines for.
CORE_MOVES: tuple[Move, ...] = tuple(m for m in Move if m not in OPTIONAL_MOVES)
#: What a persona without its own lines for an optional move says.
PLAIN_LINES: dict[Move, tuple[str, ...]] = {
    Move.END_CONVERSATION: ("I think we'll leave it there. I've got work to get back to.",),
    Move.GRANT_PERMISSION: ("Go on, then.", "Fine. What is it?", "Say it, and I'll tell you if it's any use."),
    Move.DECLINE_PERMISSION: (
        "No. I'd rather we didn't.",
        "Not really, no. I've had plenty of advice already.",
        "I'll stop you there. I don't need ideas from outside right now.",
    ),
}
#: Moves added after the first eight: their lines live in `lines`, `example_lines` may omit them.
LINES_ONLY: frozenset[Move] = frozenset({Move.ANSWER, Move.COMPLY})


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Voice(Strict):
    style: str = Field(description="How this person talks, in a sentence or two.")
    habits: list[str] = Field(default_factory=list, description="Verbal tics, phrases, rhythms.")
    never_says: list[str] = Field(
        default_factory=list, description="Words or registers out of character for them."
    )


class Power(Strict):
    requested_by: str = Field(description="Who asked for the coaching (e.g. 'HR', 'their VP', 'self').")
    seniority: Literal["junior", "peer", "senior", "much_senior"] = Field(
        description="The manager's seniority relative to the coach."
    )
    coach_type: Literal["internal", "external"] = Field(
        "external", description="Whether the coach is an employee or an outside coach."
    )
    notes: str = Field("", description="Anything else about the power dynamics.")


class Triggers(Strict):
    """Prose for the trainer and the prompt; the numeric rules are in `Dynamics`."""

    raises: list[str] = Field(description="What makes this person more resistant.")
    lowers: list[str] = Field(description="What earns this person's trust.")


def _default_pace() -> dict[Difficulty, float]:
    return {"easy": 1.4, "realistic": 0.5, "hard": 0.4}


def _default_floor() -> dict[Difficulty, float]:
    return {"easy": 1.5, "realistic": 3.0, "hard": 4.0}


def _default_open_floor() -> dict[Difficulty, float]:
    return {"easy": 0.0, "realistic": 2.0, "hard": 3.0}


class Dynamics(Strict):
    """How each coded coach behaviour moves resistance (negative lowers it).

    Rules are data so a trainer can tune one persona without touching code;
    the engine clamps the sum per turn to `max_step` so no single turn flips a persona.
    """

    open_question: float = -0.8
    closed_question: float = 0.2
    closed_question_streak: float = Field(
        0.6, description="Extra rise for each closed or leading question in a row after the first."
    )
    simple_reflection: float = -0.5
    complex_reflection: float = -1.0
    empathy: float = -0.7
    affirmation: float = -0.5
    goal_cocreation: float = -1.0
    neutral_observation: float = -0.3
    asking_permission: float = Field(
        -0.3, description="Asking before advising; such lines are usually co-creation too, so this adds a little."
    )
    autonomy: float = Field(-0.3, description="Leaving the choice with the manager: eases slightly, like affirmation.")
    directive: float = 1.2
    advice_with_permission: float = Field(
        -0.2, le=0, description="Replaces `directive` for advice right after the coach asked permission for it: "
        "advice the manager let in does not harden them (0 = neutral, negative = eases a little)."
    )
    arguing: float = 1.2
    judging: float = 1.5
    pulling_rank: float = 1.5
    max_step: float = Field(2.0, gt=0, le=5, description="Largest change in one turn, either way.")
    trust_floor: dict[Difficulty, float] = Field(
        default_factory=_default_floor,
        description="Per difficulty, resistance does not fall below this until the manager has proposed "
        "a goal and voiced `floor_concerns` concerns: good technique alone does not buy full trust.",
    )
    floor_concerns: int = Field(2, ge=0, description="Concerns voiced before the trust floor lifts.")
    open_floor: dict[Difficulty, float] = Field(
        default_factory=_default_open_floor,
        description="Per difficulty, the lowest resistance once the trust floor has lifted: even an "
        "engaged manager keeps some reserve (keep the deepest concern's reveal_below above it).",
    )
    declines_permission_at: float = Field(
        7.5, ge=0, le=10, description="When the coach asks permission to advise, the manager says no if resistance "
        "after that turn is at or above this (yes below it); advice after a no counts as unasked advice.",
    )
    walk_out_at: float = Field(
        9.5, ge=0, le=10, description="At hard, a pushy turn that leaves resistance at or above this counts toward ending."
    )
    walk_out_turns: int = Field(
        3, ge=1, description="At hard, that many such turns in a row and the manager ends the conversation."
    )
    pace: dict[Difficulty, float] = Field(
        default_factory=_default_pace,
        description="Multiplier on decreases per difficulty: how fast trust is earned.",
    )


TalkType = Literal["change", "neutral", "sustain"]

#: MI client talk each move expresses unless a line says otherwise: sustain argues for the
#: status quo, change moves toward doing something different, neutral does neither.
MOVE_TALK: dict[Move, TalkType] = {
    Move.DEFLECT: "neutral",
    Move.CHALLENGE_LEGITIMACY: "sustain",
    Move.VENT: "sustain",
    Move.YES_BUT: "sustain",
    Move.PARTIAL_ADMISSION: "change",
    Move.REVEAL_CONCERN: "neutral",
    Move.PROPOSE_GOAL: "change",
    Move.AGREE_NEXT_STEP: "change",
    Move.ANSWER: "neutral",
    Move.COMPLY: "change",
    Move.END_CONVERSATION: "sustain",
    Move.GRANT_PERMISSION: "neutral",
    Move.DECLINE_PERMISSION: "sustain",
}


class BankLine(Strict):
    """One authored line of the line bank: what the manager says when this move is chosen.

    A plain string in YAML is a line with no tags. `concern` ties a line to one hidden
    worry: it is only ever said once that worry may be voiced (revealed now or before),
    so a tagged line can refer to it freely. `topics` are extra words the coach might
    use that make this line the relevant one (the line's own words count anyway).
    """

    text: str = Field(description="The spoken line, 1–3 sentences, in the manager's voice.")
    concern: str | None = Field(None, description="Id of the concern this line touches (said only once it may be).")
    topics: list[str] = Field(default_factory=list, description="Words that make this line relevant.")
    talk: TalkType | None = Field(None, description="MI talk type if not the move's usual one.")

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: object) -> object:
        return {"text": value} if isinstance(value, str) else value


class Concern(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    text: str = Field(description="The concern in the manager's own words, as they would admit it.")
    reveal_below: Level = Field(description="May surface only when resistance is below this.")
    hint: str = Field("", description="How it leaks out before it is admitted (optional).")


class Persona(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="Stable id used on the CLI and in URLs.")
    name: str
    role: str = Field(description="Job title and team, e.g. 'Head of Warehouse Operations, 42 staff'.")
    organisation: str = Field(description="Company, industry and the pressures on it right now.")
    scenario: str = Field(description="One paragraph the coach reads before starting.")
    pattern: str = Field(description="The resistance pattern in a few words, e.g. 'the sceptic'.")
    backstory: str
    voice: Voice
    resistance_style: str = Field(description="How resistance shows up in conversation.")
    starting_resistance: dict[Difficulty, Level]
    triggers: Triggers
    dynamics: Dynamics = Field(default_factory=Dynamics)
    concerns: list[Concern] = Field(min_length=1)
    power: Power
    opening_line: str
    example_lines: dict[Move, list[str]] = Field(
        description="At least one line per move; used as style examples and as the guard fallback."
    )
    lines: dict[Move, list[BankLine]] = Field(
        default_factory=dict,
        description=(
            "The line bank: more authored lines per move (10+ with example_lines), optionally tagged "
            "by concern and topic. Weak models speak from it; strong models see lines as examples."
        ),
    )
    starters: list[str] = Field(
        default_factory=list, description="Suggested first lines for the coach in the UI."
    )

    #: `bank` per move, worked out once: every turn asks for several moves' banks twice or
    #: more (choosing the line, weighing the coach's words, the prompt), and the persona is
    #: frozen once loaded.
    _banks: dict[Move, tuple[BankLine, ...]] = PrivateAttr(default_factory=dict)
    _banks_of: int = PrivateAttr(default=0)  # `model_copy` shares private attributes

    def bank(self, move: Move) -> list[BankLine]:
        """Every line for a move: the example lines, the bank's lines and, for reveals, each
        concern's own text (tagged with it), without duplicates."""
        if self._banks_of != id(self):
            self._banks, self._banks_of = {}, id(self)
        cached = self._banks.get(move)
        if cached is None:
            cached = self._banks[move] = tuple(self._bank(move))
        return list(cached)

    def _bank(self, move: Move) -> list[BankLine]:
        out: list[BankLine] = []
        if move is Move.REVEAL_CONCERN:
            out += [BankLine(text=c.text.strip(), concern=c.id) for c in self.concerns]
            out += self.lines.get(move, [])  # always tagged (see _complete); example_lines are not
        else:
            out += [BankLine(text=t) for t in self.example_lines.get(move, [])]
            out += self.lines.get(move, [])
            if move in OPTIONAL_MOVES and not out:
                out += [BankLine(text=t) for t in PLAIN_LINES[move]]
        seen: set[str] = set()
        return [ln for ln in out if not (ln.text in seen or seen.add(ln.text))]  # type: ignore[func-returns-value]

    @model_validator(mode="after")
    def _complete(self) -> Persona:
        # `answer` and `comply` came with the line bank: optional (without them the manager
        # dodges or pushes back instead), and their lines usually live in `lines`; `validate`
        # reports a missing one as a coverage gap.
        missing = [m.value for m in CORE_MOVES if m not in LINES_ONLY and not self.example_lines.get(m)]
        if missing:
            raise ValueError(f"example_lines needs at least one line for: {', '.join(missing)}")
        absent = [d for d in ("easy", "realistic", "hard") if d not in self.starting_resistance]
        if absent:
            raise ValueError(f"starting_resistance needs a value for: {', '.join(absent)}")
        ids = [c.id for c in self.concerns]
        if len(ids) != len(set(ids)):
            raise ValueError("concern ids must be unique")
        unknown = sorted({ln.concern for ls in self.lines.values() for ln in ls if ln.concern} - set(ids))
        if unknown:
            raise ValueError(f"lines name unknown concern ids: {', '.join(unknown)}")
        untagged = [ln.text for ln in self.lines.get(Move.REVEAL_CONCERN, []) if not ln.concern]
        if untagged:
            raise ValueError(f"reveal_concern lines need a concern tag: {untagged[0]!r}")
        return self
