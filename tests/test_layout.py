"""The package reads as the pipeline, and no module imports from a floor above its own.

Floors, bottom to top: settings and prompt files; errors and the model seam; persona data
(and the YAML error reporting it and suites share); coding a turn; the
engine; the debrief; what runs practices (the practice service, suites, storage); the front
ends. A module may import its own floor and the ones below. An import upward (say, persona
data reaching into the engine) is how the old layout tangled, so this test names it.
"""

from __future__ import annotations

import ast
from pathlib import Path

from sparring.settings import ROOT

FLOORS: list[set[str]] = [
    {"settings", "prompts", "tokens", "__init__"},
    {"errors", "providers"},
    {"persona", "problems"},
    {"coding"},
    {"engine"},
    {"debrief"},
    {"practice", "suites", "storage"},
    {"ui", "cli", "trainer"},
]


def floor_of(top: str) -> int:
    return next(i for i, names in enumerate(FLOORS) if top in names)


def top_of(path: Path) -> str:
    parts = path.relative_to(ROOT / "sparring").with_suffix("").parts
    return parts[0]


def imported(path: Path) -> list[tuple[int, str]]:
    """Every `sparring.*` module a file imports, at module level or inside functions."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sparring."):
            out.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("sparring.")]
    return out


def test_every_package_has_a_floor() -> None:
    tops = {top_of(p) for p in (ROOT / "sparring").rglob("*.py")}
    assert tops <= set().union(*FLOORS), tops - set().union(*FLOORS)


def test_no_module_imports_from_a_floor_above_its_own() -> None:
    upward = []
    for path in sorted((ROOT / "sparring").rglob("*.py")):
        mine = floor_of(top_of(path))
        for line, module in imported(path):
            theirs = floor_of(module.split(".")[1])
            if theirs > mine:
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert upward == []


def test_modules_stay_small_enough_to_read() -> None:
    """Modules by topic, a few hundred lines each (the style guide's 100-300, with slack)."""
    long = [f"{p.relative_to(ROOT)} ({n} lines)" for p in (ROOT / "sparring").rglob("*.py")
            if (n := len(p.read_text("utf-8").splitlines())) > 400]
    assert long == []
