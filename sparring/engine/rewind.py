"""Going back to an earlier turn ("what if"): the conversation continues from there, and the
turns taken back are kept as a branch for the debrief.

The hidden state is restored from the snapshot the engine stored with the turn, not
recomputed, so resistance, revealed concerns, commitments and the lines already used are
exactly what they were before that turn.
"""

from __future__ import annotations

from sparring.engine.transcript import Branch, Transcript
from sparring.errors import UserError


def rewind(transcript: Transcript, turn: int) -> Branch:
    """Take back turns `turn`… (1-based) in place; returns the branch they now form."""
    turns = transcript.turns
    if not 1 <= turn <= len(turns):
        raise UserError(
            f"There is no turn {turn} to go back to: this conversation has "
            f"{len(turns)} turn{'s' if len(turns) != 1 else ''}."
        )
    first = turns[turn - 1]
    if first.state_before is None:
        raise UserError("This session was saved before going back was possible: start a new practice to use it.")
    branch = Branch(from_turn=turn, turns=turns[turn - 1:])
    transcript.turns = turns[: turn - 1]
    transcript.state = first.state_before.model_copy(deep=True)
    transcript.branches.append(branch)
    return branch

