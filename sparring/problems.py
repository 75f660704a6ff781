"""Turning what went wrong in a persona file into `file:line: field: message — what to do`.

Trainers edit these files by hand, often without a schema-aware editor, so a
bare pydantic error (a `loc` tuple and no line) is not enough: every problem is
mapped back to the YAML node it came from and given a concrete next step.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from sparring.errors import UserError
from sparring.persona.model import DIFFICULTIES, Move, Persona

Loc = tuple[int | str, ...]


@dataclass(frozen=True)
class Problem:
    """One fixable problem; `line` is 1-based, None when the file could not be located at all."""

    path: Path
    line: int | None
    message: str
    field: str = ""
    hint: str = ""

    def __str__(self) -> str:
        where = display_path(self.path) + (f":{self.line}" if self.line else "")
        field = f" field '{self.field}':" if self.field else ""
        hint = f" — {self.hint}" if self.hint else ""
        return f"{where}:{field} {self.message}{hint}"


class PersonaFileError(UserError):
    """One or more persona files are unusable; `problems` lists every problem found, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path: Path) -> str:
    """Relative to the working directory when possible, so messages read `personas/x.yaml`."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


def suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def field_name(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _annotation_at(loc: Loc) -> Any:
    """The type expected at `loc` (a model class, list[...], dict[...] or a leaf), or None."""
    tp: Any = Persona
    for part in loc:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            info = tp.model_fields.get(str(part))
            if info is None:
                return None
            tp = info.annotation
        elif get_origin(tp) is list:
            tp = get_args(tp)[0]
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        else:
            return None
    return tp


def _keys_at(loc: Loc) -> list[str]:
    tp = _annotation_at(loc)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    if loc in (("example_lines",), ("lines",)):
        return [m.value for m in Move]
    if loc == ("starting_resistance",) or loc == ("dynamics", "pace"):
        return list(DIFFICULTIES)
    return []


def _description(loc: Loc) -> str:
    parent = _annotation_at(loc[:-1])
    if isinstance(parent, type) and issubclass(parent, BaseModel):
        info = parent.model_fields.get(str(loc[-1]))
        if info is not None and info.description:
            return info.description
    return ""


def line_of(root: yaml.Node, loc: Loc, *, key: bool = False) -> int:
    """1-based line of the node at `loc`, or of the deepest ancestor that exists.

    Values reached through a mapping report the line of their key, which is where
    a trainer looks; `key=True` is for problems that are about the key itself.
    """
    node, line = root, root.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pairs = [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)]
            if not pairs:
                return line
            knode, node = pairs[-1]  # YAML keeps the last of duplicate keys
            line = knode.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line if key or not isinstance(node, yaml.ScalarNode) else node.start_mark.line + 1


def _scalar_text(root: yaml.Node, loc: Loc) -> str | None:
    node: yaml.Node | None = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = [v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)]
            node = found[-1] if found else None
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return None
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _translate(path: Path, root: yaml.Node, err: ErrorDetails) -> Problem:
    loc: Loc = tuple(err["loc"])
    kind, msg = err["type"], err["msg"]
    if loc and loc[-1] == "[key]":
        bad, parent = str(loc[-2]), loc[:-2]
        hint = suggest(bad, _keys_at(parent)) or f"use one of: {', '.join(_keys_at(parent))}"
        return Problem(path, line_of(root, loc[:-1], key=True), f"unknown key '{bad}'",
                       field_name(parent), hint)
    if kind == "extra_forbidden":
        allowed = _keys_at(loc[:-1])
        hint = suggest(str(loc[-1]), allowed) or f"remove it; allowed here: {', '.join(allowed)}"
        return Problem(path, line_of(root, loc, key=True), "unknown key", field_name(loc), hint)
    if kind == "missing":
        about = _description(loc)
        hint = f"add '{loc[-1]}:'" + (f" under '{field_name(loc[:-1])}'" if len(loc) > 1 else "")
        return Problem(path, line_of(root, loc[:-1], key=True), "required field is missing",
                       field_name(loc), hint + (f" ({about})" if about else ""))
    if kind == "invalid_key":
        return Problem(path, line_of(root, loc[:-1], key=True), "a key is not text",
                       field_name(loc[:-1]), "write keys as plain words, e.g. 'name:'")
    if not loc and kind == "value_error":  # the model's own cross-field checks
        text = msg.removeprefix("Value error, ")
        first = text.split()[0] if text else ""
        target: Loc = (first,) if first in Persona.model_fields else ("concerns",) if "concern" in text else ()
        return Problem(path, line_of(root, target, key=True), text, field_name(target),
                       "add the missing entries" if "needs" in text else "make each one different")
    return Problem(path, line_of(root, loc), _message(kind, msg, err.get("input")),
                   field_name(loc), _hint(kind, root, loc, err.get("input")))


def _message(kind: str, msg: str, value: Any) -> str:
    shown = {bool: "a true/false value", int: "a number", float: "a number", type(None): "nothing",
             list: "a list", dict: "a mapping"}.get(type(value), "")
    if kind == "string_type":
        return f"expected text, got {shown or type(value).__name__}"
    if kind in ("float_type", "float_parsing", "int_type", "int_parsing"):
        return f"expected a number, got {shown or repr(value)[:40]}"
    if kind == "list_type":
        return f"expected a list, got {shown or 'text'}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping of keys, got {shown or 'text'}"
    return msg[0].lower() + msg[1:] if msg else kind


def _hint(kind: str, root: yaml.Node, loc: Loc, value: Any) -> str:
    if kind == "string_type" and isinstance(value, dict):
        return "YAML reads 'word: ' inside text as a key; put the whole text in quotes"
    if kind == "string_type":
        original = _scalar_text(root, loc)
        return f'put the text in quotes: "{original}"' if original else "write the text after the colon"
    if kind in ("float_type", "float_parsing", "int_type", "int_parsing"):
        return "write a plain number such as 6.5"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return "levels run from 0 (fully open) to 10 (completely closed)" if loc and loc[-1] != "max_step" \
            else "use a value in the allowed range"
    if kind == "list_type":
        return "write each item on its own line starting with '- '"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "indent 'key: value' lines under it"
    if kind == "string_pattern_mismatch":
        return "use lowercase letters, digits, '-' and '_' only, e.g. 'new-manager'"
    if kind == "too_short":
        return "add at least one entry"
    if kind in ("literal_error", "enum"):
        return "use one of the values listed"
    return "fix the value"


def _misspelt_required(errors: list[ErrorDetails]) -> set[Loc]:
    """Required fields whose absence is explained by a misspelt key next to them."""
    missing = {tuple(e["loc"]) for e in errors if e["type"] == "missing"}
    covered: set[Loc] = set()
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(loc[-1]), _keys_at(loc[:-1]), n=1, cutoff=0.6)
            if close and (*loc[:-1], close[0]) in missing:
                covered.add((*loc[:-1], close[0]))
    return covered


def validation_problems(path: Path, root: yaml.Node, exc: ValidationError) -> list[Problem]:
    """One problem per mistake: a misspelt required key is reported once, at the misspelling."""
    errors = exc.errors()
    covered = _misspelt_required(errors)
    problems = [_translate(path, root, err) for err in errors
                if not (err["type"] == "missing" and tuple(err["loc"]) in covered)]
    return sorted(problems, key=lambda p: p.line or 0)


def duplicate_keys(path: Path, root: yaml.Node) -> list[Problem]:
    """YAML silently keeps the last of two equal keys; in a hand-written file that hides an edit."""
    problems: list[Problem] = []
    seen_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, Loc]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        if id(node) in seen_nodes:  # aliases can make the graph cyclic
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value != "<<":
                    line = k.start_mark.line + 1
                    if k.value in first:
                        problems.append(Problem(path, line, f"key repeated (first on line {first[k.value]})",
                                                field_name((*loc, k.value)), "keep one of them"))
                    first.setdefault(k.value, line)
                    stack.append((v, (*loc, k.value)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, (*loc, i)) for i, child in enumerate(node.value))
    return sorted(problems, key=lambda p: p.line or 0)
