"""The review queue in the browser: `/trainer/review` and its JSON API.

Coaches rate manager replies with Chainlit's thumbs up/down (and an optional comment); nobody read
them before. Here each rating shows the turn it rates (the coach's line, the move, the
hidden state, guards and fallback; see `queue.py`), and a trainer marks it fixed with
the persona version that fixed it. Only sessions their coach shared reach this page
(`ShareStore.visible_sessions`), so a rating on an unshared session is never shown.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from sparring.storage.reviews import ReviewStore
from sparring.storage.sharing import ShareStore
from sparring.trainer.pages import PREFIX, render, trainer_router
from sparring.trainer.queue import build_queue, find_item
from sparring.trainer.roles import Trainer, require_trainer

NAV = ("Review", PREFIX + "/review")
#: The logged-in trainer (401/403 otherwise); the router checks the role as well.
TrainerDep = Annotated[Trainer, Depends(require_trainer)]
STATUSES = ("open", "fixed")
router = trainer_router()


def stores() -> tuple[ShareStore, ReviewStore]:
    """The share and review stores of the running app's data layer (503 without one)."""
    from chainlit.data import get_data_layer

    from sparring.storage.datalayer import SparringDataLayer

    layer = get_data_layer()
    if not isinstance(layer, SparringDataLayer):
        raise HTTPException(status_code=503, detail="No database is configured.")
    return layer.shares, layer.reviews


def same_origin(request: Request) -> None:
    """Refuse a state change sent from another site's page (the login is a cookie)."""
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise HTTPException(status_code=403, detail="Cross-site request refused.")


def _status(value: str | None) -> str | None:
    if value in (None, "", "all"):
        return None
    if value not in STATUSES:
        raise HTTPException(status_code=422, detail=f"status must be one of: all, {', '.join(STATUSES)}")
    return value


def _versions(request: Request, persona_id: str | None) -> list[tuple[str, str]]:
    """The persona's saved versions (the studio's history), newest first, for the 'fixed in'
    field: (value, label). Free text stays allowed: a fix may predate the studio."""
    from sparring.errors import UserError
    from sparring.trainer.roles import settings_of
    from sparring.trainer.versions import History

    if not persona_id:
        return []
    try:
        found = History(settings_of(request).data_dir, "personas").versions(persona_id)
    except UserError:  # not an id the studio keeps history for
        return []
    return [(f"v{v.number}", f"v{v.number} · {v.saved_by} · {v.saved_at[:16]}") for v in reversed(found)]


@router.get(PREFIX + "/review", response_class=HTMLResponse)
async def review_page(request: Request, trainer: TrainerDep, persona: str | None = None,
                      status: str | None = "open") -> HTMLResponse:
    """The queue, newest rating first; filter by persona and by open/fixed."""
    shares, reviews = stores()
    chosen = _status(status)
    items = await build_queue(shares, reviews, trainer.name, persona or None, chosen)
    everything = await build_queue(shares, reviews, trainer.name)
    personas = sorted({i.persona_id for i in everything})
    return render(request, "review.html", trainer, items=items, personas=personas,
                  persona=persona or "", status=chosen or "all", versions=_versions(request, persona))


@router.get(PREFIX + "/api/review")
async def review_api(trainer: TrainerDep, persona: str | None = None,
                     status: str | None = None) -> JSONResponse:
    """The same queue as JSON (what `sparring personas feedback ID --json` prints)."""
    shares, reviews = stores()
    items = await build_queue(shares, reviews, trainer.name, persona or None, _status(status))
    return JSONResponse([i.to_json() for i in items])


class Verdict(BaseModel):
    """Mark a rating fixed (naming the persona version that fixed it) or open again."""

    model_config = ConfigDict(extra="forbid")

    fixed: bool
    version: str | None = Field(None, max_length=200)


@router.post(PREFIX + "/api/review/{feedback_id}")
async def set_verdict(feedback_id: str, verdict: Verdict, request: Request,
                      trainer: TrainerDep) -> JSONResponse:
    same_origin(request)
    shares, reviews = stores()
    item = await find_item(shares, reviews, trainer.name, feedback_id)
    if item is None:  # not a rating this trainer may see: as if it did not exist
        raise HTTPException(status_code=404, detail="No such rating in your review queue.")
    version = (verdict.version or "").strip() or None
    await reviews.set_status(feedback_id, item.thread_id, verdict.fixed, version, trainer.name)
    updated = await find_item(shares, reviews, trainer.name, feedback_id)
    return JSONResponse(updated.to_json() if updated else {})
