"""Names of the agreement metrics an annotation suite can set thresholds on.

One flat, dotted name per number in `evaluation.metrics.Evaluation`, so a
threshold in YAML reads like the table the annotate command prints.
"""

from __future__ import annotations

import difflib

from sparring.coding.codes import FLAGS
from sparring.coding.metrics import QUESTION_CLASSES, REFLECTION_CLASSES, Evaluation, LabelScore

STATS = ("precision", "recall", "f1")


def _names() -> tuple[str, ...]:
    names = ["open_closed_macro_f1", "question.accuracy", "reflection.accuracy"]
    names += [f"question.{c}.{s}" for c in QUESTION_CLASSES for s in STATS]
    names += [f"reflection.{c}.{s}" for c in REFLECTION_CLASSES for s in STATS]
    names += [f"reflection_any.{s}" for s in STATS]
    names += [f"{flag}.{s}" for flag in FLAGS for s in STATS]
    return tuple(names)


METRIC_NAMES: tuple[str, ...] = _names()


def suggest_metric(name: str) -> str:
    close = difflib.get_close_matches(name, METRIC_NAMES, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else "see docs/EVALS.md for the list"


def _stat(score: LabelScore, stat: str) -> float:
    return float(getattr(score, stat))


def metric_value(evaluation: Evaluation, name: str) -> float:
    """The value of one named metric; names are validated when the suite loads."""
    parts = name.split(".")
    if name == "open_closed_macro_f1":
        return evaluation.open_closed_macro_f1
    if parts[0] in ("question", "reflection"):
        scores = evaluation.question if parts[0] == "question" else evaluation.reflection
        if parts[1] == "accuracy":
            return scores.accuracy
        return _stat(scores.per_class[parts[1]], parts[2])
    if parts[0] == "reflection_any":
        return _stat(evaluation.reflection_any, parts[1])
    return _stat(evaluation.flags[parts[0]], parts[1])
