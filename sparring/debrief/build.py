"""The end-of-session debrief: numbers a trainer reads, the turns worth a second look,
and three concrete things to practise.

`build_debrief` is pure and needs no model (template alternatives), so a debrief
is always available; `build_debrief_llm` only improves the suggested lines and
falls back to the templates turn by turn.
"""

from __future__ import annotations

import re
from typing import Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage
from pydantic import BaseModel, ConfigDict, Field

from sparring.coding.codes import TurnCoder, TurnCodes
from sparring.debrief.feedback import present_codes, summary_for, tip_for
from sparring.debrief.report import debrief_markdown, transcript_markdown
from sparring.debrief.scoring import Metrics, Scores, compute_metrics, practice_conditions, score
from sparring.debrief.texts import (
    DebriefTexts,
    FeedbackTips,
    Weakness,
    load_debrief_texts,
    load_feedback_tips,
)
from sparring.engine.transcript import Transcript, TurnRecord
from sparring.persona.model import Difficulty, Move
from sparring.prompts import load_prompt
from sparring.settings import Settings

__all__ = [
    "Debrief",
    "GoalOutcome",
    "TurnNote",
    "build_debrief",
    "build_debrief_llm",
    "transcript_markdown",
]

GOAL_MOVES = (Move.PROPOSE_GOAL, Move.AGREE_NEXT_STEP)
#: Weight of each code when ranking turns; pushing moves weigh most, as they cost most trust.
TURN_WEIGHTS: dict[str, float] = {
    "open_question": 1.0,
    "closed_question": -0.5,
    "simple_reflection": 1.0,
    "complex_reflection": 2.0,
    "empathy": 1.0,
    "affirmation": 0.5,
    "goal_cocreation": 1.5,
    "neutral_observation": 0.5,
    "asking_permission": 1.0,
    "autonomy": 0.5,
    "directive": -2.0,
    "arguing": -2.0,
    "judging": -2.0,
    "pulling_rank": -2.0,
}
_WEAKNESS_ORDER: tuple[Weakness, ...] = ("pulling_rank", "judging", "arguing", "directive", "closed_question")


class GoalOutcome(BaseModel):
    """Whether the manager, not the coach, owned a goal or next step by the end."""

    model_config = ConfigDict(extra="forbid")

    cocreated: bool
    turn: int | None = Field(None, description="First turn the manager proposed a goal or agreed a next step.")
    move: Move | None = None
    commitments: list[str] = Field(default_factory=list)


class TurnNote(BaseModel):
    model_config = ConfigDict(extra="forbid")

    turn: int
    coach: str
    codes: str = Field(description="Compact code list, e.g. 'open question · empathy'.")
    reason: str
    resistance_change: float
    alternative: str | None = None
    alternative_source: Literal["template", "model"] | None = None


class TriedAgain(BaseModel):
    """A turn the coach went back to: what they said first, and what they said instead."""

    model_config = ConfigDict(extra="forbid")

    turn: int
    first: TurnNote
    then: TurnNote | None = Field(None, description="None when the coach went back and then ended there.")


class Debrief(BaseModel):
    """Everything shown after a session; JSON via `model_dump`, text via `to_markdown`."""

    model_config = ConfigDict(extra="forbid")

    persona_name: str
    difficulty: Difficulty
    metrics: Metrics
    score: int = Field(ge=0, le=100, description="Overall score; formula in `scoring.score`.")
    subscores: Scores
    goal: GoalOutcome
    resistance_timeline: list[float]
    best_turns: list[TurnNote] = Field(max_length=2)
    weakest_turns: list[TurnNote] = Field(max_length=2)
    practice_next: list[str] = Field(min_length=3, max_length=3)
    surface_agreement: int = Field(
        0, description="Turns where the manager went along with unasked advice without trust ('comply')."
    )
    talk_types: dict[str, int] = Field(
        default_factory=dict, description="The manager's MI talk over the session: change / neutral / sustain turns."
    )
    ended: bool = Field(False, description="The manager ended the conversation (hard difficulty).")
    tried_again: list[TriedAgain] = Field(default_factory=list, description="Turns the coach went back to.")

    def to_markdown(self) -> str:
        return debrief_markdown(self)


def goal_outcome(transcript: Transcript) -> GoalOutcome:
    for turn in transcript.turns:
        if turn.move in GOAL_MOVES:
            return GoalOutcome(
                cocreated=True, turn=turn.index, move=turn.move, commitments=list(transcript.state.commitments)
            )
    state = transcript.state
    return GoalOutcome(
        cocreated=state.goal_proposed or bool(state.commitments), commitments=list(state.commitments)
    )


def turn_value(codes: TurnCodes) -> float:
    return sum(TURN_WEIGHTS.get(name, 0.0) for name in present_codes(codes))


def weakness(codes: TurnCodes) -> Weakness:
    present = {name for name in _WEAKNESS_ORDER if getattr(codes, name, False)}
    if codes.question == "closed":
        present.add("closed_question")
    return next((name for name in _WEAKNESS_ORDER if name in present), "default")


def _change(turn: TurnRecord) -> float:
    return round(turn.resistance_after - turn.resistance_before, 2)


