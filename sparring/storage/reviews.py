"""The 👍/👎 coaches gave manager replies, read back for trainers, and the trainers' verdicts.

Chainlit stores each rating in its `feedbacks` table against a `steps` row: the rated
message itself, or (what the web client sends) the *run* step of the coach message that
the reply answered, in which case the rated reply is that run's last assistant message. We only read those tables, and
only for threads `ShareStore.visible_sessions` already let through: the ids passed in
come from that query, never from the request. A trainer's verdict (fixed, and in which
persona version) goes to `sparring_feedback_reviews`, keyed by the feedback id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine

FIXED = "fixed"


@dataclass(frozen=True)
class FeedbackRow:
    """One rating as stored, with the rated message's text and the trainer's verdict."""

    feedback_id: str
    thread_id: str
    step_id: str
    value: int
    comment: str
    output: str
    created_at: str
    status: str
    fixed_in: str | None
    reviewed_by: str | None
    reviewed_at: str | None


_FEEDBACK = text(
    'SELECT CAST(f."id" AS TEXT), CAST(st."threadId" AS TEXT), CAST(st."id" AS TEXT), f."value", '
    'f."comment", st."output", st."createdAt", r."status", r."fixed_in", r."reviewed_by", '
    'r."reviewed_at", st."type" FROM feedbacks f JOIN steps st ON st."id" = f."forId" '
    'LEFT JOIN sparring_feedback_reviews r ON r."feedback_id" = CAST(f."id" AS TEXT) '
    'WHERE CAST(st."threadId" AS TEXT) IN :threads ORDER BY st."createdAt"'
).bindparams(bindparam("threads", expanding=True))
#: The manager's messages under rated run steps, oldest first (the last one is the reply);
#: the app's own notes (author "Sparring", see ui/handlers.py) are never the rated reply.
_RUN_REPLIES = text(
    'SELECT CAST("parentId" AS TEXT), "output", "createdAt" FROM steps '
    'WHERE CAST("parentId" AS TEXT) IN :runs AND "type" = \'assistant_message\' '
    'AND "name" <> \'Sparring\' ORDER BY "createdAt"'
).bindparams(bindparam("runs", expanding=True))


class ReviewStore:
    """Ratings on given threads, and marking one fixed (or open again)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def feedback_for(self, thread_ids: list[str]) -> list[FeedbackRow]:
        """Every rating on a message of these threads, oldest message first."""
        if not thread_ids:
            return []
        async with self._engine.connect() as conn:
            rows = (await conn.execute(_FEEDBACK, {"threads": thread_ids})).all()
            runs = [str(r[2]) for r in rows if r[11] == "run"]
            replies: dict[str, tuple[str, str]] = {}
            if runs:  # later rows overwrite earlier ones: the run's last message wins
                for parent, output, at in (await conn.execute(_RUN_REPLIES, {"runs": runs})).all():
                    replies[str(parent)] = (str(output or ""), str(at or ""))
        out = []
        for r in rows:
            output, at = replies.get(str(r[2]), (str(r[5] or ""), str(r[6] or "")))
            out.append(FeedbackRow(
                feedback_id=str(r[0]), thread_id=str(r[1]), step_id=str(r[2]), value=int(r[3]),
                comment=str(r[4] or ""), output=output, created_at=at, status=str(r[7] or "open"),
                fixed_in=r[8], reviewed_by=r[9], reviewed_at=r[10]))
        return sorted(out, key=lambda row: row.created_at)

    async def set_status(self, feedback_id: str, thread_id: str, fixed: bool,
                         fixed_in: str | None, reviewer: str) -> None:
        """Mark fixed (with the version that fixed it) or open again (the verdict is removed)."""
        async with self._engine.begin() as conn:
            await conn.execute(text('DELETE FROM sparring_feedback_reviews WHERE "feedback_id" = :id'),
                               {"id": feedback_id})
            if fixed:
                await conn.execute(
                    text('INSERT INTO sparring_feedback_reviews ("feedback_id", "thread_id", "status", '
                         '"fixed_in", "reviewed_by", "reviewed_at") VALUES (:id, :thread, :status, '
                         ":fixed_in, :reviewer, :now)"),
                    {"id": feedback_id, "thread": thread_id, "status": FIXED, "fixed_in": fixed_in,
                     "reviewer": reviewer, "now": datetime.now(UTC).isoformat()},
                )
