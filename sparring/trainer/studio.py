"""The persona studio, `/trainer/personas`: list, edit (YAML + form), validate as you
type, see coverage and dynamics, try a draft in the chat, simulate, save with history.

Pages are server-rendered (`templates/personas*.html`); the editor page talks to the
JSON APIs below through `static/studio.js`. Saving, history and restore are shared
with the prompt studio (`editing.py`).
"""

from __future__ import annotations

from typing import Any

import yaml
from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, Field

from sparring.persona.loader import PersonaFileError, list_persona_files, load_persona_file
from sparring.persona.model import Persona
from sparring.settings import Settings
from sparring.trainer import charts, drafts, personafile
from sparring.trainer.editing import Kind, add_file_routes
from sparring.trainer.pages import render, trainer_router
from sparring.trainer.roles import TrainerUser, settings_of
from sparring.trainer.versions import BadId, digest

NAV = ("Personas", "/trainer/personas")


def _check(settings: Settings, persona_id: str, text: str) -> list[dict[str, Any]]:
    checked = personafile.check_text(settings.personas_dir, persona_id, text)
    return [personafile.problem_json(p) for p in checked.problems]


PERSONAS = Kind("personas", lambda s: s.personas_dir, (".yaml",), _check)
router = trainer_router()
add_file_routes(router, PERSONAS)


class TextBody(BaseModel):
    text: str = Field(max_length=1_000_000)


class FormBody(TextBody):
    field: str
    value: str = Field(max_length=20_000)


def _saved(settings: Settings, persona_id: str) -> Persona | None:
    try:
        return load_persona_file(PERSONAS.path(settings, persona_id))
    except (PersonaFileError, HTTPException):
        return None


def _valid_or_422(settings: Settings, persona_id: str, text: str) -> Persona | JSONResponse:
    checked = personafile.check_text(settings.personas_dir, persona_id, text)
    if checked.persona is None:
        return JSONResponse(status_code=422, content={
            "detail": "the draft has problems; fix them first",
            "problems": [personafile.problem_json(p) for p in checked.problems]})
    return checked.persona


@router.get("/trainer/personas", response_class=HTMLResponse)
async def persona_list(request: Request, trainer: TrainerUser) -> HTMLResponse:
    settings = settings_of(request)
    rows = []
    for path in list_persona_files([settings.personas_dir]):
        if path.suffix != ".yaml":  # the studio edits `<id>.yaml`; a `.yml` file is edited by hand
            continue
        checked = personafile.check_text(settings.personas_dir, path.stem, path.read_text("utf-8"))
        try:
            versions = PERSONAS.history(settings).versions(path.stem)
        except BadId:  # a file whose name is no id (e.g. upper case) cannot be edited here
            continue
        rows.append({"id": path.stem, "persona": checked.persona, "problems": len(checked.problems),
                     "versions": len(versions), "last": versions[-1] if versions else None})
    return render(request, "personas.html", trainer, rows=rows)


@router.get("/trainer/personas/{persona_id}", response_class=HTMLResponse)
async def persona_page(persona_id: str, request: Request,
                       trainer: TrainerUser) -> HTMLResponse:
    state = PERSONAS.file_state(settings_of(request), persona_id)
    form = [(".".join(path), personafile.form_values(state["text"]).get(".".join(path), ""))
            for path in personafile.FORM_FIELDS]
    return render(request, "persona_edit.html", trainer, kind="personas", item_id=persona_id,
                  state=state, form=form)


@router.post("/trainer/api/personas/{persona_id}/validate")
async def validate(persona_id: str, body: TextBody, request: Request) -> dict[str, Any]:
    """Problems as `sparring personas validate` prints them; when valid, coverage and chart."""
    settings = settings_of(request)
    PERSONAS.path(settings, persona_id, must_exist=False)
    checked = personafile.check_text(settings.personas_dir, persona_id, body.text)
    out: dict[str, Any] = {"ok": checked.persona is not None, "sha256": digest(body.text),
                           "problems": [personafile.problem_json(p) for p in checked.problems],
                           "form": personafile.form_values(body.text)}
    if checked.persona is not None:
        out["coverage"] = charts.coverage(checked.persona)
        out["dynamics"] = charts.dynamics_figure(checked.persona)
    return out


@router.post("/trainer/api/personas/{persona_id}/form")
async def form(persona_id: str, body: FormBody, request: Request) -> dict[str, Any]:
    """The YAML with one form field changed in place (comments and layout kept)."""
    PERSONAS.path(settings_of(request), persona_id, must_exist=False)
    path = tuple(body.field.split("."))
    if path not in personafile.FORM_FIELDS:
        raise HTTPException(status_code=400, detail=f"'{body.field}' is not a form field")
    try:
        return {"text": personafile.set_field(body.text, path, body.value)}
    except (ValueError, yaml.YAMLError) as exc:  # broken YAML: the trainer fixes the text first
        raise HTTPException(status_code=422, detail=f"fix the YAML first: {exc}") from None


@router.post("/trainer/api/personas/{persona_id}/try", response_model=None)
async def try_draft(persona_id: str, body: TextBody, request: Request,
                    trainer: TrainerUser) -> dict[str, Any] | JSONResponse:
    """Keep the (valid) draft under a token; the returned URL opens a chat with it."""
    settings = settings_of(request)
    PERSONAS.path(settings, persona_id, must_exist=False)
    persona = _valid_or_422(settings, persona_id, body.text)
    if isinstance(persona, JSONResponse):
        return persona
    token = drafts.store_draft(settings.data_dir, persona_id, body.text, trainer.name)
    return {"url": f"/trainer/try/{token}", "minutes": drafts.TRY_MINUTES}


@router.get("/trainer/try/{token}")
async def open_try(token: str, request: Request,
                   trainer: TrainerUser) -> RedirectResponse:
    """Mark this browser as trying the draft (a short cookie), then open the chat."""
    draft = drafts.load_draft(settings_of(request).data_dir, token)
    if draft is None or draft.author != trainer.name:
        raise HTTPException(status_code=404, detail="this draft has expired; press Try it again")
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(drafts.COOKIE, token, max_age=drafts.TRY_MINUTES * 60, path="/",
                        httponly=True, samesite="strict")
    return response


@router.get("/trainer/stop-trying")
async def stop_trying() -> RedirectResponse:
    """New chats use the saved personas again."""
    response = RedirectResponse("/trainer/personas", status_code=303)
    response.delete_cookie(drafts.COOKIE, path="/")
    return response


@router.post("/trainer/api/personas/{persona_id}/simulate", response_model=None)
async def simulate(persona_id: str, body: TextBody, request: Request) -> dict[str, Any] | JSONResponse:
    """The skilled and directive scripted coaches against the draft and the saved file."""
    settings = settings_of(request)
    PERSONAS.path(settings, persona_id, must_exist=False)
    draft = _valid_or_422(settings, persona_id, body.text)
    if isinstance(draft, JSONResponse):
        return draft
    curves = await charts.simulate(_saved(settings, persona_id), draft, settings)
    return {"curves": curves, "figure": charts.simulation_figure(curves)}
