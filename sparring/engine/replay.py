"""The engine's rules without a model: coded coach turns in, moves, talk types and state out.

Used to calibrate the dynamics against real counselling sessions (expert codes go in
directly, so the coder's errors do not blur the comparison) and by tests that pin the
shape of a whole conversation. It runs the same functions `PracticeSession` runs, in
the same order, and records the bank line each turn would speak.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sparring.coding.codes import TurnCodes
from sparring.engine.dynamics import apply_codes, as_heard
from sparring.engine.policy import Decision, choose_move, commit
from sparring.engine.transcript import ManagerState
from sparring.persona.model import Difficulty, Persona


@dataclass(frozen=True)
class Step:
    """One replayed turn: the decision and the state after it."""

    decision: Decision
    state: ManagerState


def replay(
    persona: Persona, difficulty: Difficulty, turns: Iterable[tuple[str, TurnCodes]], seed: int = 7
) -> list[Step]:
    """Play coded coach turns through the dynamics and policy; stops if the manager walks out."""
    state = ManagerState(resistance=persona.starting_resistance[difficulty])
    steps: list[Step] = []
    for text, codes in turns:
        if state.ended:
            break
        moved, delta = apply_codes(state, codes, persona.dynamics, difficulty)
        decision = choose_move(state, moved, as_heard(codes, state), delta.applied, persona, text, seed)
        state = commit(moved, decision, decision.example)
        steps.append(Step(decision, state))
    return steps
