"""Unsaved persona drafts a trainer tries in the chat, kept apart from the saved files.

"Try it" stores the editor's text under a random token (`data/drafts/<token>.json`,
with its author and persona id) and sends the trainer's browser to `/trainer/try/<token>`,
which sets a short-lived cookie and opens the chat. When a chat starts, `draft_for_chat`
looks for that cookie on the chat's socket connection and, if the draft is the same
user's, practises with the draft instead of the saved persona. The file in `personas/`
is never touched; the cookie expires after `TRY_MINUTES` (or on "Stop trying"), after
which new chats use the saved persona again.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import asdict, dataclass
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any

from sparring.errors import UserError
from sparring.persona.model import Persona

COOKIE = "sparring_try"
TRY_MINUTES = 30
#: Drafts older than this are removed when a new one is stored.
KEEP_SECONDS = 24 * 3600
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class Draft:
    persona_id: str
    text: str
    author: str
    created: float


def _folder(data_dir: Path) -> Path:
    return data_dir / "drafts"


def store_draft(data_dir: Path, persona_id: str, text: str, author: str) -> str:
    """Keep `text` under a new token and return the token; old drafts are swept."""
    folder = _folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.glob("*.json"):
        if now - old.stat().st_mtime > KEEP_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    draft = Draft(persona_id, text, author, now)
    (folder / f"{token}.json").write_text(json.dumps(asdict(draft)), "utf-8")
    return token


def load_draft(data_dir: Path, token: str) -> Draft | None:
    """The draft behind `token`, or None when the token is malformed, unknown or expired."""
    if not TOKEN_RE.fullmatch(token):
        return None
    path = _folder(data_dir) / f"{token}.json"
    if not path.is_file():
        return None
    draft = Draft(**json.loads(path.read_text("utf-8")))
    return draft if time.time() - draft.created <= KEEP_SECONDS else None


def token_from_environ(environ: dict[str, Any] | None) -> str | None:
    """The try-it token among the cookies the chat's socket connection was opened with."""
    header = (environ or {}).get("HTTP_COOKIE")
    if not header:
        return None
    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(str(header))
    except CookieError:  # a malformed cookie from some other app on this host: no draft
        return None
    morsel = cookie.get(COOKIE)
    return morsel.value if morsel else None


def draft_persona(draft: Draft, personas_dir: Path) -> Persona:
    """Parse the draft as if it were `personas/<id>.yaml` (it was valid when stored)."""
    from sparring.persona.loader import _from_text

    return _from_text(personas_dir / f"{draft.persona_id}.yaml", draft.text).persona


def draft_for_chat(data_dir: Path, personas_dir: Path, environ: dict[str, Any] | None,
                   user: str) -> Persona | None:
    """The draft persona this chat should use, or None for the saved one. Only the draft's
    own author gets it, so a token that leaks is useless to anyone else."""
    token = token_from_environ(environ)
    draft = load_draft(data_dir, token) if token else None
    if draft is None or draft.author != user:
        return None
    try:
        return draft_persona(draft, personas_dir)
    except UserError:  # the draft no longer parses (the code changed): the saved file it is
        return None
