"""Practice sessions at rest: one row per Chainlit thread in `sparring_sessions`.

Kept in our own table rather than in Chainlit's thread metadata because thread
metadata is sent to the browser with every history listing (the manager's hidden
state should stay on the server) and because Chainlit rewrites that metadata from
its in-memory user session on disconnect, which would race with our saves.
Every read and write is scoped to the owner's identifier: a coach can neither
load nor overwrite another coach's session, whatever thread id they send.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sparring.engine.transcript import Transcript
from sparring.persona.model import Difficulty
from sparring.storage.batch import TX

log = logging.getLogger("sparring.storage")


class PracticeOptions(BaseModel):
    """What the coach chose in the chat settings; stored so a resumed session keeps them."""

    model_config = ConfigDict(extra="forbid")

    difficulty: Difficulty = "realistic"
    live_feedback: bool = True
    show_meter: bool = True
    model: str = "local"


class StoredPractice(BaseModel):
    """Everything needed to resume a session with the same hidden state, and its debrief."""

    model_config = ConfigDict(extra="forbid")

    transcript: Transcript
    options: PracticeOptions
    ended: bool = False
    debrief_markdown: str | None = None
    debrief: dict[str, Any] | None = Field(None, description="The Debrief as JSON, once ended.")


    @model_validator(mode="before")
    @classmethod
    def _judge_codes_onto_turns(cls, data: Any) -> Any:
        """Records saved before the judge's codes lived on each turn kept them beside the
        transcript as `judge_codes` (turn index -> codes): move them onto their turns."""
        if not isinstance(data, dict) or "judge_codes" not in data:
            return data
        data = dict(data)
        codes = data.pop("judge_codes") or {}
        transcript = data.get("transcript")
        if isinstance(transcript, dict) and codes:
            turns = [dict(t) for t in transcript.get("turns", [])]
            for turn in turns:
                found = codes.get(turn.get("index"), codes.get(str(turn.get("index"))))
                if found is not None:
                    turn["judged"] = found
            data["transcript"] = {**transcript, "turns": turns}
        return data


#: Offered a thread id and the write; True when it was taken into the chat's open turn
#: (written in that turn's transaction, `batch.py`), False to write it now.
Join = Callable[[str, Callable[[], Awaitable[Any]]], bool]


class PracticeStore:
    """Reads and writes `StoredPractice` rows over the data layer's engine."""

    def __init__(self, engine: AsyncEngine, join: Join | None = None) -> None:
        self._engine = engine
        self._join = join

    async def save(self, thread_id: str, user_identifier: str, record: StoredPractice) -> bool:
        """Insert or update; returns False when the thread belongs to someone else."""
        params = {
            "thread_id": thread_id,
            "user": user_identifier,
            "persona": record.transcript.persona_id,
            "record": record.model_dump_json(),
            "now": datetime.now(UTC).isoformat(),
        }
        query = text(
            'INSERT INTO sparring_sessions ("thread_id", "user_identifier", "persona_id", "record", '
            '"updated_at") VALUES (:thread_id, :user, :persona, :record, :now) '
            'ON CONFLICT ("thread_id") DO UPDATE SET "record" = excluded."record", '
            '"updated_at" = excluded."updated_at" '
            'WHERE sparring_sessions."user_identifier" = excluded."user_identifier"'
        )
        if self._join is not None and self._join(thread_id, lambda: self._in_turn(query, params)):
            return True  # written with the turn's history, in one transaction
        async with self._engine.begin() as conn:
            result = await conn.execute(query, params)
        return bool(result.rowcount)

    @staticmethod
    async def _in_turn(query: Any, params: dict[str, Any]) -> None:
        tx = TX.get()
        assert tx is not None, "a turn's practice record is written inside the turn's transaction"
        result = await tx.run(query, params)
        if not result.rowcount:  # rare: a thread id that belongs to another coach
            log.error("practice record of thread %s not saved: it belongs to another user",
                      params["thread_id"])

    async def load(self, thread_id: str, user_identifier: str) -> StoredPractice | None:
        query = text(
            'SELECT "record" FROM sparring_sessions '
            'WHERE "thread_id" = :thread_id AND "user_identifier" = :user'
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query, {"thread_id": thread_id, "user": user_identifier})).first()
        if row is None:
            return None
        raw = row[0]
        data = json.loads(raw) if isinstance(raw, str | bytes) else raw
        return StoredPractice.model_validate(data)

    async def list_for(self, user_identifier: str) -> list[tuple[str, str, str]]:
        """(thread_id, persona_id, updated_at) of one coach's sessions, newest first."""
        query = text(
            'SELECT "thread_id", "persona_id", "updated_at" FROM sparring_sessions '
            'WHERE "user_identifier" = :user ORDER BY "updated_at" DESC'
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query, {"user": user_identifier})).all()
        return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]

    async def delete(self, thread_id: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                text('DELETE FROM sparring_sessions WHERE "thread_id" = :thread_id'),
                {"thread_id": thread_id},
            )
