"""Tier 1, learned: a linear model fitted on expert-coded counselling turns and the gold set.

The rules (`rules.py`) were written on the same hands' gold set and miss most
real reflections and many spoken questions. This coder runs the rules first,
turns the turn plus their codes into features (`features.py`) and lets one
logistic-regression head per code decide whether the code is present. The
weights are plain JSON in the package (`coder_weights.json`, written by
`scripts/train_coder.py`), checked against their sha256 on load; run time needs
numpy only, no scikit-learn, no pickle and no network.

How the two tiers combine is chosen per head by cross-validation and stored with
the weights (`MODES`): presence of a question or reflection from the model, or
from model **or** rules; its kind from the model, or from the rules whenever they
found the code; directive, co-creation and empathy from the model, or model or
rules. Affirmation, neutral observation, arguing, judging and pulling rank stay with the
rules (no expert labels exist for them). The rules also supply the `reasons` a
coach reads; a code only the model found gets the words of the sentence that
carries it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from sparring.coding.codes import TurnCoder, TurnCodes
from sparring.coding.empathy import expresses_empathy
from sparring.coding.features import Features, featurise
from sparring.coding.rules import RulesCoder
from sparring.coding.sentences import normalise, split_sentences

log = logging.getLogger(__name__)

WEIGHTS = Path(__file__).with_name("coder_weights.json")
#: The digest the weights must have; written beside them by the training script.
WEIGHTS_SHA256 = WEIGHTS.with_suffix(".sha256")
#: Model heads: presence, then kind given presence, then the flags it learns.
HEADS: tuple[str, ...] = ("question", "open", "reflection", "complex", "directive", "goal_cocreation", "empathy")
#: Flags whose final value may be the model's alone ("learned") or the model's or the rules' ("or").
COMBINABLE: tuple[str, ...] = ("directive", "goal_cocreation", "empathy")
#: How each head may combine with the rules, simplest first: "or" (present if either says
#: so), "rules-first" (the rules' kind when they found the code at all), "rules" (the rules
#: alone) or "learned" (the model alone).
MODES: dict[str, tuple[str, ...]] = {
    "question": ("learned", "or"), "open": ("learned", "rules-first"),
    "reflection": ("learned", "or"), "complex": ("learned", "rules-first"),
    # AnnoMI's "advice" is not the scheme's directive: it includes advice given with permission
    # and hedged suggestions, which the scheme does not call pushing; fitted on it, the model
    # or'ed with the rules gained 0.03 on AnnoMI and lost 0.04 on the gold test split, so
    # directive stays with the rules.
    "directive": ("rules",),
    **{flag: ("rules", "or", "learned") for flag in COMBINABLE if flag != "directive"},
}


#: Key (beside the heads' thresholds) of the reflection probability that overrides the rules' veto.
VETO_OVERRIDE = "reflection_veto_override"
#: A threshold no probability reaches: the override is off.
NEVER = 1.01


class WeightsError(RuntimeError):
    """The shipped weights are missing, altered or malformed."""


@dataclass(frozen=True)
class LinearHeads:
    """One weight column per head over a shared vocabulary; intercepts and decision thresholds."""

    index: dict[str, int]
    coef: np.ndarray  # (features, heads)
    intercept: np.ndarray  # (heads,)
    thresholds: dict[str, float]
    combine: dict[str, str]
    meta: dict[str, Any]

    def probabilities(self, features: Features) -> dict[str, float]:
        """P(code present) per head; features outside the vocabulary carry no weight."""
        idx = [self.index[name] for name in features if name in self.index]
        vals = np.fromiter((features[name] for name in features if name in self.index), float, len(idx))
        z = self.intercept + vals @ self.coef[idx] if idx else self.intercept.copy()
        p = 1.0 / (1.0 + np.exp(-z))
        return {h: float(v) for h, v in zip(HEADS, p, strict=True)}

    def decide(self, head: str, p: dict[str, float]) -> bool:
        return p[head] >= self.thresholds[head]


def parse_weights(raw: bytes, expected_sha256: str | None) -> LinearHeads:
    """Build the model from the JSON bytes, refusing them if their digest is not the expected one."""
    digest = hashlib.sha256(raw).hexdigest()
    if expected_sha256 is not None and digest != expected_sha256.strip():
        raise WeightsError(f"coder weights sha256 {digest} does not match the expected {expected_sha256.strip()}; "
                           "refit with scripts/train_coder.py or restore the shipped file")
    try:
        data = json.loads(raw)
        vocab: list[str] = data["vocabulary"]
        heads = data["heads"]
        coef = np.array([heads[h]["coef"] for h in HEADS], dtype=float).T
        intercept = np.array([heads[h]["intercept"] for h in HEADS], dtype=float)
        thresholds = {h: float(heads[h]["threshold"]) for h in HEADS}
        thresholds[VETO_OVERRIDE] = float(heads["reflection"].get("veto_override", NEVER))
        combine = {h: str(heads[h].get("combine", "learned")) for h in HEADS}
    except (KeyError, TypeError, ValueError) as exc:
        raise WeightsError(f"coder weights are malformed: {exc!r}") from exc
    if coef.shape != (len(vocab), len(HEADS)):
        raise WeightsError(f"coder weights: {coef.shape[0]} coefficients for {len(vocab)} features")
    return LinearHeads({name: i for i, name in enumerate(vocab)}, coef, intercept, thresholds, combine,
                       {k: v for k, v in data.items() if k not in ("vocabulary", "heads")})


@lru_cache(maxsize=1)
def load_heads(path: Path = WEIGHTS, sha_path: Path = WEIGHTS_SHA256) -> LinearHeads:
    """The shipped model, loaded once per process; raises `WeightsError` when it fails its hash."""
    try:
        raw, expected = path.read_bytes(), sha_path.read_text("utf-8")
    except OSError as exc:
        raise WeightsError(f"coder weights not found: {exc}") from exc
    return parse_weights(raw, expected)


def _carrier(text: str, question: bool) -> str:
    """The words a coach should see for a code only the model found: the sentence that carries it."""
    sentences = split_sentences(text)
    if not sentences:  # fillers only ("Mm-hmm.")
        return normalise(text)[:60]
    pick = [s for s in sentences if s.ends_with_qmark == question] or sentences
    chosen = pick[-1] if question else pick[0]
    return chosen.text[:60]


class LearnedCoder:
    """The default tier-1 coder: rules, then the learned heads over the rules' codes and the words."""

    def __init__(self, heads: LinearHeads | None = None, rules: RulesCoder | None = None) -> None:
        self.heads = heads or load_heads()
        self.rules = rules or RulesCoder()

    def probabilities(self, text: str, context: str | None) -> tuple[TurnCodes, dict[str, float]]:
        """The rules' codes and the model's probability for each head."""
        rules = self.rules.code(text, context)
        return rules, self.heads.probabilities(featurise(text, context, rules))

    def code(self, text: str, context: str | None) -> TurnCodes:
        rules, p = self.probabilities(text, context)
        return combine(rules, p, self.heads, text, context)


