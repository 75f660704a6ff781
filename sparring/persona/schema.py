"""The JSON Schema of persona files, for editors (yaml-language-server) and other tools.

Generated from the pydantic model so it cannot drift from what the loader
accepts; `schemas/persona.schema.json` is a committed copy that a test keeps
equal to `render_schema()`. Regenerate it with
`sparring personas schema > schemas/persona.schema.json`.
"""

from __future__ import annotations

import json
from typing import Any

from sparring.persona.model import Persona
from sparring.settings import ROOT

SCHEMA_PATH = ROOT / "schemas" / "persona.schema.json"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def persona_json_schema() -> dict[str, Any]:
    schema = Persona.model_json_schema()
    # A bank line may be written as plain text (no tags): the model accepts both forms.
    lines = schema["properties"]["lines"]["additionalProperties"]
    lines["items"] = {"anyOf": [{"type": "string"}, lines["items"]]}
    schema["description"] = (
        "A Sparring persona: a resistant manager a coach practises with. "
        "See docs/PERSONAS.md for how each field is used."
    )
    return {"$schema": SCHEMA_DIALECT, **schema}


def render_schema() -> str:
    """The exact text of the committed file: stable key order, two-space indent, final newline."""
    return json.dumps(persona_json_schema(), indent=2, ensure_ascii=False) + "\n"
