"""Ownership checks Chainlit leaves out: thumbs feedback is written by step id alone.

Chainlit's `PUT /feedback` and `DELETE /feedback` accept any step or feedback id from any
logged-in user. This middleware lets the request through only when the step belongs
to a thread of the current user, so one coach cannot touch another's sessions.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

_OWNER_OF_STEP = (
    'SELECT t."userIdentifier" FROM steps s JOIN threads t ON s."threadId" = t."id" '
    'WHERE s."id" = :step_id'
)
_OWNER_OF_FEEDBACK = (
    'SELECT t."userIdentifier" FROM feedbacks f JOIN steps s ON f."forId" = s."id" '
    'JOIN threads t ON s."threadId" = t."id" WHERE f."id" = :feedback_id'
)


async def _user_identifier(request: Request) -> str | None:
    from chainlit.auth import get_current_user, get_token_from_cookies

    token = get_token_from_cookies(request.cookies)
    header = request.headers.get("Authorization", "")
    if not token and header.lower().startswith("bearer "):
        token = header[7:]
    if not token:
        return None
    try:
        user = await get_current_user(token)
    except HTTPException:
        return None
    return user.identifier if user else None


async def _owner(query: str, params: dict[str, Any]) -> str | None:
    from chainlit.data import get_data_layer

    from sparring.storage.datalayer import SparringDataLayer

    layer = get_data_layer()
    if not isinstance(layer, SparringDataLayer):
        return None
    try:
        async with layer.engine.connect() as conn:
            row = (await conn.execute(text(query), params)).first()
    except Exception:  # malformed ids (e.g. not a UUID on Postgres) own nothing
        return None
    return str(row[0]) if row else None


async def guard_feedback(request: Request,
                         call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    if request.method not in ("PUT", "DELETE") or not request.url.path.endswith("/feedback"):
        return await call_next(request)
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return await call_next(request)  # Chainlit answers malformed bodies itself
    if request.method == "PUT":
        target = str((body.get("feedback") or {}).get("forId", ""))
        owner = await _owner(_OWNER_OF_STEP, {"step_id": target})
    else:
        owner = await _owner(_OWNER_OF_FEEDBACK, {"feedback_id": str(body.get("feedbackId", ""))})
    user = await _user_identifier(request)
    if user is None or owner != user:
        return JSONResponse({"detail": "Not found"}, status_code=404)
    return await call_next(request)


def install_guards() -> None:
    from chainlit.server import app

    if not getattr(app.state, "sparring_guards", False):
        app.middleware("http")(guard_feedback)
        app.state.sparring_guards = True
