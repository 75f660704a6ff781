"""Suite kinds: every module in this package defines one and registers it.

Adding a kind means adding a module here (found below, no list to edit), regenerating
`schemas/suite.schema.json` and documenting it in docs/EVALS.md.
"""

from __future__ import annotations

import importlib
import pkgutil

from sparring.persona.loader import PersonaFileError, load_personas
from sparring.persona.model import Persona
from sparring.problems import Problem
from sparring.settings import Settings
from sparring.suites.kinds.base import KINDS, RunContext, SuiteKind, kind_of, register, suite_type
from sparring.suites.loader import LoadedSuite, SuiteFileError
from sparring.suites.plan import Prepared

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")


def prepare(suites: list[LoadedSuite], settings: Settings) -> list[Prepared]:
    """Resolve every reference in every suite, or raise one `SuiteFileError` listing all problems."""
    problems: list[Problem] = []
    all_personas: dict[str, Persona] = {}
    if any(kind_of(s.suite).needs_personas for s in suites):
        try:
            all_personas = load_personas(settings.personas_dir)
        except PersonaFileError as exc:
            raise SuiteFileError(exc.problems) from exc
    out: list[Prepared] = []
    for loaded in suites:
        prep = Prepared(loaded)
        kind_of(loaded.suite).prepare(prep, all_personas, problems)
        out.append(prep)
    if problems:
        raise SuiteFileError(problems)
    return out



__all__ = ["KINDS", "RunContext", "SuiteKind", "kind_of", "prepare", "register", "suite_type"]
