"""Chainlit's own SQLAlchemy data layer, wired to our settings and our practice table."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any

from chainlit.data.sql_alchemy import SQLAlchemyDataLayer
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from sparring.storage.files import LocalStorageClient
from sparring.storage.schema import normalise_url
from sparring.storage.sessions import PracticeStore

log = logging.getLogger("sparring.storage")

#: Tries per statement when the database is busy or briefly gone, and the first pause.
WRITE_ATTEMPTS = 4
RETRY_PAUSE_S = 0.2


class SparringDataLayer(SQLAlchemyDataLayer):
    """Adds the practice store and removes a session's practice row with its thread."""

    def __init__(self, url: str, files_dir: Path | None = None) -> None:
        storage = LocalStorageClient(files_dir) if files_dir is not None else None
        super().__init__(conninfo=normalise_url(url), storage_provider=storage)
        # Chainlit logs database errors with str(exc), which by default quotes the SQL
        # parameters: the coach's words and the practice record. Keep them out of logs.
        self.engine.sync_engine.hide_parameters = True
        self.files = storage
        self.practice = PracticeStore(self.engine)

    async def execute_sql(self, query: str, parameters: dict[str, Any]) -> list[dict[str, Any]] | int | None:
        """Chainlit's statement runner, retrying a locked or unreachable database.

        Chainlit writes each message with one statement in a background task and drops it
        on any error. With many coaches on SQLite, writers wait for each other longer than
        the 5 s busy timeout; a restarting PostgreSQL drops connections. Both pass, so a
        few tries keep the message instead of losing it from the history.
        """
        for attempt in range(WRITE_ATTEMPTS):
            async with self.async_session() as session:
                try:
                    await session.begin()
                    result = await session.execute(text(query), parameters)
                    await session.commit()
                    if result.returns_rows:
                        rows = self.clean_result([dict(row._mapping) for row in result.fetchall()])
                        return rows if isinstance(rows, list) else None
                    return int(result.rowcount)
                except (OperationalError, PoolTimeout) as exc:
                    with contextlib.suppress(Exception):
                        await session.rollback()
                    log.warning("database busy or unreachable (try %d of %d): %s",
                                attempt + 1, WRITE_ATTEMPTS, type(exc).__name__)
                except SQLAlchemyError as exc:  # parameters are hidden (see __init__)
                    with contextlib.suppress(Exception):
                        await session.rollback()
                    log.warning("database statement failed: %s", exc)
                    return None
            await asyncio.sleep(RETRY_PAUSE_S * 2**attempt)
        log.error("database statement dropped after %d tries", WRITE_ATTEMPTS)
        return None

    async def delete_thread(self, thread_id: str) -> None:
        await super().delete_thread(thread_id)
        await self.practice.delete(thread_id)


def make_data_layer(url: str, files_dir: Path | None = None) -> SparringDataLayer:
    """Build the data layer; the engine connects lazily, so this does no I/O."""
    return SparringDataLayer(url, files_dir)
