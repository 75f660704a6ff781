"""Element files (charts, exports, meters) on local disk, so they survive a restart.

Chainlit's SQLAlchemy data layer only persists elements through a storage client;
without one the resistance chart and the exports vanish from a resumed session.
Object keys are `<user id>/<element id>/<name>`; the app serves them back through
`GET /sparring/files/<key>` only to the user whose id starts the key.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from chainlit.data.storage_clients.base import BaseStorageClient

URL_PREFIX = "/sparring/files/"


class LocalStorageClient(BaseStorageClient):
    """Files under `root`; keys are checked so none can escape it."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path_for(self, object_key: str) -> Path:
        path = (self.root / object_key).resolve()
        if self.root not in path.parents:
            raise ValueError(f"object key escapes the storage folder: {object_key!r}")
        return path

    async def upload_file(self, object_key: str, data: bytes | str,
                          mime: str = "application/octet-stream", overwrite: bool = True,
                          content_disposition: str | None = None) -> dict[str, Any]:
        path = self.path_for(object_key)
        if path.exists() and not overwrite:
            return {"object_key": object_key, "url": URL_PREFIX + object_key}
        # In a thread: a meter is written every turn, and the event loop streams other replies.
        await asyncio.to_thread(self._write, path, data, mime)
        return {"object_key": object_key, "url": URL_PREFIX + object_key}

    def _write(self, path: Path, data: bytes | str, mime: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        self._mime_file(path).write_text(mime, "utf-8")

    @staticmethod
    def _mime_file(path: Path) -> Path:
        return path.with_name(path.name + ".mime")

    def mime_of(self, path: Path) -> str:
        """The type the element was uploaded with (names like 'ResistanceMeter' carry none)."""
        sidecar = self._mime_file(path)
        return sidecar.read_text("utf-8").strip() if sidecar.is_file() else "application/octet-stream"

    async def delete_file(self, object_key: str) -> bool:
        path = self.path_for(object_key)
        self._mime_file(path).unlink(missing_ok=True)
        if path.is_file():
            path.unlink()
            return True
        return False

    async def get_read_url(self, object_key: str) -> str:
        return URL_PREFIX + object_key

    async def close(self) -> None:
        return None
