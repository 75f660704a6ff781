"""Reading persona files: every problem in one pass, each with file, line, field and a fix.

A trainer's first persona rarely validates first time; reporting all problems at
once (instead of the first pydantic error) saves a round trip per mistake. Nothing
here may end in a traceback: unreadable, binary, empty or malformed files all
become `PersonaFileError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sparring.errors import UserError
from sparring.persona.model import Persona
from sparring.problems import (
    PersonaFileError,
    Problem,
    display_path,
    duplicate_keys,
    line_of,
    suggest,
    validation_problems,
)
from sparring.settings import Settings

__all__ = [
    "PersonaFileError",
    "Problem",
    "UnknownPersonaError",
    "get_persona",
    "list_persona_files",
    "load_persona_file",
    "load_personas",
    "validate_files",
]

SUFFIXES = (".yaml", ".yml")
MAX_BYTES = 1_000_000  # personas are a few KB; anything this big is the wrong file


class UnknownPersonaError(UserError):
    """An id that names no persona; the message lists the valid ones."""


try:  # libyaml parses a persona ~15x faster than pure Python; the app reloads on every chat
    from yaml import CSafeLoader as _SafeBase
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeBase  # type: ignore[assignment]


class TextLoader(_SafeBase):
    """SafeLoader minus YAML 1.1 surprises: dates and yes/no/on/off stay the text the trainer typed."""

    def construct_text(self, node: yaml.ScalarNode) -> str:
        return str(self.construct_scalar(node))

    def construct_yaml_bool(self, node: yaml.ScalarNode) -> Any:
        value = str(node.value)
        return value.lower() == "true" if value.lower() in ("true", "false") else value


TextLoader.add_constructor("tag:yaml.org,2002:bool", TextLoader.construct_yaml_bool)
TextLoader.add_constructor("tag:yaml.org,2002:timestamp", TextLoader.construct_text)


@dataclass(frozen=True)
class _Loaded:
    persona: Persona
    path: Path
    id_line: int


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, max(position, 0)) + 1


def _runaway_quote(text: str, error_line: int) -> int | None:
    """Line of a quoted value that spans lines and ends where parsing failed: an unclosed quote
    swallows text up to the next quote mark, so the error surfaces far from the mistake."""
    found: int | None = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.ScalarToken) and token.style in ('"', "'"):
                start, end = token.start_mark.line + 1, token.end_mark.line + 1
                if start < end <= error_line:
                    found = start
    except yaml.YAMLError:
        pass
    return found


def yaml_problem(path: Path, text: str, exc: yaml.YAMLError) -> Problem:
    if isinstance(exc, yaml.reader.ReaderError):
        return Problem(path, _line_at(text, exc.position), f"character #x{exc.character:04x} is not allowed",
                       hint="is this a binary file? save the persona as plain UTF-8 text")
    lines = text.splitlines() or [""]
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = min(mark.line + 1, len(lines)) if mark is not None else 1  # "end of stream" is the last line
    problem = str(getattr(exc, "problem", None) or exc).split("\n")[0]
    context, context_mark = str(getattr(exc, "context", "") or ""), getattr(exc, "context_mark", None)
    if context_mark is not None and ("quoted" in context or "flow sequence" in context
                                     or "flow mapping" in context):
        # An unclosed quote or bracket is noticed lines later; the opening one is what to fix.
        noticed, line = line, context_mark.line + 1
        kind = "quote" if "quoted" in context else "bracket"
        return Problem(path, line, f"invalid YAML: this {kind} is never closed (noticed on line {noticed})",
                       hint=f"close the {kind}, or put text containing quotes in the other kind of quotes")
    quote = _runaway_quote(text, line)
    if quote:
        return Problem(path, quote, f"invalid YAML: the quote opened on this line runs on to line {line}",
                       hint="close the quote on the line where it opens")
    if "\t" in lines[line - 1] or "\\t" in problem:
        hint = "indent with spaces, not tabs"
    elif "mapping values are not allowed" in problem:
        hint = "text containing ': ' must be put in quotes"
    elif "another document" in problem:
        hint = "a persona file holds one persona; remove the extra '---'"
    elif "constructor for the tag" in problem or "base64" in problem:
        hint = "remove the '!' tag; persona files hold plain text, numbers, lists and keys"
    elif "nesting depth" in problem:
        hint = "a persona file needs at most four levels of indentation; simplify this value"
    elif "unhashable key" in problem:
        hint = "keys must be plain words such as 'name:'"
    else:
        hint = "check the indentation and quotes on this line and the one before"
    return Problem(path, line, f"invalid YAML: {problem}", hint=hint)


def _read_text(path: Path) -> str:
    if not path.exists():
        raise PersonaFileError([Problem(path, None, "file not found", hint="check the path")])
    if path.is_dir():
        raise PersonaFileError([Problem(path, None, "is a directory, not a persona file",
                                        hint="pass a .yaml file, or use load_personas for a folder")])
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise PersonaFileError([Problem(path, None, f"cannot read file ({exc.strerror})",
                                        hint="check the file's permissions")]) from exc
    if len(raw) > MAX_BYTES:
        raise PersonaFileError([Problem(path, None, "file is larger than 1 MB",
                                        hint="this is not a persona file; check the path")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PersonaFileError([not_utf8(path, raw, exc)]) from exc


def not_utf8(path: Path, raw: bytes, exc: UnicodeDecodeError) -> Problem:
    """Point at the first undecodable byte: a trainer's editor saved one accented word in a
    legacy encoding, and 'not UTF-8' alone leaves them searching the whole file for it."""
    data, start = bytes(exc.object), exc.start  # `data` lacks the BOM utf-8-sig removed
    line_start = data.rfind(b"\n", 0, start) + 1
    column = len(data[line_start:start].decode("utf-8", "replace")) + 1
    where = f"column {column}, byte {start + len(raw) - len(data) + 1} of the file"
    return Problem(path, data.count(b"\n", 0, start) + 1,
                   f"file is not UTF-8 text: byte 0x{data[start]:02X} at {where}",
                   hint="save it as UTF-8 (plain text) in your editor and fix the character there")


def _parse(path: Path, text: str) -> tuple[yaml.Node | None, Any]:
    try:
        loader = TextLoader(text)  # the reader rejects control characters here, before parsing
    except yaml.YAMLError as exc:
        raise PersonaFileError([yaml_problem(path, text, exc)]) from exc
    try:
        root = loader.get_single_node()
        if root is None:
            return None, None
        dupes = duplicate_keys(path, root)
        if dupes:
            raise PersonaFileError(dupes)
        return root, loader.construct_document(root)
    except yaml.YAMLError as exc:
        raise PersonaFileError([yaml_problem(path, text, exc)]) from exc
    except RecursionError as exc:
        raise PersonaFileError([Problem(path, 1, "nesting is too deep", hint="simplify the file")]) from exc
    except (ValueError, TypeError, OverflowError) as exc:  # a value YAML itself cannot build
        raise PersonaFileError([Problem(path, 1, f"unreadable value ({exc})",
                                        hint="put unusual values in quotes")]) from exc
    finally:
        loader.dispose()


def _load(path: Path) -> _Loaded:
    return _from_text(path, _read_text(path))


@lru_cache(maxsize=128)
def _from_text(path: Path, text: str) -> _Loaded:
    """Keyed by content, so an edited file is re-parsed at once and an unchanged one is not."""
    root, data = _parse(path, text)
    if root is None or data is None:
        raise PersonaFileError([Problem(path, 1, "file is empty",
                                        hint="start from a copy of personas/sceptic.yaml")])
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise PersonaFileError([Problem(path, 1, f"a persona file must be a mapping of keys, this is {kind}",
                                        hint="start from a copy of personas/sceptic.yaml")])
    try:
        persona = Persona.model_validate(data)
    except ValidationError as exc:
        raise PersonaFileError(validation_problems(path, root, exc)) from exc
    except RecursionError as exc:
        raise PersonaFileError([Problem(path, 1, "a value refers to itself",
                                        hint="remove the recursive '&anchor' / '*alias'")]) from exc
    return _Loaded(persona, path, line_of(root, ("id",), key=True))


def load_persona_file(path: Path) -> Persona:
    """One file, any name; cross-file rules (id = file name, unique ids) live in `load_personas`."""
    return _load(Path(path)).persona


def list_persona_files(paths: Iterable[Path]) -> list[Path]:
    """Folders expand to their `*.yaml`/`*.yml` files (sorted); other paths pass through unchanged,
    so a missing file is reported by the loader rather than silently skipped."""
    out: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            out.extend(sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file()))
        else:
            out.append(path)
    return out


def _collection_problems(loaded: list[_Loaded]) -> list[Problem]:
    problems: list[Problem] = []
    first: dict[str, _Loaded] = {}
    # The file named after the id owns it; any other file using the id is the duplicate.
    for item in sorted(loaded, key=lambda i: i.path.stem != i.persona.id):
        pid = item.persona.id
        if item.path.stem != pid:
            problems.append(Problem(item.path, item.id_line, f"id '{pid}' does not match the file name",
                                    "id", f"rename the file to {pid}{item.path.suffix} or change the id"))
        if pid in first:
            problems.append(Problem(item.path, item.id_line,
                                    f"id '{pid}' is already used by {display_path(first[pid].path)}",
                                    "id", "give each persona its own id"))
        first.setdefault(pid, item)
    return problems


def _check(paths: Iterable[Path]) -> tuple[dict[Path, list[Problem]], list[_Loaded]]:
    report: dict[Path, list[Problem]] = {}
    loaded: list[_Loaded] = []
    for path in list_persona_files(paths):
        try:
            loaded.append(_load(path))
            report[path] = []
        except PersonaFileError as exc:
            report[path] = list(exc.problems)
    for problem in _collection_problems(loaded):
        report[problem.path].append(problem)
    return report, loaded


def validate_files(paths: Iterable[Path]) -> dict[Path, list[Problem]]:
    """Every file with its problems (an empty list means valid), including cross-file ones."""
    return _check(paths)[0]


def load_personas(directory: Path) -> dict[str, Persona]:
    """All personas in a folder, by id in sorted order; any problem in any file fails the whole load."""
    directory = Path(directory)
    if not directory.is_dir():
        raise PersonaFileError([Problem(directory, None, "personas folder not found",
                                        hint="set SPARRING_PERSONAS_DIR to the folder with the persona files")])
    report, loaded = _check([directory])
    if not report:
        raise PersonaFileError([Problem(directory, None, "no persona files (*.yaml) in this folder",
                                        hint="add one; see docs/PERSONAS.md")])
    problems = [p for found in report.values() for p in found]
    if problems:
        raise PersonaFileError(problems)
    return {item.persona.id: item.persona for item in sorted(loaded, key=lambda i: i.persona.id)}


def get_persona(settings: Settings, persona_id: str) -> Persona:
    personas = load_personas(settings.personas_dir)
    if persona_id in personas:
        return personas[persona_id]
    close = suggest(persona_id, list(personas))
    raise UnknownPersonaError(
        f"unknown persona '{persona_id}'" + (f" ({close})" if close else "")
        + f" — valid ids: {', '.join(personas)}"
    )
