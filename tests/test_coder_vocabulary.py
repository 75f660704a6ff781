"""The shipped coder vocabulary carries no training text.

AnnoMI may be used to fit the coder but its text must stay outside the repository,
weights included. Two rules keep it out (`features.mask_names`,
`training.Config.min_groups`): words capitalised mid-sentence become one placeholder,
and a feature seen in AnnoMI ships only if at least `min_groups` distinct transcripts
hold it, or the gold set (workplace text already in the repository) attests it.

The data-free tests use the weights and the repository alone. The others read
`../shared/data/annomi-train` at test time, so no training text is written here,
and are skipped when it is absent.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict

import pytest

from sparring.coding.corpus import ANNOMI, load_annomi, load_gold
from sparring.coding.features import NAME, featurise, mask_names
from sparring.coding.learned import WEIGHTS
from sparring.coding.rules import RulesCoder

DOC = json.loads(WEIGHTS.read_text("utf-8"))
VOCAB: list[str] = DOC["vocabulary"]
MIN_GROUPS: int = DOC["config"]["min_groups"]
#: Common first names (a generic list, not read from any data set); none is also an everyday word.
FIRST_NAMES = frozenset(
    ["james", "john", "robert", "michael", "william", "david", "richard", "joseph", "thomas", "charles", "christopher", "daniel", "matthew", "mary", "patricia", "jennifer", "linda", "elizabeth", "barbara", "susan", "jessica", "sarah", "karen", "emily", "emma", "olivia", "sophia", "priya", "raj", "mohammed", "ahmed", "maria", "anna", "chris", "mike", "kate", "laura", "lisa", "jake", "oscar", "ruth", "natalie"]
)
_WORD = re.compile(r"[a-z0-9']+")
needs_annomi = pytest.mark.skipif(
    not (ANNOMI / "therapist_turns.jsonl").exists(),
    reason=f"AnnoMI training split not found at {ANNOMI} (it lives outside the repository)",
)


def feature_words(name: str) -> set[str]:
    """The words inside a feature name ('h:are you' -> {'are', 'you'}); signal names carry none of interest."""
    return set(_WORD.findall(name.split(":", 1)[1])) if ":" in name else set()


def test_the_floor_is_at_least_five_transcripts() -> None:
    assert MIN_GROUPS >= 5


def test_the_vocabulary_holds_no_common_first_name() -> None:
    hits = sorted(f for f in VOCAB if feature_words(f) & FIRST_NAMES)
    assert not hits


def test_the_vocabulary_has_no_capitalised_tokens_or_name_like_words_from_the_gold_set() -> None:
    assert all(f == f.lower() for f in VOCAB if not f.startswith("r:"))  # "r:q=None": a rules signal
    masked: set[str] = set()
    for e in load_gold("dev") + load_gold("test"):
        for text in (e.text, e.context or ""):
            kept = set(_WORD.findall(mask_names(text).lower()))
            masked |= set(_WORD.findall(text.lower())) - kept
    assert "priya" in masked  # the gold set's one recurring name
    assert not sorted(f for f in VOCAB if feature_words(f) & masked)


def test_names_mid_sentence_reach_the_model_only_as_a_placeholder() -> None:
    text, context = "Hello Kaylie, so you talked to Priya about it?", "I spoke to Oscar on Friday."
    names = " ".join(featurise(text, context, RulesCoder().code(text, context))).lower()
    assert not {"kaylie", "priya", "oscar"} & set(_WORD.findall(names))
    assert NAME in names and "friday" in names
    assert mask_names("Well, I think Dr Smith is right. And you?") == f"Well, I think Dr {NAME} is right. And you?"


@pytest.fixture(scope="module")
def annomi_frequency() -> dict[str, int]:
    """Per feature, how many AnnoMI transcripts hold it: computed here, never stored."""
    rules = RulesCoder()
    seen: dict[str, set[str]] = defaultdict(set)
    for e in load_annomi():
        for name in featurise(e.text, e.context, rules.code(e.text, e.context)):
            seen[name].add(e.group)
    return {name: len(groups) for name, groups in seen.items()}


@needs_annomi
def test_every_rare_annomi_feature_is_attested_by_the_gold_set(annomi_frequency: dict[str, int]) -> None:
    rules = RulesCoder()
    gold = {name for e in load_gold("dev") for name in featurise(e.text, e.context, rules.code(e.text, e.context))}
    rare = [f for f in VOCAB if 0 < annomi_frequency.get(f, 0) < MIN_GROUPS and f not in gold]
    assert not rare, f"{len(rare)} features held by fewer than {MIN_GROUPS} AnnoMI transcripts"


@needs_annomi
def test_no_name_from_the_training_transcripts_is_in_the_vocabulary() -> None:
    """Names: words only ever seen capitalised, mid-sentence at least once, in AnnoMI."""
    capitalised, lower = set(), set()
    for e in load_annomi():
        for text in (e.text, e.context or ""):
            lower |= set(re.findall(r"\b[a-z][a-z']+\b", text))
            kept = set(_WORD.findall(mask_names(text).lower()))
            capitalised |= set(_WORD.findall(text.lower())) - kept
    names = capitalised - lower
    assert len(names) > 10  # the heuristic does find the transcripts' names
    hits = [f for f in VOCAB if feature_words(f) & names]
    assert not hits, f"{len(hits)} vocabulary features hold a name from the training transcripts"