def _note(turn: TurnRecord, tips: FeedbackTips) -> TurnNote:
    change = _change(turn)
    moved = "rose" if change > 0 else "fell" if change < 0 else "held"
    reason = f"{tip_for(turn.codes, tips)} Resistance {moved}"
    reason += f" ({change:+.1f})." if change else "."
    return TurnNote(
        turn=turn.index,
        coach=turn.coach,
        codes=summary_for(turn.codes, tips),
        reason=reason,
        resistance_change=change,
    )


def pick_turns(turns: list[TurnRecord]) -> tuple[list[TurnRecord], list[TurnRecord]]:
    """Two best turns (positive value), then the two weakest of the rest (value below 1)."""
    ranked = sorted(turns, key=lambda t: (turn_value(t.codes), -_change(t), -t.index), reverse=True)
    best = [t for t in ranked if turn_value(t.codes) > 0][:2]
    rest = [t for t in reversed(ranked) if t not in best and turn_value(t.codes) < 1]
    return best, rest[:2]


def build_debrief(
    transcript: Transcript,
    *,
    alternatives: dict[int, str] | None = None,
    texts: DebriefTexts | None = None,
    tips: FeedbackTips | None = None,
) -> Debrief:
    """The debrief from the transcript alone. `alternatives` (turn index -> line)
    replaces the template suggestion for those weak turns."""
    texts = texts or load_debrief_texts()
    tips = tips or load_feedback_tips()
    alternatives = alternatives or {}
    codes = [t.codes for t in transcript.turns]
    timeline = transcript.resistance_timeline()
    metrics = compute_metrics(codes, timeline)
    goal = goal_outcome(transcript)
    scores = score(metrics, goal.cocreated)
    best, weak = pick_turns(transcript.turns)
    weak_notes = []
    for turn in weak:
        note = _note(turn, tips)
        given = alternatives.get(turn.index)
        note.alternative = given or texts.alternatives[weakness(turn.codes)]
        note.alternative_source = "model" if given else "template"
        weak_notes.append(note)
    conditions = practice_conditions(metrics, goal.cocreated)
    practice = [item.text for item in texts.practice if item.when in conditions]
    return Debrief(
        persona_name=transcript.persona_name,
        difficulty=transcript.difficulty,
        metrics=metrics,
        score=scores.overall,
        subscores=scores,
        goal=goal,
        resistance_timeline=timeline,
        best_turns=[_note(t, tips) for t in best],
        weakest_turns=weak_notes,
        practice_next=list(dict.fromkeys(practice))[:3],
        talk_types={k: sum(t.talk_type == k for t in transcript.turns) for k in ("change", "neutral", "sustain")},
        surface_agreement=sum(t.move is Move.COMPLY for t in transcript.turns),
        ended=transcript.state.ended,
        tried_again=tried_again(transcript, tips),
    )


def tried_again(transcript: Transcript, tips: FeedbackTips) -> list[TriedAgain]:
    """Each branch's first turn beside the next attempt at the same turn: a later branch's, or
    the conversation's as it stands."""
    out = []
    for i, branch in enumerate(transcript.branches):
        later = [t for b in transcript.branches[i + 1:] for t in b.turns] + transcript.turns
        then = next((t for t in later if t.index == branch.from_turn), None)
        out.append(TriedAgain(turn=branch.from_turn, first=_note(branch.turns[0], tips),
                              then=_note(then, tips) if then else None))
    return out


def context_before(transcript: Transcript, index: int) -> str:
    """What the manager said just before coach turn `index` (1-based)."""
    return transcript.line_before(index)


_LABEL = re.compile(r"^\s*(?:coach|alternative|instead|answer)\s*:\s*", re.IGNORECASE)


def clean_alternative(raw: str, original: str, coder: TurnCoder | None = None) -> str | None:
    """The model's line, or None when it is unusable: empty, too short or long, the
    original again, or (when a coder is given) itself a pushing move."""
    lines = [ln.strip() for ln in raw.strip().splitlines() if ln.strip()]
    if not lines:
        return None
    line = _LABEL.sub("", lines[0]).strip().strip("\"'“”‘’").strip()
    if not 15 <= len(line) <= 300:
        return None
    if " ".join(line.lower().split()) == " ".join(original.lower().split()):
        return None
    if coder is not None and coder.code(line, None).is_weak:
        return None
    return line


async def build_debrief_llm(
    transcript: Transcript,
    model: BaseChatModel,
    settings: Settings,
    *,
    coder: TurnCoder | None = None,
) -> Debrief:
    """As `build_debrief`, with the model writing each weak turn's alternative.
    Any model error or unusable line keeps that turn's template."""
    texts = load_debrief_texts(settings.prompts_dir)
    tips = load_feedback_tips(settings.prompts_dir)
    draft = build_debrief(transcript, texts=texts, tips=tips)
    template = load_prompt(settings.prompts_dir, "debrief_alternative")
    by_index = {t.index: t for t in transcript.turns}
    alternatives: dict[int, str] = {}
    for note in draft.weakest_turns:
        prompt = template.render(
            persona_name=transcript.persona_name,
            context=context_before(transcript, note.turn),
            coach=note.coach,
            problem=tip_for(by_index[note.turn].codes, tips),
        )
        try:
            answer = await model.ainvoke([HumanMessage(content=prompt)])
        except Exception:  # a debrief must not fail because a model did: keep the template
            continue
        line = clean_alternative(str(answer.content), note.coach, coder)
        if line:
            alternatives[note.turn] = line
    return build_debrief(transcript, alternatives=alternatives, texts=texts, tips=tips)
