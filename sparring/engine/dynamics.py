"""How a coded coach turn moves the manager's resistance.

Rules, not model judgement: each code present in `TurnCodes` contributes the
weight the persona file gives it (`persona.dynamics`), decreases are scaled
by the difficulty's pace, and the net change is clamped to `max_step`. A turn
that mixes a reflection with unrequested advice therefore nets out instead of
counting only its best or worst part. `explain_delta` returns the same terms
the update uses, so a trainer or the UI can show exactly why resistance moved.

Advice right after the coach asked permission for it and the manager said yes
(MITI: persuade with permission) is not unasked advice: it weighs
`advice_with_permission` instead of `directive`, does not count as a push, and
the manager hears it as allowed (`as_heard`). Whether the manager says yes is the
policy's `grant_permission` / `decline_permission` move; advice after a no is
unasked advice. A closed question that asks permission ("Can I offer a thought?")
is not counted as a closed question, nor toward a closed-question streak.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from sparring.coding.codes import FLAGS, TurnCodes
from sparring.engine.transcript import ManagerState
from sparring.persona.model import Difficulty, Dynamics

#: Bounds of the resistance scale.
MIN_RESISTANCE = 0.0
MAX_RESISTANCE = 10.0

class Delta(BaseModel):
    """The change one turn makes, term by term, before and after clamping."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    terms: list[tuple[str, float]]
    raw: float
    applied: float
    closed_streak: int


def advice_permitted(codes: TurnCodes, state: ManagerState) -> bool:
    """Advice given right after the manager said yes to the coach's asking: they let it in."""
    return codes.directive and state.permission_granted


def as_heard(codes: TurnCodes, state: ManagerState) -> TurnCodes:
    """The codes as the manager (and the coach's feedback) take them: advice they allowed is not
    `directive`. Other pushing in the same turn (judging, pulling rank) still counts."""
    if not advice_permitted(codes, state):
        return codes
    reasons = {k: v for k, v in codes.reasons.items() if k != "directive"}
    return codes.model_copy(update={"directive": False, "reasons": reasons})


def explain_delta(
    codes: TurnCodes, dynamics: Dynamics, difficulty: Difficulty, closed_streak: int = 0, permitted: bool = False
) -> list[tuple[str, float]]:
    """Each contributing code with its weight after pace scaling, in a stable order.

    `closed_streak` is the number of closed questions in a row *before* this
    turn; the extra term `closed_question_streak` appears only from the
    second closed question in a row on. With `permitted` (advice after the coach
    asked permission), `directive` weighs `advice_with_permission` instead.
    """
    pace = dynamics.pace.get(difficulty, 1.0)
    terms: list[tuple[str, float]] = []

    def add(name: str, weight: float) -> None:
        if weight == 0:
            return
        terms.append((name, round(weight * pace if weight < 0 else weight, 4)))

    if codes.question == "open":
        add("open_question", dynamics.open_question)
    elif codes.question == "closed" and not codes.asking_permission:  # "Can I offer a thought?" asks, not grills
        add("closed_question", dynamics.closed_question)
        if closed_streak >= 1:
            add("closed_question_streak", dynamics.closed_question_streak)
    if codes.reflection == "simple":
        add("simple_reflection", dynamics.simple_reflection)
    elif codes.reflection == "complex":
        add("complex_reflection", dynamics.complex_reflection)
    for flag in FLAGS:  # each boolean code has a `Dynamics` weight of the same name
        if flag == "directive" and codes.directive and permitted:
            add("advice_with_permission", dynamics.advice_with_permission)
        elif getattr(codes, flag):
            add(flag, float(getattr(dynamics, flag)))
    return terms


def compute_delta(
    codes: TurnCodes, dynamics: Dynamics, difficulty: Difficulty, state: ManagerState
) -> Delta:
    """The net change for one turn, clamped to ±max_step and to the 0–10 scale."""
    terms = explain_delta(codes, dynamics, difficulty, state.closed_streak, advice_permitted(codes, state))
    raw = round(sum(weight for _, weight in terms), 4)
    step = max(-dynamics.max_step, min(dynamics.max_step, raw))
    target = max(MIN_RESISTANCE, min(MAX_RESISTANCE, state.resistance + step))
    if step < 0:
        target = max(target, min(floor(state, dynamics, difficulty), state.resistance))
    streak = state.closed_streak + 1 if codes.question == "closed" and not codes.asking_permission else 0
    return Delta(
        terms=terms,
        raw=raw,
        applied=round(target - state.resistance, 4),
        closed_streak=streak,
    )


def floor(state: ManagerState, dynamics: Dynamics, difficulty: Difficulty) -> float:
    """The lowest resistance good coaching can reach now.

    Simulated clients turn compliant within a few turns; real ones do not. Until the
    manager has put a goal of their own on the table and voiced several worries, even
    flawless technique leaves them at the trust floor (about 3, "wary but listening").
    """
    if state.goal_proposed and len(state.revealed) >= dynamics.floor_concerns:
        return dynamics.open_floor.get(difficulty, MIN_RESISTANCE)
    return dynamics.trust_floor.get(difficulty, 3.0)


def walks_out(state: ManagerState, codes: TurnCodes, dynamics: Dynamics, difficulty: Difficulty) -> tuple[int, bool]:
    """Pushy turns in a row that left the manager at the limit, and whether they now leave.

    Only at hard: a real manager pushed past the limit again and again ends the meeting.
    """
    pushed = codes.is_weak and state.resistance >= dynamics.walk_out_at
    streak = state.past_limit + 1 if pushed else 0
    return streak, difficulty == "hard" and streak >= dynamics.walk_out_turns


def apply_codes(
    state: ManagerState, codes: TurnCodes, dynamics: Dynamics, difficulty: Difficulty
) -> tuple[ManagerState, Delta]:
    """A new state after this turn's codes (the input is not mutated) and the delta used."""
    delta = compute_delta(codes, dynamics, difficulty, state)
    heard = as_heard(codes, state)
    updated = state.model_copy(
        update={
            "resistance": round(state.resistance + delta.applied, 4),
            "closed_streak": delta.closed_streak,
            "turn": state.turn + 1,
            "pushed": state.pushed + (heard.directive or heard.arguing),
            "permission_granted": False,  # a yes covers the next turn only; `policy.commit` records it
        }
    )
    streak, ended = walks_out(updated, heard, dynamics, difficulty)
    return updated.model_copy(update={"past_limit": streak, "ended": ended}), delta


def describe_resistance(resistance: float) -> str:
    """Resistance in words for the move instruction: a small model follows words, not numbers."""
    if resistance >= 8:
        return "very guarded and irritated; you give nothing away"
    if resistance >= 6:
        return "guarded and sceptical; you push back"
    if resistance >= 4:
        return "wary but listening; you concede small points"
    if resistance >= 2:
        return "fairly open; you are starting to trust this coach"
    return "open and engaged; you are willing to work on this together"