def combine(rules: TurnCodes, p: dict[str, float], heads: LinearHeads, text: str, context: str | None) -> TurnCodes:
    """Final codes from the rules' codes and the model's probabilities (see the module docstring)."""
    out = rules.model_dump()
    reasons: dict[str, str] = dict(rules.reasons)
    mode = heads.combine
    question = None
    if heads.decide("question", p) or (mode["question"] == "or" and rules.question is not None):
        question = "open" if heads.decide("open", p) else "closed"
        if mode["open"] == "rules-first" and rules.question is not None:
            question = rules.question
    reflection = None
    # Pushing moves and praise reuse the manager's words without reflecting them (coding_scheme.md):
    # when the rules saw such a move and no reflection, the model's echo evidence does not count.
    # A learned probability at or above `VETO_OVERRIDE` outweighs the veto: the rules' pushing
    # cues also fire on real reflections of spoken talk ("you need to feel safe" said back).
    vetoed = (rules.reflection is None and (rules.is_weak or rules.affirmation)
              and p["reflection"] < heads.thresholds.get(VETO_OVERRIDE, NEVER))
    has_context = bool(context and context.strip()) and not vetoed
    if has_context and (heads.decide("reflection", p) or (mode["reflection"] == "or" and rules.reflection)):
        reflection = "complex" if heads.decide("complex", p) else "simple"
        if mode["complex"] == "rules-first" and rules.reflection is not None:
            reflection = rules.reflection
    out["question"], out["reflection"] = question, reflection
    for flag in COMBINABLE:
        if mode[flag] != "rules":
            learned = heads.decide(flag, p)
            out[flag] = learned or (mode[flag] == "or" and bool(out[flag]))
    if not rules.is_weak:
        peer = expresses_empathy(normalise(text).lower())
        if peer:
            out["empathy"] = True
            reasons.setdefault("empathy", peer)
    elif not rules.empathy:
        out["empathy"] = False  # "I hear you, but you need to...": acknowledgement used to push
    for code, found in (("question", question), ("reflection", reflection)):
        if found is not None and code not in reasons:
            reasons[code] = _carrier(text, question=code == "question")
    for flag in COMBINABLE:
        if out[flag] and flag not in reasons:
            reasons[flag] = _carrier(text, question=False)
    present = {k for k, v in out.items() if k != "reasons" and v not in (None, False)}
    out["reasons"] = {k: v for k, v in reasons.items() if k in present}
    return TurnCodes.model_validate(out)


def default_coder() -> TurnCoder:
    """The coder every entry point uses: the learned tier, or the rules alone (with a warning)
    if the shipped weights cannot be loaded, so a broken file never stops a session."""
    try:
        return LearnedCoder()
    except WeightsError as exc:
        log.warning("learned coder unavailable, using the rules alone: %s", exc)
        return RulesCoder()
