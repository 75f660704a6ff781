"""Extra HTTP routes on Chainlit's FastAPI app.

Chainlit ends its router with a catch-all `GET /{full_path:path}` that serves the
web client, so a route appended after import would never be reached: we insert
ours at the front of the app's routes instead.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import FileResponse
from fastapi.routing import APIRoute

from sparring.storage.files import URL_PREFIX


def health() -> dict[str, str]:
    """For container orchestration and tests: the process is up and serving."""
    return {"status": "ok"}


async def element_file(object_key: str, request: Request) -> FileResponse:
    """A stored element file, for its owner only (the key starts with the owner's user id)."""
    from chainlit.auth import get_current_user, get_token_from_cookies
    from chainlit.data import get_data_layer
    from chainlit.user import PersistedUser

    from sparring.storage.datalayer import SparringDataLayer

    token = get_token_from_cookies(request.cookies)
    if not token and (header := request.headers.get("Authorization", "")).lower().startswith("bearer "):
        token = header[7:]
    try:
        user = await get_current_user(token) if token else None
    except HTTPException:
        user = None
    if not isinstance(user, PersistedUser):
        raise HTTPException(status_code=401, detail="Unauthorized")
    layer = get_data_layer()
    if not isinstance(layer, SparringDataLayer) or layer.files is None:
        raise HTTPException(status_code=404, detail="Not found")
    if object_key.split("/", 1)[0] != user.id:
        raise HTTPException(status_code=404, detail="Not found")
    try:
        path = layer.files.path_for(object_key)
    except ValueError:
        raise HTTPException(status_code=404, detail="Not found") from None
    if not path.is_file() or path.name.endswith(".mime"):
        raise HTTPException(status_code=404, detail="Not found")
    return FileResponse(path, media_type=layer.files.mime_of(path))


def _add_first(path: str, endpoint: Any) -> None:
    """Register a GET route ahead of everything Chainlit registered (its catch-all included).

    Inserting at the front rather than next to the catch-all keeps working whether the
    FastAPI version lists Chainlit's routes one by one or as a single included router."""
    from chainlit.server import app

    routes: list[Any] = app.router.routes
    if any(isinstance(r, APIRoute) and r.path == path and r.endpoint is endpoint for r in routes):
        return
    app.add_api_route(path, endpoint, methods=["GET"])
    routes.insert(0, routes.pop())


async def avatar(avatar_id: str) -> FileResponse:
    """Message avatars: a file in `public/avatars/` when there is one, the Sparring mark for
    the app's own notes, and a neutral person for every manager persona."""
    from chainlit.config import APP_ROOT

    public = Path(APP_ROOT) / "public"
    slug = avatar_id.strip().lower().replace(" ", "_").replace(".", "_")
    if re.fullmatch(r"[a-z0-9_-]+", slug):
        found = next((public / "avatars").glob(f"{slug}.*"), None)
        if found is not None:
            return FileResponse(found)
    name = "favicon.svg" if slug in ("sparring", "default") else "persona.svg"
    return FileResponse(public / name, media_type="image/svg+xml")


def install_routes() -> None:
    """`/health` and stored element files; idempotent, as Chainlit may reload the app."""
    _add_first("/health", health)
    _add_first(URL_PREFIX + "{object_key:path}", element_file)
    _add_first("/avatars/{avatar_id}", avatar)
