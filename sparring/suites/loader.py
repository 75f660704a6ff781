"""Reading suite files: every problem with file, line, field and what to do.

The YAML-to-line mapping is the persona loader's (`persona.problems`); this
module adds what suites need on top: tags of the `kind`/`type` unions are
dropped from pydantic's error locations before they are mapped to lines, and
cross-file references (personas, concern ids, coach strategies, data files)
are checked before anything runs, so a typo costs seconds, not a model run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from sparring.errors import UserError
from sparring.persona.loader import TextLoader, list_persona_files, not_utf8, yaml_problem
from sparring.problems import Problem, duplicate_keys, field_name, line_of, suggest
from sparring.suites.suite import SuiteBase

_ADAPTERS: list[TypeAdapter[Any]] = []


def suite_root() -> Any:
    """The union of every registered suite kind (`evals/kinds`), looked up when first needed:
    the kinds build on this module, so it cannot import them at its own import."""
    from sparring.suites.kinds import suite_type

    return suite_type()


def _adapter() -> TypeAdapter[Any]:
    if not _ADAPTERS:
        _ADAPTERS.append(TypeAdapter(suite_root()))
    return _ADAPTERS[0]


class SuiteFileError(UserError):
    """One or more suite files are unusable; every problem is listed, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class LoadedSuite:
    suite: Any  # one of the registered kinds' suite models (a `SuiteBase`)
    path: Path
    root: yaml.Node

    def line(self, *loc: int | str) -> int:
        return line_of(self.root, loc, key=True)

    def resolve(self, relative: str) -> Path:
        return (self.path.parent / relative).resolve()




def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, UnionType)


def _member(tp: Any, tag: Any) -> Any:
    """The member of a tagged union whose `type`/`kind` literal is `tag` (first member if none)."""
    members = [m for m in get_args(tp) if isinstance(m, type) and issubclass(m, BaseModel)]
    for m in members:
        for f in ("type", "kind"):
            if f in m.model_fields and tag in get_args(m.model_fields[f].annotation):
                return m
    return members[0] if members else None


def _strip(tp: Any) -> Any:
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp


def _walk(loc: tuple[int | str, ...], root_type: Any = None) -> tuple[tuple[int | str, ...], Any]:
    """Walk an error location through the model types: drop the union tags pydantic inserts
    ('persona', 'resistance', ...) and return the clean location and the type found there."""
    out: list[int | str] = []
    tp: Any = _strip(suite_root() if root_type is None else root_type)
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if _is_union(tp):
            tp = _strip(_member(tp, part))  # `part` is the tag, not a key
            continue
        out.append(part)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            info = tp.model_fields.get(str(part))
            tp = _strip(info.annotation) if info else None
            if _is_union(tp) and type(None) in get_args(tp):
                tp = _strip(next(a for a in get_args(tp) if a is not type(None)))
        elif get_origin(tp) is list:
            tp = _strip(get_args(tp)[0])
        else:
            tp = None
    return tuple(out), tp


def _keys_at(loc: tuple[int | str, ...], root_type: Any) -> list[str]:
    tp = _walk(loc, root_type)[1]
    return list(tp.model_fields) if isinstance(tp, type) and issubclass(tp, BaseModel) else []


