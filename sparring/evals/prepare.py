"""Resolving what suites refer to (personas, concerns, coach strategies, data and
transcript files) before any model runs, so every broken reference is a
configuration error with file and line, reported together, and exit code 2.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from sparring.evals.coaches import Strategy, StrategyError, load_strategy
from sparring.evals.loader import LoadedSuite, SuiteFileError
from sparring.evals.suite import (
    AnnotationCase,
    AnnotationSuite,
    ConcernCheck,
    DebriefSuite,
    PersonaSuite,
)
from sparring.persona.loader import PersonaFileError, load_personas
from sparring.persona.model import Persona
from sparring.persona.problems import Loc, Problem, suggest
from sparring.settings import Settings
from sparring.transcript import Transcript


@dataclass
class Prepared:
    """A suite with everything it names loaded: ready to run without further I/O errors."""

    loaded: LoadedSuite
    personas: dict[str, Persona] = field(default_factory=dict)
    strategies: dict[str, Strategy] = field(default_factory=dict)
    items: list[AnnotationCase] = field(default_factory=list)
    transcripts: dict[str, Transcript] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.loaded.suite.name


def _read_jsonl(loaded: LoadedSuite, relative: str, split: str | None) -> tuple[list[AnnotationCase], list[Problem]]:
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


def _persona(prep: Prepared, all_personas: dict[str, Persona], pid: str, line: int, field_: str,
             problems: list[Problem]) -> Persona | None:
    if pid in all_personas:
        prep.personas[pid] = all_personas[pid]
        return all_personas[pid]
    close = suggest(pid, list(all_personas))
    problems.append(Problem(prep.loaded.path, line, f"unknown persona '{pid}'", field_,
                            close or f"valid ids: {', '.join(all_personas)}"))
    return None


def _concerns(prep: Prepared, persona: Persona, checks: list[tuple[ConcernCheck, Loc]],
              problems: list[Problem]) -> None:
    ids = [c.id for c in persona.concerns]
    for check, loc in checks:
        if check.id is not None and check.id not in ids:
            problems.append(Problem(prep.loaded.path, prep.loaded.line(*loc, "id"),
                                    f"persona '{persona.id}' has no concern '{check.id}'", "id",
                                    suggest(check.id, ids) or f"valid ids: {', '.join(ids)}"))


def _prepare_persona(prep: Prepared, suite: PersonaSuite, all_personas: dict[str, Persona],
                     problems: list[Problem]) -> None:
    loaded = prep.loaded
    _persona(prep, all_personas, suite.persona, loaded.line("persona"), "persona", problems)
    for i, case in enumerate(suite.cases):
        if case.persona:
            persona = _persona(prep, all_personas, case.persona, loaded.line("cases", i, "persona"),
                               f"cases[{i}].persona", problems)
        else:
            persona = all_personas.get(suite.persona)  # an unknown suite persona is reported once, above
        checks: list[tuple[ConcernCheck, Loc]] = [(a, ("cases", i, "expect", j)) for j, a in enumerate(case.expect) if isinstance(a, ConcernCheck)]
        for t, turn in enumerate(case.coach or []):
            checks += [(a, ("cases", i, "coach", t, "expect", j))
                       for j, a in enumerate(turn.expect) if isinstance(a, ConcernCheck)]
        if persona is not None:
            _concerns(prep, persona, checks, problems)
        if case.strategy and case.strategy not in prep.strategies:
            folder = loaded.resolve(suite.coaches)
            if not (folder / f"{case.strategy}.yaml").is_file():
                known = sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []
                problems.append(Problem(loaded.path, loaded.line("cases", i, "strategy"),
                                        f"no coach strategy '{case.strategy}' in {folder}", f"cases[{i}].strategy",
                                        suggest(case.strategy, known) or f"available: {', '.join(known) or 'none'}"))
                continue
            try:
                prep.strategies[case.strategy] = load_strategy(folder, case.strategy)
            except StrategyError as exc:
                problems.extend(exc.problems)


def _prepare_debrief(prep: Prepared, suite: DebriefSuite, all_personas: dict[str, Persona],
                     problems: list[Problem]) -> None:
    loaded = prep.loaded
    for i, case in enumerate(suite.cases):
        if case.persona:
            _persona(prep, all_personas, case.persona, loaded.line("cases", i, "persona"),
                     f"cases[{i}].persona", problems)
        if case.transcript:
            path = loaded.resolve(case.transcript)
            line = loaded.line("cases", i, "transcript")
            try:
                prep.transcripts[case.id] = Transcript.model_validate_json(path.read_text("utf-8"))
            except OSError:
                problems.append(Problem(loaded.path, line, f"transcript file not found: {path}",
                                        f"cases[{i}].transcript", "give the path relative to the suite file"))
            except ValidationError as exc:
                problems.append(Problem(loaded.path, line, f"not a saved transcript: {exc.errors()[0]['msg']}",
                                        f"cases[{i}].transcript", "save one with `sparring simulate` or the UI"))


def prepare(suites: list[LoadedSuite], settings: Settings) -> list[Prepared]:
    """Resolve every reference in every suite, or raise one `SuiteFileError` listing all problems."""
    problems: list[Problem] = []
    needs_personas = any(not isinstance(s.suite, AnnotationSuite) for s in suites)
    all_personas: dict[str, Persona] = {}
    if needs_personas:
        try:
            all_personas = load_personas(settings.personas_dir)
        except PersonaFileError as exc:
            raise SuiteFileError(exc.problems) from exc
    out: list[Prepared] = []
    for loaded in suites:
        prep = Prepared(loaded)
        suite = loaded.suite
        if isinstance(suite, AnnotationSuite):
            prep.items = list(suite.cases)
            if suite.data:
                items, found = _read_jsonl(loaded, suite.data, suite.split)
                prep.items += items
                problems += found
        elif isinstance(suite, PersonaSuite):
            _prepare_persona(prep, suite, all_personas, problems)
        else:
            _prepare_debrief(prep, suite, all_personas, problems)
        out.append(prep)
    if problems:
        raise SuiteFileError(problems)
    return out


def suite_path(prep: Prepared) -> Path:
    return prep.loaded.path
