"""Chainlit's own SQLAlchemy data layer, wired to our settings and our practice table."""

from __future__ import annotations

from pathlib import Path

from chainlit.data.sql_alchemy import SQLAlchemyDataLayer

from sparring.storage.files import LocalStorageClient
from sparring.storage.schema import normalise_url
from sparring.storage.sessions import PracticeStore


class SparringDataLayer(SQLAlchemyDataLayer):
    """Adds the practice store and removes a session's practice row with its thread."""

    def __init__(self, url: str, files_dir: Path | None = None) -> None:
        storage = LocalStorageClient(files_dir) if files_dir is not None else None
        super().__init__(conninfo=normalise_url(url), storage_provider=storage)
        self.files = storage
        self.practice = PracticeStore(self.engine)

    async def delete_thread(self, thread_id: str) -> None:
        await super().delete_thread(thread_id)
        await self.practice.delete(thread_id)


def make_data_layer(url: str, files_dir: Path | None = None) -> SparringDataLayer:
    """Build the data layer; the engine connects lazily, so this does no I/O."""
    return SparringDataLayer(url, files_dir)
