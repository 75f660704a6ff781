"""Honest figures for the coder: cross-validated on AnnoMI, held out on the gold test split,
and the rules-only baseline beside each. Used by `scripts/train_coder.py` and
`benchmarks/bench_coder_accuracy.py`; `cross_validate` needs scikit-learn, the rest does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sparring.coding.codes import TurnCoder, TurnCodes
from sparring.coding.corpus import Example, load_annomi, load_gold
from sparring.coding.learned import HEADS, LinearHeads
from sparring.coding.metrics import Evaluation, evaluate, format_table

if TYPE_CHECKING:  # training needs scikit-learn; the held-out figures do not
    from sparring.coding.training import Config, Prepared

#: Rows of the side-by-side table: (label, how to read it off an Evaluation).
ROWS: tuple[str, ...] = (
    "open/closed macro-F1", "open/closed macro-F1 (question turns)", "open/closed/none macro-F1",
    "reflection (any) F1",
    "reflection simple F1", "reflection complex F1", "directive F1", "goal_cocreation F1", "empathy F1",
    "affirmation F1", "arguing F1", "judging F1", "pulling_rank F1", "neutral_observation F1",
)


def figure(e: Evaluation, row: str, q_only: Evaluation | None = None) -> float | None:
    if row == "open/closed macro-F1":
        return e.open_closed_macro_f1
    if row == "open/closed/none macro-F1":
        return e.open_closed_none_macro_f1
    if row == "open/closed macro-F1 (question turns)":
        return None if q_only is None else q_only.open_closed_macro_f1
    if row == "reflection (any) F1":
        return e.reflection_any.f1
    if row.startswith("reflection "):
        return e.reflection.per_class[row.split()[1]].f1
    score = e.flags[row.split()[0]]
    return score.f1 if score.support else None


@dataclass
class Column:
    """One column of the side-by-side table: a coder on a labelled set."""

    title: str
    evaluation: Evaluation
    question_turns: Evaluation | None = None
    notes: list[str] = field(default_factory=list)


def column(title: str, examples: Sequence[Example], codes: Sequence[TurnCodes]) -> Column:
    pairs = [(e.labels, c) for e, c in zip(examples, codes, strict=True)]
    q_pairs = [(g, c) for g, c in pairs if g.get("question") is not None]
    return Column(title, evaluate(pairs), evaluate(q_pairs) if q_pairs else None)


def side_by_side(columns: Sequence[Column]) -> str:
    """A Markdown table, one row per figure, one column per (coder, data) pair."""
    head = "| figure | " + " | ".join(c.title for c in columns) + " |"
    lines = [head, "|---|" + "---|" * len(columns)]
    for row in ROWS:
        cells = []
        for c in columns:
            v = figure(c.evaluation, row, c.question_turns)
            cells.append("–" if v is None else f"{v:.2f}")
        if any(x != "–" for x in cells):
            lines.append(f"| {row} | " + " | ".join(cells) + " |")
    lines.append("| turns | " + " | ".join(str(c.evaluation.n) for c in columns) + " |")
    return "\n".join(lines)


@dataclass
class Validation:
    prep: Prepared
    oof: np.ndarray
    thresholds: dict[str, float]
    modes: dict[str, str]
    columns: list[Column]


def cross_validate(cfg: Config) -> Validation:
    """Out-of-fold codes for AnnoMI and gold dev, with thresholds chosen on those same folds."""
    from sparring.coding.training import choose_thresholds, decisions, out_of_fold, prepare

    prep = prepare(load_annomi() + load_gold("dev"))
    oof = out_of_fold(prep, cfg)
    thresholds, modes = choose_thresholds(prep, oof)
    heads = LinearHeads({}, np.zeros((0, len(HEADS))), np.zeros(len(HEADS)), thresholds, modes, {})
    columns = []
    for source, title in (("annomi", "AnnoMI (CV)"), ("gold", "gold dev (CV)")):
        rows = [i for i, e in enumerate(prep.examples) if e.source == source]
        ex = [prep.examples[i] for i in rows]
        columns.append(column(f"learned, {title}", ex, decisions(prep, oof, heads, rows)))
        columns.append(column(f"rules, {title.split(' (')[0]}", ex, [prep.rules[i] for i in rows]))
    return Validation(prep, oof, thresholds, modes, columns)


def nested(val: Validation) -> list[Column]:
    """The nested check: each fold's thresholds and combination modes chosen on the other four folds'
    out-of-fold probabilities only, then applied to it. The probabilities come from the same grouped
    5-fold models; C, the vocabulary floor and the features were still chosen on these folds."""
    from sklearn.model_selection import GroupKFold

    from sparring.coding.training import FOLDS, Prepared, choose_thresholds, decisions

    prep, oof = val.prep, val.oof
    groups = np.array([e.group for e in prep.examples])
    codes: dict[int, TurnCodes] = {}
    for train, valid in GroupKFold(n_splits=FOLDS).split(oof, groups=groups):
        sub = Prepared([prep.examples[i] for i in train], [prep.rules[i] for i in train],
                       [prep.features[i] for i in train])
        thresholds, modes = choose_thresholds(sub, oof[train])
        heads = LinearHeads({}, np.zeros((0, len(HEADS))), np.zeros(len(HEADS)), thresholds, modes, {})
        codes.update(zip(valid.tolist(), decisions(prep, oof, heads, valid.tolist()), strict=True))
    columns = []
    for source, title in (("annomi", "AnnoMI (nested)"), ("gold", "gold dev (nested)")):
        rows = [i for i, e in enumerate(prep.examples) if e.source == source]
        columns.append(column(f"learned, {title}", [prep.examples[i] for i in rows], [codes[i] for i in rows]))
    return columns


def held_out(coder: TurnCoder, rules: TurnCoder) -> list[Column]:
    """The gold test split, never used for fitting or thresholds, for the learned coder and the rules."""
    test = load_gold("test")
    return [
        column("learned, gold test", test, [coder.code(e.text, e.context) for e in test]),
        column("rules, gold test", test, [rules.code(e.text, e.context) for e in test]),
    ]


def full_tables(columns: Sequence[Column]) -> str:
    """Per-label precision/recall/F1 and confusion tables for every column."""
    return "\n\n".join(format_table(c.evaluation, c.title) for c in columns)
