"""The JSON Schema of suite files, for editors (yaml-language-server) and other tools.

Generated from the pydantic models so it cannot drift from what the loader
accepts; `schemas/suite.schema.json` is a committed copy that a test keeps
equal to `render_schema()`. Regenerate it with
`.venv/bin/python -m sparring.suites.schema > schemas/suite.schema.json`.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from sparring.settings import ROOT
from sparring.suites.kinds import KINDS, suite_type

SCHEMA_PATH = ROOT / "schemas" / "suite.schema.json"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _accept_shorthands(schema: dict[str, Any]) -> None:
    """The loader accepts two shorthands pydantic cannot see: a coach line as a plain string,
    and annotation labels without `type: codes`; the schema must accept them too."""
    defs = schema["$defs"]
    turn = defs.pop("CoachTurn")
    defs["CoachTurnObject"] = turn
    defs["CoachTurn"] = {"anyOf": [{"type": "string", "minLength": 1}, {"$ref": "#/$defs/CoachTurnObject"}],
                         "description": turn.get("description", "")}
    labels = dict(defs["CodesCheck"])
    labels["required"] = [r for r in labels.get("required", []) if r != "type"]
    defs["Labels"] = labels
    case = defs["AnnotationCase"]["properties"]["labels"]
    case["anyOf"] = [{"$ref": "#/$defs/Labels"} if a.get("$ref") == "#/$defs/CodesCheck" else a
                     for a in case["anyOf"]]


def suite_json_schema() -> dict[str, Any]:
    schema = TypeAdapter(suite_type()).json_schema()
    _accept_shorthands(schema)
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "Sparring eval suite",
        "description": f"An eval suite for `sparring eval`: kind {', '.join(KINDS)}. "
        "See docs/EVALS.md.",
        **schema,
    }


def render_schema() -> str:
    """The exact text of the committed file: two-space indent, final newline."""
    return json.dumps(suite_json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(render_schema(), end="")
