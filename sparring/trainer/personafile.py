"""A persona's YAML as the studio edits it: validated exactly as `sparring personas
validate` would validate it saved in place, and its common fields read and written.

Validation parses the editor's text as `personas/<id>.yaml` with the loader's own
functions, then runs the folder-wide checks (id = file name, ids unique) against the
other saved files, so the browser shows the same `file:line: field: message — hint`
lines as the command. The form edits the text in place (the span of one YAML value),
so the trainer's comments, order and layout survive a change made through the form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sparring.persona.loader import (
    MAX_BYTES,
    PersonaFileError,
    Problem,
    TextLoader,
    _collection_problems,
    _from_text,
    _load,
    list_persona_files,
)
from sparring.persona.model import DIFFICULTIES, Persona

#: The common fields the form shows, as paths into the YAML mapping.
FORM_FIELDS: tuple[tuple[str, ...], ...] = (
    ("name",), ("role",), ("pattern",), ("scenario",), ("opening_line",),
    *(("starting_resistance", d) for d in DIFFICULTIES),
)


@dataclass(frozen=True)
class Checked:
    """The outcome of validating a draft: the persona when valid, else every problem."""

    persona: Persona | None
    problems: list[Problem]


def check_text(personas_dir: Path, persona_id: str, text: str) -> Checked:
    """Validate `text` as the file `personas_dir/<persona_id>.yaml`, folder rules included."""
    path = personas_dir / f"{persona_id}.yaml"
    if len(text.encode("utf-8")) > MAX_BYTES:
        return Checked(None, [Problem(path, None, "file is larger than 1 MB",
                                      hint="this is not a persona file")])
    if "\x00" in text:
        return Checked(None, [Problem(path, None, "the text contains a NUL character",
                                      hint="paste plain text only")])
    try:
        loaded = _from_text(path, text)
    except PersonaFileError as exc:
        return Checked(None, list(exc.problems))
    others = []
    for other in list_persona_files([personas_dir]):
        if other.resolve() != path.resolve():
            try:
                others.append(_load(other))
            except PersonaFileError:
                continue  # its own problems are its own file's business
    problems = [p for p in _collection_problems([loaded, *others]) if p.path == path]
    return Checked(None if problems else loaded.persona, problems)


def problem_json(problem: Problem) -> dict[str, Any]:
    return {"line": problem.line, "field": problem.field, "message": problem.message,
            "hint": problem.hint, "text": str(problem)}


def _load_tree(text: str) -> yaml.Node | None:
    loader = TextLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def form_values(text: str) -> dict[str, str]:
    """The form fields' current values as text ('' when absent); {} when the YAML is broken."""
    try:
        data = yaml.load(text, Loader=TextLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(data, dict):
        return {}
    out: dict[str, str] = {}
    for path in FORM_FIELDS:
        value: Any = data
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        out[".".join(path)] = "" if value is None or isinstance(value, dict | list) else str(value)
    return out


def _scalar(value: str) -> str:
    """A YAML value for the form's text: numbers stay numbers, anything else is a quoted string
    (JSON's double-quoted strings are valid YAML and need no thought about ': ' or '#')."""
    try:
        number = float(value)
    except ValueError:
        return json.dumps(value, ensure_ascii=False)
    return value.strip() if number == number else json.dumps(value)


def set_field(text: str, path: tuple[str, ...], value: str) -> str:
    """`text` with the value at `path` replaced (or a missing top-level key appended)."""
    root = _load_tree(text)
    if not isinstance(root, yaml.MappingNode):
        raise ValueError("the YAML is not a mapping of keys; fix it in the text first")
    node: yaml.Node = root
    for depth, key in enumerate(path):
        if not isinstance(node, yaml.MappingNode):
            raise ValueError(f"'{'.'.join(path[:depth])}' is not a mapping")
        found = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
        if found is None:
            if depth == 0:
                sep = "" if text.endswith("\n") or not text else "\n"
                return f"{text}{sep}{key}: {_scalar(value)}\n"
            raise ValueError(f"'{'.'.join(path)}' is missing; add it in the text")
        node = found
    start, end = node.start_mark.index, node.end_mark.index
    span = text[start:end]
    tail = "\n" if span.endswith("\n") else ""
    return text[:start] + _scalar(value) + tail + text[end:]
