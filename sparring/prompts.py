"""Prompt templates as data: `prompts/*.md` with YAML front matter.

Each file declares its variables; rendering uses Jinja2 with StrictUndefined,
so a template and its caller cannot drift apart silently.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class PromptError(ValueError):
    """A prompt file is missing or malformed; the message names the file and what to fix."""


class PromptMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str
    variables: list[str] = Field(default_factory=list)


class PromptTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    name: str
    path: Path
    meta: PromptMeta
    body: str

    def render(self, **values: Any) -> str:
        missing = [v for v in self.meta.variables if v not in values]
        if missing:
            raise PromptError(f"{self.path}: render() is missing variables {missing}")
        try:
            return _compiled(self.body).render(**values).strip()
        except jinja2.TemplateError as exc:
            raise PromptError(f"{self.path}: {exc}") from exc


@lru_cache(maxsize=256)
def _compiled(body: str) -> jinja2.Template:
    """Compiling costs ~25 ms and the engine renders two templates a turn: do it once."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False,
                             trim_blocks=True, lstrip_blocks=True, autoescape=False)
    return env.from_string(body)


def parse_prompt(path: Path) -> PromptTemplate:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise PromptError(f"{path}: cannot read prompt file ({exc.strerror})") from exc
    if not text.startswith("---\n"):
        raise PromptError(f"{path}:1: a prompt file starts with '---' and YAML front matter")
    head, sep, body = text[4:].partition("\n---\n")
    if not sep:
        raise PromptError(f"{path}: front matter is not closed with a '---' line")
    try:
        meta = PromptMeta.model_validate(yaml.safe_load(head) or {})
    except yaml.YAMLError as exc:
        raise PromptError(f"{path}: front matter is not valid YAML: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise PromptError(f"{path}: front matter field '{field}': {first['msg']}") from exc
    env = jinja2.Environment()
    try:
        used = jinja2.meta.find_undeclared_variables(env.parse(body))
    except jinja2.TemplateSyntaxError as exc:
        raise PromptError(f"{path}:{exc.lineno + head.count(chr(10)) + 2}: {exc.message}") from exc
    undeclared = sorted(used - set(meta.variables))
    if undeclared:
        raise PromptError(f"{path}: uses variables not declared in front matter: {undeclared}")
    return PromptTemplate(name=path.stem, path=path, meta=meta, body=body)


@lru_cache(maxsize=64)
def _cached(path: Path, mtime: float) -> PromptTemplate:
    return parse_prompt(path)


def load_prompt(prompts_dir: Path, name: str) -> PromptTemplate:
    """Load `prompts_dir/name.md`; cached until the file changes, so trainers' edits show at once."""
    path = prompts_dir / f"{name}.md"
    if not path.is_file():
        raise PromptError(f"{path}: prompt file not found")
    return _cached(path, path.stat().st_mtime)
