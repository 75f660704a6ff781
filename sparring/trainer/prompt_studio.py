"""The prompt studio, `/trainer/prompts`: the same edit, validate, save and history flow
as personas, for the templates in `prompts/`.

A draft is checked by the loader the app itself uses for that file (`parse_prompt` for
`*.md`, the feedback-tip and debrief-text loaders for their YAML), run on a copy in a
temporary folder so the saved file is never touched; messages name `prompts/<file>`
as the app's would. "Try it" here is a preview: a template that only needs a persona
is rendered for one, so the trainer reads exactly what the model would receive.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from sparring.errors import UserError
from sparring.settings import Settings
from sparring.trainer.editing import Kind, add_file_routes
from sparring.trainer.pages import render, trainer_router
from sparring.trainer.roles import TrainerUser, settings_of
from sparring.trainer.versions import digest

NAV = ("Prompts", "/trainer/prompts")
SUFFIXES = (".md", ".yaml")


class TextBody(BaseModel):
    text: str = Field(max_length=1_000_000)
    persona: str | None = None


def _problem(message: str, tmp: Path, shown: str) -> dict[str, Any]:
    text = message.replace(str(tmp), shown)
    found = re.match(rf"{re.escape(shown)}:(\d+):", text)
    field = re.search(r"field '([^']+)'", text)
    return {"line": int(found.group(1)) if found else None, "field": field.group(1) if field else "",
            "message": text, "hint": "", "text": text}


def _load_draft(settings: Settings, item_id: str, text: str) -> tuple[object | None, list[dict[str, Any]]]:
    """Load the draft with the app's own loader for this file; (loaded, problems)."""
    from sparring.debrief.texts import load_debrief_texts, load_feedback_tips
    from sparring.prompts import PromptError, parse_prompt

    path = PROMPTS.path(settings, item_id)
    shown = f"{settings.prompts_dir.name}/{path.name}"
    with tempfile.TemporaryDirectory(prefix="sparring-prompt-") as folder:
        tmp = Path(folder) / path.name
        tmp.write_text(text, "utf-8")
        try:
            if path.suffix == ".md":
                return parse_prompt(tmp), []
            if path.name == "feedback_tips.yaml":
                return load_feedback_tips(Path(folder)), []
            if path.name == "debrief_templates.yaml":
                return load_debrief_texts(Path(folder)), []
            import yaml

            return yaml.safe_load(text), []
        except (PromptError, UserError, ValueError) as exc:
            return None, [_problem(str(exc), tmp, shown)]
        except Exception as exc:  # e.g. YAML errors of an unknown file: report, never crash
            return None, [_problem(f"{shown}: {exc}", tmp, shown)]


def _check(settings: Settings, item_id: str, text: str) -> list[dict[str, Any]]:
    return _load_draft(settings, item_id, text)[1]


PROMPTS = Kind("prompts", lambda s: s.prompts_dir, SUFFIXES, _check)
router = trainer_router()
add_file_routes(router, PROMPTS)


def _preview(settings: Settings, loaded: object, persona_id: str | None) -> str | None:
    """The template rendered for a persona, when a persona is all it needs."""
    from sparring.persona.loader import load_personas
    from sparring.prompts import PromptTemplate

    if not isinstance(loaded, PromptTemplate) or set(loaded.meta.variables) != {"persona"}:
        return None
    try:
        personas = load_personas(settings.personas_dir)
        persona = personas.get(persona_id or settings.default_persona) or next(iter(personas.values()))
        return loaded.render(persona=persona)
    except UserError as exc:
        return f"(no preview: {exc})"


@router.get("/trainer/prompts", response_class=HTMLResponse)
async def prompt_list(request: Request, trainer: TrainerUser) -> HTMLResponse:
    settings = settings_of(request)
    rows = []
    for path in sorted(p for p in settings.prompts_dir.iterdir() if p.suffix in SUFFIXES):
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", path.stem):
            continue
        problems = _check(settings, path.stem, path.read_text("utf-8"))
        versions = PROMPTS.history(settings).versions(path.stem)
        rows.append({"id": path.stem, "file": path.name, "problems": len(problems),
                     "last": versions[-1] if versions else None})
    return render(request, "prompts.html", trainer, rows=rows)


@router.get("/trainer/prompts/{item_id}", response_class=HTMLResponse)
async def prompt_page(item_id: str, request: Request,
                      trainer: TrainerUser) -> HTMLResponse:
    state = PROMPTS.file_state(settings_of(request), item_id)
    return render(request, "prompt_edit.html", trainer, kind="prompts", item_id=item_id, state=state)


@router.post("/trainer/api/prompts/{item_id}/validate")
async def validate(item_id: str, body: TextBody, request: Request) -> dict[str, Any]:
    """The loader's verdict on the draft and, where it makes sense, the rendered preview."""
    settings = settings_of(request)
    loaded, problems = _load_draft(settings, item_id, body.text)
    if problems:
        return {"ok": False, "sha256": digest(body.text), "problems": problems}
    out: dict[str, Any] = {"ok": True, "sha256": digest(body.text), "problems": []}
    preview = _preview(settings, loaded, body.persona)
    if preview is not None:
        out["preview"] = preview
    return out

