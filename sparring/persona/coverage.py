"""How complete a persona's line bank is: what `sparring personas validate` reports.

A weak model speaks only from the bank, so a move with three lines repeats within one
session and a concern with no line of its own can only ever be said one way. These are
warnings, not errors: a persona with a thin bank still works, it just sounds canned.
"""

from __future__ import annotations

from sparring.persona.model import CORE_MOVES, Move, Persona

#: Lines per move (example lines and bank lines together) before a move counts as covered.
MIN_LINES = 10
#: Reveal lines per concern (its own text included) before a concern counts as covered.
MIN_REVEAL_LINES = 3


def coverage_gaps(persona: Persona, min_lines: int = MIN_LINES) -> list[str]:
    """Human-readable gaps: moves with too few lines, concerns with no (or few) lines."""
    gaps: list[str] = []
    for move in CORE_MOVES:
        n = len(persona.bank(move))
        if n < min_lines:
            gaps.append(f"move '{move.value}' has {n} line(s); write at least {min_lines} so a session does not repeat")
    reveal = persona.bank(Move.REVEAL_CONCERN)
    for concern in persona.concerns:
        n = sum(1 for line in reveal if line.concern == concern.id)
        if n <= 1:
            gaps.append(f"concern '{concern.id}' has no line of its own beyond its text; add reveal lines tagged with it")
        elif n < MIN_REVEAL_LINES:
            gaps.append(f"concern '{concern.id}' has {n} reveal lines; {MIN_REVEAL_LINES}+ keep it from sounding recited")
    if not persona.lines.get(Move.END_CONVERSATION):
        gaps.append("no 'end_conversation' lines: at hard the manager leaves with a generic line")
    for move in (Move.GRANT_PERMISSION, Move.DECLINE_PERMISSION):
        if not persona.lines.get(move):
            gaps.append(f"no '{move.value}' lines: asked \"Can I share an idea?\", the manager answers with a generic line")
    return gaps


def line_counts(persona: Persona) -> dict[str, int]:
    """Lines per core move, for the summary line."""
    return {move.value: len(persona.bank(move)) for move in CORE_MOVES}
