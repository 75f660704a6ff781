"""Choosing the manager's next move from the hidden state and the coach's codes.

Deterministic on purpose: the same state, codes and seed give the same
move, so simulations repeat and trainers can reason about the persona.
Randomness (a seeded `random.Random(seed + turn)`) is used only to break
ties between equally fitting moves, to decide whether a pushed manager goes
along on the surface this time (`comply_chance`), and to pick which example
line the model is shown.

The policy also decides which concerns the model may see: exactly those
whose `reveal_below` is above the current resistance *and* that are either
being revealed now or were revealed before. A concern is never handed to
the model above its threshold, so a weak model cannot leak it early.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from sparring.coding.codes import TurnCodes
from sparring.engine.lines import answers, eligible, pick_line, talk_of
from sparring.engine.transcript import ManagerState
from sparring.persona.model import BankLine, Concern, Move, Persona, TalkType

#: At or above this, the manager is openly hostile to pushy turns.
HIGH = 6.5
#: Below this, a co-created goal turn makes the manager propose a goal.
PROPOSE_BELOW = 4.5
#: Below this, a turn with nothing to react to may draw a small concession (change talk).
CONCEDE_BELOW = 5.5
#: Below this, once a goal is on the table, the manager agrees a next step.
AGREE_BELOW = 5.0
#: Surface compliance: the n-th turn of unasked advice or arguing in a session (n counted from
#: COMPLY_AFTER) is met with a grudging go-along ("Fine. I'll put it on the list.") with chance
#: n × COMPLY_RAMP: a quarter at the first, half at the second, three in four at the third,
#: every time from the fourth. Being lectured wears people down; it does not win them over.
COMPLY_AFTER = 1
COMPLY_RAMP = 0.25

_NEXT_STEP = re.compile(
    r"\b(next step|first (small )?step|small step|what (will|would|could) you|when (will|would) you|"
    r"where do we go|what now|"
    r"by when|how will you|what do you want to (try|do)|shall we|let's agree)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Decision:
    """What the manager does this turn and what the model may be told."""

    move: Move
    reason: str
    example: str
    reveal: Concern | None = None
    allowed: list[Concern] = field(default_factory=list)
    #: the bank line `example` comes from, and the MI talk type of saying it
    line: BankLine | None = None
    talk: TalkType = "neutral"

    @property
    def allowed_ids(self) -> list[str]:
        return [c.id for c in self.allowed]


def next_concern(persona: Persona, state: ManagerState) -> Concern | None:
    """The shallowest unrevealed concern the current resistance permits; deepest come last."""
    ordered = sorted(persona.concerns, key=lambda c: -c.reveal_below)
    for concern in ordered:
        if concern.id not in state.revealed and concern.reveal_below > state.resistance:
            return concern
    return None


def allowed_concerns(persona: Persona, state: ManagerState, reveal: Concern | None) -> list[Concern]:
    """Concerns the model may see now: under threshold and revealed before or right now."""
    return [
        c
        for c in persona.concerns
        if c.reveal_below > state.resistance and (c.id in state.revealed or c is reveal)
    ]


def comply_chance(pushed: int) -> float:
    """The chance of going along with this push, given the pushes so far (this one included)."""
    return max(0.0, min(1.0, (pushed - COMPLY_AFTER + 1) * COMPLY_RAMP))


def _goes_along(persona: Persona, after: ManagerState, codes: TurnCodes, said: list[str], rng: random.Random) -> bool:
    """Surface compliance: after being told what to do a few times, a manager often says what
    ends the pressure ("Fine. I'll put it on the list.") without trusting the coach any more.
    Only the words and the talk type change: resistance has already risen as for any push.
    Not for judging or pulling rank (those are answered, not placated), and only while an
    unsaid `comply` line is left, so the manager never repeats the same capitulation."""
    if not (codes.directive or codes.arguing) or codes.judging or codes.pulling_rank:
        return False
    if after.pushed < COMPLY_AFTER:
        return False
    allowed = [c.id for c in allowed_concerns(persona, after, None)]
    if not any(ln.text not in said for ln in eligible(persona, Move.COMPLY, None, allowed)):
        return False
    return rng.random() < comply_chance(after.pushed)


def _tie(rng: random.Random, *moves: Move) -> Move:
    return moves[0] if len(moves) == 1 else rng.choice(moves)


def choose_move(
    before: ManagerState,
    after: ManagerState,
    codes: TurnCodes,
    delta: float,
    persona: Persona,
    coach_text: str,
    seed: int,
    injection: str | None = None,
    used: frozenset[str] = frozenset(),
) -> Decision:
    """The move for this turn. `after` is the state with this turn's resistance change applied;
    `used` holds lines the manager already said, so example lines are not repeated while fresh ones remain."""
    rng = random.Random(seed + after.turn)
    said = [*before.used_lines, *sorted(u for u in used if u not in before.used_lines)]
    r = after.resistance
    reveal: Concern | None = None
    good = not codes.is_weak and (codes.is_strong or delta < 0)
    asks_next = codes.goal_cocreation or bool(_NEXT_STEP.search(coach_text))

    if after.ended:
        move, reason = Move.END_CONVERSATION, "pushed past the limit turn after turn (hard)"
    elif injection:
        move = Move.CHALLENGE_LEGITIMACY if r >= HIGH else Move.DEFLECT
        reason = f"coach tried to take the manager out of role ({injection})"
    elif codes.is_weak:
        if _goes_along(persona, after, codes, said, rng):
            move = Move.COMPLY
            reason = f"told what to do ({after.pushed} pushes so far): goes along on the surface to end the pressure"
        elif r >= HIGH and (codes.judging or codes.pulling_rank):
            move, reason = Move.CHALLENGE_LEGITIMACY, "high resistance and a judging or rank-pulling turn"
        elif r >= HIGH:
            move = _tie(rng, Move.VENT, Move.CHALLENGE_LEGITIMACY)
            reason = "high resistance and advice or arguing"
        elif codes.judging or codes.pulling_rank:
            move, reason = Move.DEFLECT, "a judging or rank-pulling turn"
        else:
            move, reason = Move.YES_BUT, "advice or arguing the manager did not ask for"
    elif codes.asking_permission:
        if r >= persona.dynamics.declines_permission_at:
            move = Move.DECLINE_PERMISSION
            reason = f"asked permission to advise at resistance {r:.1f} (says no from {persona.dynamics.declines_permission_at:g})"
        else:
            move, reason = Move.GRANT_PERMISSION, "asked permission to advise, and trust allows a yes"
    elif before.goal_proposed and asks_next and r < AGREE_BELOW and codes.question != "closed":
        move, reason = Move.AGREE_NEXT_STEP, "goal on the table and the coach asks for a next step"
    elif good:
        reveal = next_concern(persona, after)
        can_propose = codes.goal_cocreation and r < PROPOSE_BELOW and not before.goal_proposed
        if can_propose and (before.revealed or reveal is None):
            move, reason, reveal = Move.PROPOSE_GOAL, "low resistance and goal co-creation", None
        elif reveal is not None:
            move, reason = Move.REVEAL_CONCERN, f"resistance below {reveal.reveal_below:g} and a good turn"
        elif can_propose:
            move, reason = Move.PROPOSE_GOAL, "low resistance and goal co-creation"
        elif r >= HIGH:
            move = _tie(rng, Move.ANSWER, Move.YES_BUT, Move.DEFLECT, Move.ANSWER)
            reason = "a good turn, but trust is not earned yet"
        elif codes.reflection == "complex" or (codes.reflection and codes.empathy):
            # Real clients answer a good reflection by conceding a point about half the time
            # and by elaborating the rest (AnnoMI, bench_talk_calibration.py).
            move = _tie(rng, Move.PARTIAL_ADMISSION, Move.ANSWER)
            reason = "a deep reflection at moderate resistance"
        else:
            move, reason = Move.ANSWER, "a good question at moderate resistance: a plain answer"
    elif codes.question == "closed":
        if after.closed_streak >= 3:
            move, reason = Move.DEFLECT, "a run of closed questions"
        elif r >= HIGH:
            move = _tie(rng, Move.YES_BUT, Move.DEFLECT)
            reason = "a closed question at high resistance"
        else:
            move, reason = Move.ANSWER, "a closed question: a curt, factual answer"
    elif r >= HIGH:
        move, reason = Move.DEFLECT, "nothing that earns trust at high resistance"
    elif r >= CONCEDE_BELOW:
        move, reason = Move.ANSWER, "a neutral turn at moderate resistance: a plain answer"
    else:
        move = _tie(rng, Move.PARTIAL_ADMISSION, Move.ANSWER)
        reason = "a neutral turn once trust is earned"

    # The line bank decides the words: for a reveal, a line tagged with the concern earned now
    # (a generic reveal line could name a different, not-yet-earned concern).
    allowed = allowed_concerns(persona, after, reveal)
    if move is Move.ANSWER and not answers(persona, coach_text, said, [c.id for c in allowed]):
        # No authored fact answers this: a plain dodge reads better than a non sequitur.
        move, reason = Move.DEFLECT, reason + "; no answer line fits, so a dodge"
    line = pick_line(
        persona,
        move,
        coach_text=coach_text,
        used=said,
        rng=rng,
        reveal=reveal,
        allowed_ids=[c.id for c in allowed],
    )
    return Decision(
        move=move,
        reason=reason,
        example=line.text,
        reveal=reveal,
        allowed=allowed,
        line=line,
        talk=talk_of(move, line),
    )


def commit(state: ManagerState, decision: Decision, reply: str) -> ManagerState:
    """The state after the reply is accepted: revealed concerns, goals and commitments recorded."""
    revealed = list(state.revealed)
    if decision.reveal is not None and decision.reveal.id not in revealed:
        revealed.append(decision.reveal.id)
    commitments = list(state.commitments)
    if decision.move is Move.AGREE_NEXT_STEP:
        commitments.append(reply)
    used = list(state.used_lines)
    if decision.line is not None and decision.line.text not in used:
        used.append(decision.line.text)
    return state.model_copy(
        update={
            "revealed": revealed,
            "used_lines": used,
            "commitments": commitments,
            "goal_proposed": state.goal_proposed or decision.move is Move.PROPOSE_GOAL,
            "permission_granted": decision.move is Move.GRANT_PERMISSION,
        }
    )