def _problem(path: Path, root: yaml.Node, err: ErrorDetails, root_type: Any) -> Problem:
    raw = tuple(err["loc"])
    loc = _walk(raw, root_type)[0]
    kind, msg = err["type"], err["msg"].removeprefix("Value error, ")
    if kind == "extra_forbidden":
        allowed = _keys_at(raw[:-1], root_type)
        hint = suggest(str(loc[-1]), allowed) or f"remove it; allowed here: {', '.join(allowed)}"
        return Problem(path, line_of(root, loc, key=True), "unknown key", field_name(loc), hint)
    if kind == "missing":
        return Problem(path, line_of(root, loc[:-1], key=True), "required field is missing",
                       field_name(loc), f"add '{loc[-1]}:'")
    if kind == "union_tag_invalid":
        tag = str(err.get("ctx", {}).get("discriminator", "")).strip("'") or "type"
        where = (*loc, tag)
        return Problem(path, line_of(root, where), msg, field_name(where), f"fix the '{tag}' value")
    if kind == "union_tag_not_found":
        return Problem(path, line_of(root, loc, key=True), msg, field_name(loc),
                       f"add 'kind:' ({_kinds()}) or 'type:' to this entry")
    hint = "use one of the values listed" if kind in ("literal_error", "enum") else "fix the value"
    return Problem(path, line_of(root, loc), msg[:1].lower() + msg[1:], field_name(loc), hint)


def _kinds() -> str:
    from sparring.suites.kinds import KINDS

    return ", ".join(KINDS)


def parse_yaml(path: Path) -> tuple[yaml.Node, Any]:
    if not path.is_file():
        what = "is a folder with no suites" if path.is_dir() else "file not found"
        raise SuiteFileError([Problem(path, None, what, hint="pass suite files (*.yaml) or a folder of them")])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SuiteFileError([Problem(path, None, f"cannot read file ({exc.strerror})",
                                      hint="check the file's permissions")]) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SuiteFileError([not_utf8(path, raw, exc)]) from exc
    try:
        loader = TextLoader(text)  # the reader rejects control characters here
    except yaml.YAMLError as exc:
        raise SuiteFileError([yaml_problem(path, text, exc)]) from exc
    try:
        root = loader.get_single_node()
        if root is None:
            raise SuiteFileError([Problem(path, 1, "file is empty", hint="start from evals/smoke.yaml")])
        dupes = duplicate_keys(path, root)
        if dupes:
            raise SuiteFileError(dupes)
        return root, loader.construct_document(root)
    except yaml.YAMLError as exc:
        raise SuiteFileError([yaml_problem(path, text, exc)]) from exc
    finally:
        loader.dispose()


def problems_for(path: Path, root: yaml.Node, exc: ValidationError, root_type: Any) -> list[Problem]:
    """pydantic's errors for a file parsed from YAML, as line-numbered problems in file order."""
    return sorted((_problem(path, root, e, root_type) for e in exc.errors()), key=lambda p: p.line or 0)


def load_suite_file(path: Path) -> LoadedSuite:
    path = Path(path)
    root, data = parse_yaml(path)
    if not isinstance(data, dict):
        raise SuiteFileError([Problem(path, 1, "a suite file must be a mapping of keys",
                                      hint="start from evals/smoke.yaml")])
    try:
        suite = _adapter().validate_python(data)
    except ValidationError as exc:
        raise SuiteFileError(problems_for(path, root, exc, suite_root())) from exc
    assert isinstance(suite, SuiteBase)
    return LoadedSuite(suite, path, root)


def load_suites(paths: Iterable[Path]) -> list[LoadedSuite]:
    """All suites, or one `SuiteFileError` listing every problem in every file."""
    files = list_persona_files(paths)  # same expansion rules for any YAML content
    if not files:
        raise SuiteFileError([Problem(Path("."), None, "no suite files given",
                                      hint="pass suite files or a folder such as evals/")])
    loaded: list[LoadedSuite] = []
    problems: list[Problem] = []
    for path in files:
        try:
            loaded.append(load_suite_file(path))
        except SuiteFileError as exc:
            problems.extend(exc.problems)
    names: dict[str, Path] = {}
    for item in loaded:
        if item.suite.name in names:
            problems.append(Problem(item.path, item.line("name"), f"suite name '{item.suite.name}' is "
                                    f"already used by {names[item.suite.name]}", "name", "give each suite its own name"))
        names.setdefault(item.suite.name, item.path)
    if problems:
        raise SuiteFileError(problems)
    return loaded
