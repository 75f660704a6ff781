"""The labelled gold set: its schema, its balance, and the rules coder's agreement with it.

Acceptance thresholds (docs/CODING.md): open/closed macro-F1 >= 0.85; F1 >= 0.75 for
reflection (any vs none), empathy and goal co-creation. They must hold on the whole
set and on the held-out "test" split, which was written before the rules were tuned.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sparring.coding.codes import FLAGS, QuestionCode, ReflectionCode, TurnCodes
from sparring.coding.metrics import (
    Evaluation,
    binary_score,
    categorical_scores,
    evaluate,
    format_table,
)
from sparring.coding.rules import RulesCoder

GOLD = Path(__file__).resolve().parents[1] / "evals" / "data" / "gold.jsonl"


class GoldLabels(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: QuestionCode | None
    reflection: ReflectionCode | None
    empathy: bool
    affirmation: bool
    goal_cocreation: bool
    directive: bool
    arguing: bool
    judging: bool
    pulling_rank: bool
    neutral_observation: bool
    asking_permission: bool
    autonomy: bool


class GoldRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^g\d{4}$")
    split: Literal["dev", "test"]
    text: str = Field(min_length=1)
    context: str | None = Field(min_length=1)
    labels: GoldLabels


def load_gold(path: Path = GOLD) -> list[GoldRow]:
    """Every row validated; a bad row fails with its line number and field."""
    rows: list[GoldRow] = []
    for lineno, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(GoldRow.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            pytest.fail(f"{path}:{lineno}: {exc}")
    return rows


@pytest.fixture(scope="module")
def gold() -> list[GoldRow]:
    return load_gold()


@pytest.fixture(scope="module")
def scored(gold: list[GoldRow]) -> dict[str, Evaluation]:
    coder = RulesCoder()
    preds = [(row, coder.code(row.text, row.context)) for row in gold]
    return {
        split: evaluate((r.labels.model_dump(), p) for r, p in preds if split in ("all", r.split))
        for split in ("all", "dev", "test")
    }


def test_every_row_matches_the_schema_and_ids_are_unique(gold: list[GoldRow]) -> None:
    assert len(gold) >= 400
    ids = [row.id for row in gold]
    assert len(set(ids)) == len(ids)
    pairs = [(row.text, row.context) for row in gold]
    assert len(set(pairs)) == len(pairs), "the same turn is labelled twice"


def test_the_schema_rejects_unknown_fields_and_codes() -> None:
    good = {"id": "g9999", "split": "dev", "text": "How was it?", "context": None,
            "labels": {"question": "open", "reflection": None, **dict.fromkeys(FLAGS, False)}}
    GoldRow.model_validate(good)
    with pytest.raises(ValidationError):
        GoldRow.model_validate({**good, "labels": {**good["labels"], "question": "rhetorical"}})
    with pytest.raises(ValidationError):
        GoldRow.model_validate({**good, "labels": {**good["labels"], "sarcasm": True}})
    with pytest.raises(ValidationError):
        GoldRow.model_validate({**good, "note": "extra"})


def test_held_out_split_is_about_thirty_percent(gold: list[GoldRow]) -> None:
    share = sum(row.split == "test" for row in gold) / len(gold)
    assert 0.25 <= share <= 0.35


def test_every_code_has_plenty_of_positives_and_hard_negatives(gold: list[GoldRow]) -> None:
    questions = Counter(row.labels.question for row in gold)
    reflections = Counter(row.labels.reflection for row in gold)
    assert min(questions["open"], questions["closed"], questions[None]) >= 50
    assert min(reflections["simple"], reflections["complex"]) >= 40
    for flag in FLAGS:
        positives = sum(getattr(row.labels, flag) for row in gold)
        assert positives >= 15, flag
    # Hard negatives: statements that echo the manager yet push, and questions that lead.
    assert sum(row.labels.reflection is None and row.labels.directive and row.context is not None for row in gold) >= 20
    assert sum(row.labels.question == "closed" and not row.text.rstrip().endswith("?") for row in gold) >= 5
    assert sum(row.labels.question == "open" and not row.text.rstrip().endswith("?") for row in gold) >= 10
    contexts = {row.context for row in gold}
    assert len(contexts) >= 15


@pytest.mark.parametrize("split", ["all", "test"])
def test_rules_coder_meets_the_acceptance_thresholds(scored: dict[str, Evaluation], split: str) -> None:
    result = scored[split]
    report = format_table(result, f"rules coder on the {split} gold set")
    assert result.open_closed_macro_f1 >= 0.85, report
    assert result.reflection_any.f1 >= 0.75, report
    assert result.flags["empathy"].f1 >= 0.75, report
    assert result.flags["goal_cocreation"].f1 >= 0.75, report


def test_metrics_on_a_hand_worked_example() -> None:
    score = binary_score("empathy", [True, True, False, False], [True, False, True, False])
    assert (score.tp, score.fp, score.fn, score.support) == (1, 1, 1, 2)
    assert score.precision == score.recall == score.f1 == 0.5
    cats = categorical_scores("question", ["open", "open", "closed", None], ["open", "closed", "closed", "closed"],
                              ("open", "closed", "none"))
    assert cats.confusion[("open", "closed")] == 1 and cats.confusion[("none", "closed")] == 1
    assert cats.per_class["open"].f1 == pytest.approx(2 / 3)
    assert cats.per_class["closed"].precision == pytest.approx(1 / 3)
    assert cats.macro_f1(("open", "closed")) == pytest.approx((2 / 3 + 0.5) / 2)
    assert cats.accuracy == 0.5


def test_evaluate_accepts_gold_rows_and_turn_codes() -> None:
    row = {"labels": {"question": "open", "reflection": "complex", **dict.fromkeys(FLAGS, False), "empathy": True}}
    pred = TurnCodes(question="open", reflection="simple", empathy=True)
    result = evaluate([(row, pred)])
    assert result.open_closed_macro_f1 == pytest.approx(0.5)  # "closed" never occurs: F1 0
    assert result.reflection_any.f1 == 1.0
    assert result.reflection.confusion[("complex", "simple")] == 1
    assert result.flags["empathy"].f1 == 1.0
    assert "reflection=complex" in format_table(result)
    with pytest.raises(ValueError, match="not among the classes"):
        evaluate([({"question": "rhetorical"}, pred)])
