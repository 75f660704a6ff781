"""What `PracticeSession.turn` yields while a reply is produced.

Three plain events keep every front end simple: show `Token`s as they come,
drop what was shown on `Reset` (the guards rejected it and another attempt
follows), and take `Done.record.manager` as the final, authoritative text.
"""

from __future__ import annotations

from dataclasses import dataclass

from sparring.engine.transcript import TurnRecord


@dataclass(frozen=True)
class Token:
    """A streamed piece of the manager's reply."""

    text: str


@dataclass(frozen=True)
class Reset:
    """Discard the text streamed so far in this turn; `reason` is the guard that fired."""

    reason: str


@dataclass(frozen=True)
class Done:
    """The turn is complete and the hidden state committed."""

    record: TurnRecord


Event = Token | Reset | Done
