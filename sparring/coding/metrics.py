"""Agreement between a coder and hand labels: per-label precision, recall, F1, support, confusion.

Used by the gold-set tests and by eval suites for any `TurnCoder` (rules, LLM judge,
their combination). Inputs are pairs of (gold labels, prediction); either side may
be a `TurnCodes` or a plain mapping with the same keys, so labelled files can be
scored without building models. Categorical codes are scored one-vs-rest per class
("none" is the class of a missing code), booleans as positive-class detection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sparring.coding.codes import FLAGS, TurnCodes

NONE = "none"
QUESTION_CLASSES: tuple[str, ...] = ("open", "closed", NONE)
REFLECTION_CLASSES: tuple[str, ...] = ("simple", "complex", NONE)

Codes = TurnCodes | Mapping[str, Any]


@dataclass(frozen=True)
class LabelScore:
    """Detection of one label (or one class of a categorical code)."""

    label: str
    tp: int
    fp: int
    fn: int

    @property
    def support(self) -> int:
        """How many gold items carry the label."""
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class CategoricalScores:
    """One categorical code: a score per class and the confusion counts (gold, predicted) -> n."""

    name: str
    classes: tuple[str, ...]
    per_class: dict[str, LabelScore]
    confusion: dict[tuple[str, str], int]

    def macro_f1(self, classes: Sequence[str] | None = None) -> float:
        chosen = classes if classes is not None else self.classes
        return sum(self.per_class[c].f1 for c in chosen) / len(chosen) if chosen else 0.0

    @property
    def accuracy(self) -> float:
        total = sum(self.confusion.values())
        hits = sum(n for (g, p), n in self.confusion.items() if g == p)
        return hits / total if total else 0.0


@dataclass(frozen=True)
class Evaluation:
    """Everything a report needs about one coder on one labelled set."""

    n: int
    question: CategoricalScores
    reflection: CategoricalScores
    reflection_any: LabelScore
    flags: dict[str, LabelScore]

    @property
    def open_closed_macro_f1(self) -> float:
        """The question acceptance metric: F1 of "open" and F1 of "closed", averaged."""
        return self.question.macro_f1(("open", "closed"))

    @property
    def open_closed_none_macro_f1(self) -> float:
        """Question type read as one three-way decision: F1 of open, closed and none, averaged."""
        return self.question.macro_f1(("open", "closed", NONE))


def _value(codes: Codes, key: str) -> Any:
    if isinstance(codes, TurnCodes):
        return getattr(codes, key)
    if "labels" in codes and isinstance(codes["labels"], Mapping):
        codes = codes["labels"]  # a whole gold-file row
    return codes.get(key)


def _cls(value: Any) -> str:
    return NONE if value is None else str(value)


def binary_score(label: str, gold: Sequence[bool], pred: Sequence[bool]) -> LabelScore:
    """Precision/recall/F1 of detecting `label` (True) over aligned gold and predicted values."""
    if len(gold) != len(pred):
        raise ValueError(f"{label}: {len(gold)} gold values but {len(pred)} predictions")
    tp = sum(1 for g, p in zip(gold, pred, strict=True) if g and p)
    fp = sum(1 for g, p in zip(gold, pred, strict=True) if p and not g)
    fn = sum(1 for g, p in zip(gold, pred, strict=True) if g and not p)
    return LabelScore(label, tp, fp, fn)


def categorical_scores(
    name: str, gold: Sequence[str | None], pred: Sequence[str | None], classes: Sequence[str]
) -> CategoricalScores:
    """One-vs-rest scores per class plus the full confusion counts."""
    g = [_cls(v) for v in gold]
    p = [_cls(v) for v in pred]
    unknown = sorted(set(g + p) - set(classes))
    if unknown:
        raise ValueError(f"{name}: values {unknown} are not among the classes {list(classes)}")
    confusion = {(a, b): 0 for a in classes for b in classes}
    for a, b in zip(g, p, strict=True):
        confusion[(a, b)] += 1
    per_class = {c: binary_score(c, [x == c for x in g], [x == c for x in p]) for c in classes}
    return CategoricalScores(name, tuple(classes), per_class, confusion)


def evaluate(pairs: Iterable[tuple[Codes, Codes]]) -> Evaluation:
    """Score predictions against gold labels, over every code of the scheme."""
    items = list(pairs)
    gold = [g for g, _ in items]
    pred = [p for _, p in items]

    def col(rows: list[Codes], key: str) -> list[Any]:
        return [_value(r, key) for r in rows]

    question = categorical_scores("question", col(gold, "question"), col(pred, "question"), QUESTION_CLASSES)
    reflection = categorical_scores(
        "reflection", col(gold, "reflection"), col(pred, "reflection"), REFLECTION_CLASSES
    )
    any_reflection = binary_score(
        "reflection (any)",
        [v is not None for v in col(gold, "reflection")],
        [v is not None for v in col(pred, "reflection")],
    )
    flags = {f: binary_score(f, [bool(v) for v in col(gold, f)], [bool(v) for v in col(pred, f)]) for f in FLAGS}
    return Evaluation(len(items), question, reflection, any_reflection, flags)


def _row(name: str, s: LabelScore) -> str:
    return f"{name:<26}{s.precision:>7.2f}{s.recall:>7.2f}{s.f1:>7.2f}{s.support:>9}"


def _confusion_table(scores: CategoricalScores) -> list[str]:
    corner = f"{scores.name}: gold/pred"
    head = f"{corner:<26}" + "".join(f"{c:>9}" for c in scores.classes)
    lines = [head]
    for g in scores.classes:
        lines.append(f"{g:<26}" + "".join(f"{scores.confusion[(g, p)]:>9}" for p in scores.classes))
    return lines


def format_table(evaluation: Evaluation, title: str = "") -> str:
    """A plain-text report: one row per label, headline metrics, then the confusion matrices."""
    lines = [title] if title else []
    lines.append(f"{'label':<26}{'P':>7}{'R':>7}{'F1':>7}{'support':>9}")
    for c in ("open", "closed"):
        lines.append(_row(f"question={c}", evaluation.question.per_class[c]))
    lines.append(_row("reflection (any)", evaluation.reflection_any))
    for c in ("simple", "complex"):
        lines.append(_row(f"reflection={c}", evaluation.reflection.per_class[c]))
    for name, score in evaluation.flags.items():
        lines.append(_row(name, score))
    lines.append(f"open/closed macro-F1 {evaluation.open_closed_macro_f1:.3f}   "
                 f"question accuracy {evaluation.question.accuracy:.3f}   "
                 f"reflection accuracy {evaluation.reflection.accuracy:.3f}   n={evaluation.n}")
    lines += _confusion_table(evaluation.question)
    lines += _confusion_table(evaluation.reflection)
    return "\n".join(lines)
