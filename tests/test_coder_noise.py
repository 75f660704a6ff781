"""Spoken-transcript noise and the learned override of the rules' push/praise veto."""

from __future__ import annotations

import numpy as np
import pytest

from sparring.coding.learned import HEADS, NEVER, VETO_OVERRIDE, LinearHeads, combine, load_heads
from sparring.coding.rules import RulesCoder
from sparring.coding.sentences import despeech, split_sentences


@pytest.mark.parametrize(("spoken", "clean"), [
    ("-um, that you spend on reports each week?", "that you spend on reports each week?"),
    ("so, um, you're thinking it's for teams that are-are struggling?", "so, you're thinking it's for teams that are struggling?"),
    ("mm-hmm, and what is it that matters?", "and what is it that matters?"),
    ("to hire a-a-a per-permanent lead", "to hire a permanent lead"),
    ("and the depot's important to you-", "and the depot's important to you"),
    ("a one-to-one on well-being", "a one-to-one on well-being"),
])
def test_despeech_takes_out_fillers_stutters_and_cut_off_dashes(spoken: str, clean: str) -> None:
    assert despeech(spoken) == clean


def test_a_filler_before_a_wh_word_no_longer_hides_an_open_question() -> None:
    from sparring.coding.questions import classify

    (s,) = split_sentences("Mm-hmm, and what is it that matters most to you about the new rota?")
    assert classify(s) == "open"


def test_a_strong_learned_reflection_overrides_the_veto_and_a_weak_one_does_not() -> None:
    text, context = "You need to delegate the reports this week.", "I am drowning in reports this week."
    rules = RulesCoder().code(text, context)
    assert rules.reflection is None and (rules.is_weak or rules.affirmation)  # the veto applies
    p = dict.fromkeys(HEADS, 0.0) | {"reflection": 0.9}
    base = {h: 0.5 for h in HEADS}
    modes = {h: "learned" for h in HEADS} | {"directive": "rules", "empathy": "rules", "goal_cocreation": "rules"}

    def heads(override: float) -> LinearHeads:
        return LinearHeads({}, np.zeros((0, len(HEADS))), np.zeros(len(HEADS)), base | {VETO_OVERRIDE: override},
                           modes, {})

    assert combine(rules, p, heads(0.75), text, context).reflection == "simple"
    assert combine(rules, p, heads(NEVER), text, context).reflection is None
    assert combine(rules, p | {"reflection": 0.6}, heads(0.75), text, context).reflection is None


def test_the_shipped_weights_carry_a_veto_override() -> None:
    assert 0.5 <= load_heads().thresholds[VETO_OVERRIDE] <= NEVER
