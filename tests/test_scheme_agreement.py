"""Every place that spells out the coding scheme names the same codes as `coding/scheme.py`.

A behaviour added to the scheme but forgotten in the judge's contract, the persona
dynamics, the feedback tips or the debrief weights would otherwise fail only at run
time (a missing dynamics weight) or silently (a code never shown to the coach).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

import pytest
from pydantic import BaseModel

from sparring.coding import scheme
from sparring.coding.codes import FLAGS, TurnCodes
from sparring.coding.judge import JudgeOutput, JudgeReasons
from sparring.debrief.build import TURN_WEIGHTS
from sparring.debrief.texts import TurnCondition
from sparring.persona.model import Dynamics
from sparring.suites.suite import CodesCheck

ROOT = Path(__file__).resolve().parents[1]


def fields(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


def test_the_scheme_itself_is_consistent() -> None:
    assert FLAGS == scheme.FLAGS
    assert len(set(scheme.CODES)) == len(scheme.CODES)
    assert set(scheme.BEHAVIOURS) >= set(scheme.FLAGS)
    assert "open_question" in scheme.BEHAVIOURS and "complex_reflection" in scheme.BEHAVIOURS


@pytest.mark.parametrize(
    ("where", "model", "extra"),
    [
        ("TurnCodes", TurnCodes, {"reasons"}),
        ("JudgeOutput", JudgeOutput, {"reasons"}),
        ("JudgeReasons", JudgeReasons, set()),
        ("CodesCheck (eval suites)", CodesCheck, {"type", "name"}),
    ],
)
def test_models_that_hold_codes_name_every_code(where: str, model: type[BaseModel], extra: set[str]) -> None:
    names = fields(model) - extra
    assert names >= set(scheme.CODES), f"{where} lacks {sorted(set(scheme.CODES) - names)}"
    assert names <= set(scheme.CODES) | {"description"}, f"{where} has codes the scheme lacks"


def test_categorical_values_agree() -> None:
    for code, values in scheme.CATEGORIES.items():
        annotation = TurnCodes.model_fields[code].annotation
        allowed = {a for arg in get_args(annotation) for a in get_args(arg)}
        assert allowed == set(values), code


def test_every_behaviour_has_a_weight_a_tip_and_a_dynamics_term() -> None:
    behaviours = set(scheme.BEHAVIOURS)
    assert set(TURN_WEIGHTS) == behaviours, "debrief.TURN_WEIGHTS"
    assert set(get_args(TurnCondition)) == behaviours, "texts.TurnCondition"
    missing = behaviours - fields(Dynamics)
    assert not missing, f"persona Dynamics lacks a weight for {sorted(missing)}"


def test_json_schemas_name_every_flag() -> None:
    suite = json.loads((ROOT / "schemas" / "suite.schema.json").read_text("utf-8"))
    codes_check = suite["$defs"]["CodesCheck"]["properties"]
    assert set(scheme.CODES) <= set(codes_check)
    persona = json.loads((ROOT / "schemas" / "persona.schema.json").read_text("utf-8"))
    text = json.dumps(persona)
    for behaviour in scheme.BEHAVIOURS:
        assert f'"{behaviour}"' in text, f"persona.schema.json lacks {behaviour}"


def test_gold_rows_carry_exactly_the_scheme_codes() -> None:
    first = json.loads((ROOT / "evals" / "data" / "gold.jsonl").read_text("utf-8").splitlines()[0])
    assert set(first["labels"]) == set(scheme.CODES)
