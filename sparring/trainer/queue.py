"""The review queue: each 👍/👎 a coach gave a manager reply, shown with the turn it rates.

Chainlit stores a rating against the reply's message id, which the practice record does
not keep; the message's text does match the turn's `manager` line exactly (the chat
sends `TurnRecord.manager` as the reply), so a rating finds its turn by text, the n-th
identical reply to the n-th matching turn, looking at taken-back branches too. The
persona's opening line has no coach turn before it and is shown as such. Used by the
page (`review.py`), its JSON API and `sparring personas feedback`, so all three agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from sparring.engine.transcript import TurnRecord
from sparring.storage.reviews import FeedbackRow, ReviewStore
from sparring.storage.sharing import ShareStore, VisibleSession


@dataclass
class QueueItem:
    """One rating, the turn in context, and the trainer's verdict."""

    feedback_id: str
    thread_id: str
    coach: str
    persona_id: str
    rating: str  # "up" or "down"
    comment: str
    status: str  # "open" or "fixed"
    fixed_in: str | None
    reviewed_by: str | None
    reviewed_at: str | None
    rated_at: str
    reply: str
    turn: int | None = None
    where: str = "turn"  # "turn", "opening", "taken back" (a branch the coach rewound) or "unknown"
    before: str = ""  # what the manager said just before the coach's line
    coach_line: str = ""
    move: str = ""
    resistance_before: float | None = None
    resistance_after: float | None = None
    revealed: list[str] = field(default_factory=list)  # every concern revealed by the end of the turn
    revealed_now: list[str] = field(default_factory=list)
    spoken: str = ""
    attempts: int = 1
    fallback: bool = False
    guard_failures: list[str] = field(default_factory=list)

    @property
    def guarded(self) -> bool:
        """A guard rejected a draft, or the persona's fallback line was used."""
        return self.fallback or bool(self.guard_failures) or self.attempts > 1

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "guarded": self.guarded}


def _candidates(session: VisibleSession) -> list[tuple[str, TurnRecord]]:
    transcript = session.record.transcript
    found = [("turn", t) for t in transcript.turns]
    found += [("taken back", t) for b in transcript.branches for t in b.turns]
    return found


def _before(session: VisibleSession, turn: TurnRecord, branch: bool) -> str:
    transcript = session.record.transcript
    pool = transcript.turns if not branch else [t for b in transcript.branches for t in b.turns]
    earlier = next((t for t in reversed(pool) if t.index == turn.index - 1), None)
    if earlier is None and branch:
        earlier = next((t for t in transcript.turns if t.index == turn.index - 1), None)
    return earlier.manager if earlier else transcript.opening


def _item(row: FeedbackRow, session: VisibleSession, seen: dict[tuple[str, str], int]) -> QueueItem:
    item = QueueItem(
        feedback_id=row.feedback_id, thread_id=row.thread_id, coach=session.coach,
        persona_id=session.persona_id, rating="up" if row.value > 0 else "down", comment=row.comment,
        status=row.status, fixed_in=row.fixed_in, reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at, rated_at=row.created_at, reply=row.output,
    )
    reply = row.output.strip()
    transcript = session.record.transcript
    if reply == transcript.opening.strip():
        item.where = "opening"
        return item
    matches = [(w, t) for w, t in _candidates(session) if t.manager.strip() == reply]
    key = (row.thread_id, reply)
    nth = seen[key]
    seen[key] += 1
    if not matches:
        item.where = "unknown"
        return item
    where, turn = matches[min(nth, len(matches) - 1)]
    state = turn.state_before
    item.where, item.turn = where, turn.index
    item.before = _before(session, turn, where != "turn")
    item.coach_line, item.move = turn.coach, turn.move.value
    item.resistance_before, item.resistance_after = turn.resistance_before, turn.resistance_after
    item.revealed_now = list(turn.revealed_now)
    item.revealed = list(dict.fromkeys([*(state.revealed if state else []), *turn.revealed_now]))
    item.spoken, item.attempts, item.fallback = turn.spoken, turn.attempts, turn.fallback
    item.guard_failures = list(turn.guard_failures)
    return item


async def build_queue(shares: ShareStore, reviews: ReviewStore, viewer: str,
                      persona_id: str | None = None, status: str | None = None) -> list[QueueItem]:
    """The queue `viewer` may see: ratings on sessions shared with trainers (or their own),
    newest first; optionally one persona's, and only open or only fixed items."""
    sessions = {s.thread_id: s for s in await shares.visible_sessions(viewer, persona_id)}
    rows = await reviews.feedback_for(list(sessions))
    seen: dict[tuple[str, str], int] = defaultdict(int)
    items = [_item(row, sessions[row.thread_id], seen) for row in rows if row.thread_id in sessions]
    if status is not None:
        items = [i for i in items if i.status == status]
    return list(reversed(items))


async def find_item(shares: ShareStore, reviews: ReviewStore, viewer: str,
                    feedback_id: str) -> QueueItem | None:
    """One item of `viewer`'s queue; None for a rating they may not see (or none at all)."""
    return next((i for i in await build_queue(shares, reviews, viewer) if i.feedback_id == feedback_id),
                None)
