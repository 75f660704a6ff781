"""Session metrics and the debrief score, from the coded turns of a transcript.

The counts are the ones MI trainers read off a MITI 4.2 coding (% open
questions, reflection-to-question ratio, % complex reflections) plus the
workplace power moves this project codes. Thresholds are MITI's published
"fair/competent" and "good/proficient" levels.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sparring.coding.codes import TurnCodes
from sparring.debrief.texts import PracticeCondition

#: MITI 4.2 thresholds: (competent, proficient).
OPEN_PCT_LEVELS = (50.0, 70.0)
RQ_LEVELS = (1.0, 2.0)
COMPLEX_PCT_LEVELS = (40.0, 50.0)

#: Weight of each sub-score in the overall score; sub-scores that do not apply are left out.
#: Listening and restraint carry most: played through the engine, expert-rated high- and
#: low-quality MI sessions (AnnoMI) differ most in reflections per question and in advice
#: given unasked, hardly in the share of open questions or in partnering moves
#: (`benchmarks/bench_coder_sessions.py`; AUC 0.80-0.85 with the old 0.15/0.25/0.20/0.25/0.15
#: weights, 0.88-0.90 with these).
WEIGHTS: dict[str, float] = {
    "questions": 0.10,
    "listening": 0.40,
    "partnership": 0.10,
    "restraint": 0.30,
    "outcome": 0.10,
}
#: Resistance drop (points out of 10) that earns the full resistance half of the outcome score.
FULL_DROP = 3.0


class Metrics(BaseModel):
    model_config = ConfigDict(extra="forbid")

    turns: int
    open_questions: int
    closed_questions: int
    open_question_pct: float | None = Field(description="Open questions as % of all questions; None without questions.")
    reflections: int
    complex_reflections: int
    reflection_to_question: float = Field(description="Reflections per question (questions counted as at least 1).")
    complex_reflection_pct: float | None = Field(description="% of reflections that are complex; None without reflections.")
    empathy_moments: int
    affirmations: int
    cocreation_moments: int
    neutral_observations: int
    permission_asks: int = Field(0, description="Turns asking permission before advice or information.")
    autonomy_moments: int = Field(0, description="Turns leaving the choice with the manager.")
    directive_turns: int
    arguing_turns: int
    judging_turns: int
    rank_turns: int
    pushing_turns: int = Field(description="Turns with any of advice unasked, arguing, judging, pulling rank.")
    resistance_start: float
    resistance_end: float
    resistance_peak: float
    resistance_change: float = Field(description="End minus start: negative when the manager softened.")


class Scores(BaseModel):
    """Sub-scores 0–100 and their weighted mean; see `score` for the formula."""

    model_config = ConfigDict(extra="forbid")

    questions: float | None
    listening: float
    partnership: float
    restraint: float
    outcome: float
    overall: int = Field(ge=0, le=100)


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def compute_metrics(codes: list[TurnCodes], timeline: list[float]) -> Metrics:
    """Count codes over the coach turns; `timeline` is resistance at start and after each turn."""
    open_q = sum(c.question == "open" for c in codes)
    closed_q = sum(c.question == "closed" for c in codes)
    reflections = sum(c.reflection is not None for c in codes)
    complex_r = sum(c.reflection == "complex" for c in codes)
    return Metrics(
        turns=len(codes),
        open_questions=open_q,
        closed_questions=closed_q,
        open_question_pct=_pct(open_q, open_q + closed_q),
        reflections=reflections,
        complex_reflections=complex_r,
        reflection_to_question=round(reflections / max(open_q + closed_q, 1), 2),
        complex_reflection_pct=_pct(complex_r, reflections),
        empathy_moments=sum(c.empathy for c in codes),
        affirmations=sum(c.affirmation for c in codes),
        cocreation_moments=sum(c.goal_cocreation for c in codes),
        neutral_observations=sum(c.neutral_observation for c in codes),
        permission_asks=sum(c.asking_permission for c in codes),
        autonomy_moments=sum(c.autonomy for c in codes),
        directive_turns=sum(c.directive for c in codes),
        arguing_turns=sum(c.arguing for c in codes),
        judging_turns=sum(c.judging for c in codes),
        rank_turns=sum(c.pulling_rank for c in codes),
        pushing_turns=sum(c.is_weak for c in codes),
        resistance_start=timeline[0],
        resistance_end=timeline[-1],
        resistance_peak=max(timeline),
        resistance_change=round(timeline[-1] - timeline[0], 2),
    )


def score(metrics: Metrics, goal_cocreated: bool) -> Scores:
    """Five sub-scores, each 0–100, and their weighted mean (`WEIGHTS`) as the overall score.

    - questions = % open questions / 70 (MITI proficient), capped at 100;
      left out of the mean when the coach asked no questions.
    - listening = 70 × min(1, R:Q / 1) + 30 × min(1, % complex / 50):
      one reflection per question and half of them complex earn full marks.
    - partnership = share of turns with empathy, affirmation or co-creation,
      full marks when half the turns carry one.
    - restraint = 100 × (1 − pushing turns / turns): advice unasked, arguing,
      judging and pulling rank all cost the same.
    - outcome = 50 if a goal was co-created + 50 × min(1, resistance drop / 3 points).
    With no turns every sub-score is 0.
    """
    n = metrics.turns
    if n == 0:
        return Scores(questions=None, listening=0, partnership=0, restraint=0, outcome=0, overall=0)
    questions = None
    if metrics.open_question_pct is not None:
        questions = min(100.0, 100.0 * metrics.open_question_pct / OPEN_PCT_LEVELS[1])
    complex_share = (metrics.complex_reflection_pct or 0.0) / COMPLEX_PCT_LEVELS[1]
    listening = 70.0 * min(1.0, metrics.reflection_to_question / RQ_LEVELS[0]) + 30.0 * min(1.0, complex_share)
    partnering_turns = min(n, metrics.empathy_moments + metrics.affirmations + metrics.cocreation_moments)
    partnership = min(100.0, 100.0 * partnering_turns / (0.5 * n))
    restraint = 100.0 * (1 - metrics.pushing_turns / n)
    drop = max(0.0, -metrics.resistance_change)
    outcome = (50.0 if goal_cocreated else 0.0) + 50.0 * min(1.0, drop / FULL_DROP)
    parts = {
        "questions": questions,
        "listening": listening,
        "partnership": partnership,
        "restraint": restraint,
        "outcome": outcome,
    }
    used = {k: v for k, v in parts.items() if v is not None}
    overall = sum(WEIGHTS[k] * v for k, v in used.items()) / sum(WEIGHTS[k] for k in used)
    return Scores(
        questions=None if questions is None else round(questions, 1),
        listening=round(listening, 1),
        partnership=round(partnership, 1),
        restraint=round(restraint, 1),
        outcome=round(outcome, 1),
        overall=round(overall),
    )


def practice_conditions(metrics: Metrics, goal_cocreated: bool) -> set[PracticeCondition]:
    """Which practice items apply; the debrief picks the first three in file order."""
    conditions: set[PracticeCondition] = {"always"}
    checks: dict[PracticeCondition, bool] = {
        "rank_turns": metrics.rank_turns > 0,
        "judging_or_arguing": metrics.judging_turns + metrics.arguing_turns > 0,
        "directive_turns": metrics.directive_turns > 0,
        "low_open_questions": metrics.open_question_pct is not None
        and metrics.open_question_pct < OPEN_PCT_LEVELS[0],
        "low_reflection_ratio": metrics.reflection_to_question < RQ_LEVELS[0],
        "no_goal": not goal_cocreated,
        "no_empathy": metrics.empathy_moments == 0,
        "low_complex_reflections": (metrics.complex_reflection_pct or 0.0) < COMPLEX_PCT_LEVELS[0],
        "resistance_rose": metrics.resistance_change > 0,
    }
    conditions.update(name for name, holds in checks.items() if holds)
    return conditions
