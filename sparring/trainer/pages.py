"""The trainer pages' shell (one nav, one stylesheet) and their registration on Chainlit's app.

Every trainer page and API is a route on one `APIRouter` whose dependency is
`require_trainer`, so no route can be added without the role check. Chainlit ends
its router with a catch-all that serves the chat client; like `ui/routes.py`, ours
are moved to the front of the app's routes. Each topic module (`studio.py`,
`review.py`, `cohort.py`, ...) exposes `router` (and optionally `NAV`, a
`(label, path)` for the menu) and is picked up here by name.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.routing import APIRoute, APIRouter
from fastapi.templating import Jinja2Templates

from sparring.settings import Settings
from sparring.trainer.roles import SETTINGS_KEY, Trainer, TrainerUser, require_trainer

PREFIX = "/trainer"
HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))

#: Topic modules, in menu order; a module not written yet is skipped.
TRAINER_MODULES = (
    "sparring.trainer.studio",
    "sparring.trainer.prompt_studio",
    "sparring.trainer.review",
    "sparring.trainer.cohort",
)
_INSTALLED = "sparring_trainer_installed"


def trainer_router() -> APIRouter:
    """A router whose every route requires the trainer role (401/403 otherwise)."""
    return APIRouter(dependencies=[Depends(require_trainer)])


def _modules() -> list[Any]:
    return [importlib.import_module(name) for name in TRAINER_MODULES
            if importlib.util.find_spec(name) is not None]


def nav() -> list[tuple[str, str]]:
    """The menu: every installed topic module that names a page."""
    items = [getattr(module, "NAV", None) for module in _modules()]
    return [item for item in items if item]


def render(request: Request, template: str, trainer: Trainer, **context: Any) -> HTMLResponse:
    """A page in the shared shell (`base.html`): nav, who is logged in, the page's content."""
    return templates.TemplateResponse(request, template, {
        "nav": nav(), "trainer": trainer, "path": request.url.path, **context})


router = trainer_router()


@router.get(PREFIX, response_class=HTMLResponse)
async def home(request: Request, trainer: TrainerUser) -> HTMLResponse:
    """The trainer's start page: what each section is for."""
    return render(request, "home.html", trainer)


@router.get(PREFIX + "/static/{name}")
async def static(name: str) -> FileResponse:
    """Our small CSS/JS, and plotly.js from the installed `plotly` package (never a CDN)."""
    if name == "plotly.min.js":
        import plotly

        return FileResponse(Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
                            media_type="text/javascript")
    path = STATIC / name
    if not re.fullmatch(r"[a-z0-9_-]+\.(css|js)", name) or not path.is_file():
        raise HTTPException(status_code=404, detail="Not found")
    return FileResponse(path)


def _flatten(router: APIRouter) -> list[APIRoute]:
    """The router's own routes, looking into routers included in it. FastAPI 0.16x keeps an
    included router as one opaque entry; our routes must be plain entries to go first."""
    out: list[APIRoute] = []
    for route in router.routes:
        if isinstance(route, APIRoute):
            out.append(route)
        elif isinstance(inner := getattr(route, "original_router", None), APIRouter):
            out.extend(_flatten(inner))
    return out


#: Last of ours: any other `/trainer/...` path is a 404 here (after the role check), never
#: Chainlit's catch-all serving the chat client for a mistyped or crafted trainer URL.
fallback = trainer_router()


@fallback.api_route(PREFIX + "/{rest:path}", methods=["GET", "POST"])
async def not_found(rest: str) -> None:
    raise HTTPException(status_code=404, detail="Not found")


def install_trainer_routes(app: FastAPI, settings: Settings) -> None:
    """Put every trainer route at the front of `app`'s routes; idempotent (Chainlit may
    import the app module again on reload)."""
    setattr(app.state, SETTINGS_KEY, settings)
    if getattr(app.state, _INSTALLED, False):
        return
    routers = (router, *(m.router for m in _modules()), fallback)
    ours = [route for r in routers for route in _flatten(r)]
    unguarded = [r.path for r in ours if not _guarded(r)]
    if unguarded:  # a route built outside `trainer_router()`: refuse to serve it at all
        raise RuntimeError(f"trainer routes without the role check: {unguarded}")
    app.router.routes[0:0] = ours
    setattr(app.state, _INSTALLED, True)


def _guarded(route: APIRoute) -> bool:
    return any(getattr(d, "dependency", None) is require_trainer for d in route.dependencies)


def trainer_paths(app: FastAPI) -> list[tuple[str, set[str]]]:
    """Every trainer route (path, methods): what the security tests enumerate."""
    out: list[tuple[str, set[str]]] = []
    for route in app.router.routes:
        path = getattr(route, "path", "")
        if path == PREFIX or path.startswith(PREFIX + "/"):
            out.append((path, set(getattr(route, "methods", None) or {"GET"})))
    return out
