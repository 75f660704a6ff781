"""Save, history, diff and restore for the files trainers edit, personas and prompts alike.

One implementation for both kinds, so both get the same guarantees: the id is checked
before any path is built (`versions.safe_path`), an invalid text is never written,
a save is refused with 409 when the file changed after the editor loaded it, and
every save is a new numbered version with who saved it and when.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRouter
from pydantic import BaseModel, Field

from sparring.errors import UserError
from sparring.settings import Settings
from sparring.trainer.roles import TrainerUser, settings_of
from sparring.trainer.versions import BadId, History, StaleEdit, digest, safe_path, unified_diff

#: Problems as the page shows them (`personafile.problem_json` shape).
Problems = list[dict[str, Any]]


class SaveBody(BaseModel):
    text: str = Field(max_length=1_000_000)
    loaded_sha256: str | None = Field(None, description="Hash of the text the editor loaded.")


class RestoreBody(BaseModel):
    number: int = Field(ge=1)
    loaded_sha256: str | None = None


@dataclass(frozen=True)
class Kind:
    """One kind of editable file: where it lives, its file suffixes, how to check a text."""

    name: str
    folder: Callable[[Settings], Path]
    suffixes: tuple[str, ...]
    check: Callable[[Settings, str, str], Problems]

    def path(self, settings: Settings, item_id: str, must_exist: bool = True) -> Path:
        """The file for `item_id`: 400 for an id that is not a plain name, 404 when absent."""
        folder = self.folder(settings)
        try:
            candidates = [safe_path(folder, item_id, suffix) for suffix in self.suffixes]
        except BadId as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from None
        found = next((p for p in candidates if p.is_file()), None)
        if found is None and must_exist:
            raise HTTPException(status_code=404, detail=f"no {self.name} file '{item_id}'")
        return found or candidates[0]

    def history(self, settings: Settings) -> History:
        return History(settings.data_dir, self.name)

    def file_state(self, settings: Settings, item_id: str) -> dict[str, Any]:
        """What an editor needs to start: the text, its hash, the versions so far."""
        path = self.path(settings, item_id)
        text = path.read_text("utf-8")
        return {"text": text, "sha256": digest(text), "file": path.name,
                "versions": versions_json(self.history(settings), item_id)}


def versions_json(history: History, item_id: str) -> list[dict[str, Any]]:
    return [asdict(v) for v in reversed(history.versions(item_id))]  # newest first


def _refuse_invalid(problems: Problems) -> JSONResponse:
    return JSONResponse(status_code=422, content={
        "detail": "not saved: the file has problems", "problems": problems})


def _save(kind: Kind, settings: Settings, item_id: str, text: str, who: str,
          loaded: str | None, restored_from: int | None = None) -> dict[str, Any] | JSONResponse:
    path = kind.path(settings, item_id)  # the id is checked before anything reads the text
    problems = kind.check(settings, item_id, text)
    if problems:
        return _refuse_invalid(problems)
    try:
        version = kind.history(settings).save(path, item_id, text, who, loaded, restored_from)
    except StaleEdit as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    return {"version": version.number, "sha256": version.sha256, "text": text,
            "versions": versions_json(kind.history(settings), item_id)}


def add_file_routes(router: APIRouter, kind: Kind) -> None:
    """`/trainer/api/<kind>/{id}/save|versions|versions/{n}|restore` for one kind of file, on
    `router` (a `pages.trainer_router()`, so each route checks the role)."""
    base = f"/trainer/api/{kind.name}/{{item_id}}"

    @router.post(base + "/save", response_model=None)
    async def save(item_id: str, body: SaveBody, request: Request,
                   trainer: TrainerUser) -> dict[str, Any] | JSONResponse:
        """Write the text if it is valid and the file is still the one the editor loaded."""
        return _save(kind, settings_of(request), item_id, body.text, trainer.name, body.loaded_sha256)

    @router.get(base + "/versions")
    async def versions(item_id: str, request: Request) -> dict[str, Any]:
        return kind.file_state(settings_of(request), item_id)

    @router.get(base + "/versions/{number}")
    async def version(item_id: str, number: int, request: Request) -> dict[str, Any]:
        """One earlier version's text, and its diff to the file as it is now."""
        settings = settings_of(request)
        current = kind.path(settings, item_id).read_text("utf-8")
        try:
            old = kind.history(settings).text(item_id, number)
        except BadId as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from None
        except UserError:
            raise HTTPException(status_code=404, detail=f"no version {number}") from None
        return {"number": number, "text": old,
                "diff": unified_diff(old, current, f"version {number}", "saved now")}

    @router.post(base + "/restore", response_model=None)
    async def restore(item_id: str, body: RestoreBody, request: Request,
                      trainer: TrainerUser) -> dict[str, Any] | JSONResponse:
        """Save an earlier version again, as a new version (history is never rewritten)."""
        settings = settings_of(request)
        kind.path(settings, item_id)
        try:
            text = kind.history(settings).text(item_id, body.number)
        except BadId as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from None
        except UserError:
            raise HTTPException(status_code=404, detail=f"no version {body.number}") from None
        return _save(kind, settings, item_id, text, trainer.name, body.loaded_sha256, body.number)
