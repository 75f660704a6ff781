"""Which practice sessions a trainer may see: the coach's share flag, and the one query
every trainer page, API and export goes through.

A coach shares one session at a time (a switch in the chat settings); the default is not
shared and withdrawing deletes the row at once. The share lives in its own table keyed by
thread and owner (not in the practice record, which the chat rewrites on every turn, and
not in Chainlit's thread metadata, which goes to the browser): a trainer's query joins a
share only to the practice row of the coach who made it, so a forged thread id shares
nothing. `visible_sessions` is the only way trainer code reads practice rows; a session
reaches a trainer when it is shared, or when it is the trainer's own (single-user mode is
one person in both roles).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sparring.storage.sessions import StoredPractice

#: Practice rows a trainer may read: shared by their owner, or the viewer's own.
VISIBLE = (
    'SELECT s."thread_id", s."user_identifier", s."persona_id", s."record", s."updated_at" '
    "FROM sparring_sessions s "
    'WHERE (s."user_identifier" = :viewer OR EXISTS (SELECT 1 FROM sparring_shares sh '
    'WHERE sh."thread_id" = s."thread_id" AND sh."user_identifier" = s."user_identifier"))'
)


@dataclass(frozen=True)
class VisibleSession:
    """One practice a trainer may read, with whose it is."""

    thread_id: str
    coach: str
    persona_id: str
    updated_at: str
    record: StoredPractice


def _record(raw: Any) -> StoredPractice:
    """SQLite gives the JSON text (parsed by pydantic directly: about twice as fast as
    `json.loads` first, which matters when a cohort page reads every shared session)."""
    if isinstance(raw, str | bytes):
        return StoredPractice.model_validate_json(raw)
    return StoredPractice.model_validate(raw)


#: Parsed practice records kept between requests, keyed by (thread, updated_at): a record
#: changes only with its `updated_at`, and parsing is most of a trainer page's time
#: (200 shared sessions of 12 turns: about 0.3 s a request, benchmarks/bench_trainer_views.py).
PARSED_LIMIT = 2000


class ShareStore:
    """The share flag per session, and the trainer's view of sessions built on it."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._parsed: OrderedDict[tuple[str, str], StoredPractice] = OrderedDict()

    def _parse(self, thread_id: str, updated_at: str, raw: Any) -> StoredPractice:
        """The record, parsed once per version; callers must treat it as read-only."""
        key = (thread_id, updated_at)
        found = self._parsed.get(key)
        if found is None:
            found = self._parsed[key] = _record(raw)
            while len(self._parsed) > PARSED_LIMIT:
                self._parsed.popitem(last=False)
        else:
            self._parsed.move_to_end(key)
        return found

    async def set_shared(self, thread_id: str, user_identifier: str, shared: bool) -> None:
        """Share or withdraw; only the owner's own row is ever touched."""
        async with self._engine.begin() as conn:
            await conn.execute(
                text('DELETE FROM sparring_shares WHERE "thread_id" = :thread_id '
                     'AND "user_identifier" = :user'),
                {"thread_id": thread_id, "user": user_identifier},
            )
            if shared:
                await conn.execute(
                    text('INSERT INTO sparring_shares ("thread_id", "user_identifier", "shared_at") '
                         "VALUES (:thread_id, :user, :now) ON CONFLICT DO NOTHING"),
                    {"thread_id": thread_id, "user": user_identifier,
                     "now": datetime.now(UTC).isoformat()},
                )

    async def is_shared(self, thread_id: str, user_identifier: str) -> bool:
        async with self._engine.connect() as conn:
            row = (await conn.execute(
                text('SELECT 1 FROM sparring_shares WHERE "thread_id" = :thread_id '
                     'AND "user_identifier" = :user'),
                {"thread_id": thread_id, "user": user_identifier},
            )).first()
        return row is not None

    async def forget(self, thread_id: str) -> None:
        """With the session itself: a deleted session leaves no share or review behind."""
        async with self._engine.begin() as conn:
            for table in ("sparring_shares", "sparring_feedback_reviews"):
                await conn.execute(text(f'DELETE FROM {table} WHERE "thread_id" = :thread_id'),
                                   {"thread_id": thread_id})

    async def visible_sessions(self, viewer: str, persona_id: str | None = None) -> list[VisibleSession]:
        """Sessions `viewer` (a trainer) may read, oldest first; optionally one persona's."""
        query = VISIBLE
        params: dict[str, Any] = {"viewer": viewer}
        if persona_id is not None:
            query += ' AND s."persona_id" = :persona'
            params["persona"] = persona_id
        async with self._engine.connect() as conn:
            rows = (await conn.execute(text(query + ' ORDER BY s."updated_at"'), params)).all()
        return [VisibleSession(thread_id=str(row[0]), coach=str(row[1]), persona_id=str(row[2]),
                               updated_at=str(row[4]), record=self._parse(str(row[0]), str(row[4]), row[3]))
                for row in rows]
