"""Resolving what suites refer to (personas, concerns, coach strategies, data and
transcript files) before any model runs, so every broken reference is a
configuration error with file and line, reported together, and exit code 2.

Each suite kind resolves its own references (`evals/kinds`) with the helpers here.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from sparring.persona.model import Persona
from sparring.problems import Loc, Problem, suggest
from sparring.suites.loader import LoadedSuite
from sparring.suites.plan import Prepared
from sparring.suites.suite import AnnotationCase, ConcernCheck


def read_jsonl(loaded: LoadedSuite, relative: str, split: str | None) -> tuple[list[AnnotationCase], list[Problem]]:
    path = loaded.resolve(relative)
    line_no = loaded.line("data")
    if not path.is_file():
        return [], [Problem(loaded.path, line_no, f"data file not found: {path}", "data",
                            "give the path relative to the suite file")]
    items: list[AnnotationCase] = []
    problems: list[Problem] = []
    for number, text in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
            item = AnnotationCase.model_validate(row)
        except (json.JSONDecodeError, ValidationError) as exc:
            detail = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else exc.msg
            problems.append(Problem(path, number, f"bad row: {detail}", "", "each line is one JSON object "
                                    "with id, text, context, labels"))
            continue
        if split is None or item.split == split:
            items.append(item)
    if not items and not problems:
        problems.append(Problem(loaded.path, loaded.line("split"), f"no rows with split '{split}' in {path.name}",
                                "split", "check the split name"))
    return items, problems


def resolve_persona(prep: Prepared, all_personas: dict[str, Persona], pid: str, line: int, field_: str,
             problems: list[Problem]) -> Persona | None:
    if pid in all_personas:
        prep.personas[pid] = all_personas[pid]
        return all_personas[pid]
    close = suggest(pid, list(all_personas))
    problems.append(Problem(prep.loaded.path, line, f"unknown persona '{pid}'", field_,
                            close or f"valid ids: {', '.join(all_personas)}"))
    return None


def check_concerns(prep: Prepared, persona: Persona, checks: list[tuple[ConcernCheck, Loc]],
              problems: list[Problem]) -> None:
    ids = [c.id for c in persona.concerns]
    for check, loc in checks:
        if check.id is not None and check.id not in ids:
            problems.append(Problem(prep.loaded.path, prep.loaded.line(*loc, "id"),
                                    f"persona '{persona.id}' has no concern '{check.id}'", "id",
                                    suggest(check.id, ids) or f"valid ids: {', '.join(ids)}"))


def suite_path(prep: Prepared) -> Path:
    return prep.loaded.path
