"""The resistance rules: data-driven weights, pace by difficulty, clamping, streaks, explanations."""

from __future__ import annotations

import pytest

from sparring.coding.codes import TurnCodes
from sparring.engine.dynamics import apply_codes, compute_delta, explain_delta
from sparring.engine.transcript import ManagerState
from sparring.persona.model import Dynamics

DYN = Dynamics()


def state(resistance: float = 6.0, streak: int = 0) -> ManagerState:
    return ManagerState(resistance=resistance, closed_streak=streak)


def test_open_question_lowers_resistance_by_its_weight() -> None:
    after, _ = apply_codes(state(6.0), TurnCodes(question="open"), DYN, "realistic")
    assert after.resistance == pytest.approx(6.0 + DYN.open_question * DYN.pace["realistic"])


@pytest.mark.parametrize(
    "codes",
    [
        TurnCodes(question="open"),
        TurnCodes(reflection="simple"),
        TurnCodes(reflection="complex"),
        TurnCodes(empathy=True),
        TurnCodes(affirmation=True),
        TurnCodes(goal_cocreation=True),
    ],
)
def test_good_behaviour_lowers_and_easy_earns_trust_faster_than_hard(codes: TurnCodes) -> None:
    easy, _ = apply_codes(state(6.0), codes, DYN, "easy")
    realistic, _ = apply_codes(state(6.0), codes, DYN, "realistic")
    hard, _ = apply_codes(state(6.0), codes, DYN, "hard")
    assert easy.resistance < realistic.resistance < hard.resistance < 6.0


@pytest.mark.parametrize("flag", ["directive", "arguing", "judging", "pulling_rank"])
def test_pushing_raises_resistance_the_same_at_every_difficulty(flag: str) -> None:
    codes = TurnCodes(**{flag: True})
    rises = {d: apply_codes(state(5.0), codes, DYN, d)[0].resistance for d in ("easy", "realistic", "hard")}
    assert rises["easy"] == rises["realistic"] == rises["hard"] > 5.0


def test_closed_questions_in_a_row_raise_more_each_time_after_the_first() -> None:
    closed = TurnCodes(question="closed")
    s = state(4.0)
    steps = []
    for _ in range(3):
        after, delta = apply_codes(s, closed, DYN, "realistic")
        steps.append(delta.applied)
        s = after
    assert s.closed_streak == 3
    assert steps[0] == pytest.approx(DYN.closed_question)
    assert steps[1] == pytest.approx(DYN.closed_question + DYN.closed_question_streak)
    # an open question breaks the run
    after, _ = apply_codes(s, TurnCodes(question="open"), DYN, "realistic")
    assert after.closed_streak == 0


def test_change_per_turn_is_clamped_to_max_step_both_ways() -> None:
    everything_good = TurnCodes(
        question="open", reflection="complex", empathy=True, affirmation=True, goal_cocreation=True
    )
    everything_bad = TurnCodes(directive=True, arguing=True, judging=True, pulling_rank=True)
    down, d1 = apply_codes(state(6.0), everything_good, DYN, "easy")
    up, d2 = apply_codes(state(4.0), everything_bad, DYN, "realistic")
    assert d1.raw < -DYN.max_step and down.resistance == pytest.approx(6.0 - DYN.max_step)
    assert d2.raw > DYN.max_step and up.resistance == pytest.approx(4.0 + DYN.max_step)


def test_resistance_stays_on_the_zero_to_ten_scale() -> None:
    bad = TurnCodes(directive=True, judging=True)
    good = TurnCodes(question="open", reflection="complex")
    assert apply_codes(state(9.5), bad, DYN, "hard")[0].resistance == 10.0
    trusted = state(0.4).model_copy(update={"goal_proposed": True, "revealed": ["a", "b"]})
    assert apply_codes(trusted, good, DYN, "easy")[0].resistance == 0.0


def test_a_turn_mixing_a_reflection_with_advice_nets_out() -> None:
    mixed = TurnCodes(reflection="complex", directive=True)
    delta = compute_delta(mixed, DYN, "realistic", state(5.0))
    reflection = DYN.complex_reflection * DYN.pace["realistic"]
    assert delta.applied == pytest.approx(reflection + DYN.directive)
    assert abs(delta.applied) < max(abs(reflection), DYN.directive)


def test_weights_come_from_the_persona_file() -> None:
    touchy = Dynamics(directive=3.0, max_step=5.0)
    assert apply_codes(state(5.0), TurnCodes(directive=True), touchy, "realistic")[0].resistance == 8.0


def test_explanation_lists_each_code_and_sums_to_the_change() -> None:
    codes = TurnCodes(question="open", empathy=True, directive=True)
    terms = explain_delta(codes, DYN, "hard")
    names = [name for name, _ in terms]
    assert names == ["open_question", "empathy", "directive"]
    weights = dict(terms)
    assert weights["open_question"] == pytest.approx(DYN.open_question * DYN.pace["hard"])
    assert weights["directive"] == pytest.approx(DYN.directive)
    assert compute_delta(codes, DYN, "hard", state(5.0)).raw == pytest.approx(sum(weights.values()))


def test_update_returns_a_new_state_and_counts_the_turn() -> None:
    before = state(6.0)
    after, _ = apply_codes(before, TurnCodes(question="open"), DYN, "realistic")
    assert before.resistance == 6.0 and before.turn == 0
    assert after.turn == 1


def test_good_coaching_stops_at_the_trust_floor_until_a_goal_and_two_concerns() -> None:
    good = TurnCodes(question="open", reflection="complex", empathy=True)
    low = state(3.2)
    assert apply_codes(low, good, DYN, "realistic")[0].resistance == 3.0
    heard = low.model_copy(update={"revealed": ["a", "b"]})
    assert apply_codes(heard, good, DYN, "realistic")[0].resistance == 3.0  # no goal of their own yet
    trusted = heard.model_copy(update={"goal_proposed": True})
    assert apply_codes(trusted, good, DYN, "realistic")[0].resistance == DYN.open_floor["realistic"]


def test_a_push_late_in_a_good_session_still_costs_full_trust() -> None:
    trusted = state(2.5).model_copy(update={"goal_proposed": True, "revealed": ["a", "b"]})
    after, _ = apply_codes(trusted, TurnCodes(directive=True), DYN, "realistic")
    assert after.resistance == pytest.approx(2.5 + DYN.directive)


def test_only_at_hard_repeated_pushing_at_the_limit_ends_the_conversation() -> None:
    push = TurnCodes(judging=True)
    for difficulty, ends in (("realistic", False), ("hard", True)):
        s = state(9.8)
        for _ in range(DYN.walk_out_turns):
            s, _ = apply_codes(s, push, DYN, difficulty)
        assert s.ended is ends
    one_good = apply_codes(state(9.8).model_copy(update={"past_limit": 2}), TurnCodes(question="open"), DYN, "hard")[0]
    assert one_good.past_limit == 0 and not one_good.ended


def test_advice_after_a_permission_turn_weighs_advice_with_permission_not_directive() -> None:
    asked, _ = apply_codes(state(6.0), TurnCodes(question="closed", asking_permission=True), DYN, "realistic")
    assert not asked.permission_granted  # asking is not yet a yes: the policy's move decides (policy.commit)
    asked = asked.model_copy(update={"permission_granted": True})
    advice = TurnCodes(directive=True)
    permitted = compute_delta(advice, DYN, "realistic", asked)
    unasked = compute_delta(advice, DYN, "realistic", state(asked.resistance))
    assert [n for n, _ in permitted.terms] == ["advice_with_permission"]
    assert permitted.applied <= 0 < unasked.applied
    after, _ = apply_codes(asked, advice, DYN, "realistic")
    assert after.pushed == 0 and not after.permission_granted  # permission covers the next turn only
    again, _ = apply_codes(after, advice, DYN, "realistic")
    assert again.pushed == 1 and again.resistance > after.resistance


def test_a_permission_question_is_not_a_hardening_closed_question() -> None:
    ask = TurnCodes(question="closed", asking_permission=True)
    names = [n for n, _ in explain_delta(ask, DYN, "realistic", closed_streak=2)]
    assert "closed_question" not in names and "closed_question_streak" not in names
    assert compute_delta(ask, DYN, "realistic", state(6.0, streak=2)).closed_streak == 0


def test_autonomy_eases_slightly_like_affirmation() -> None:
    delta = compute_delta(TurnCodes(autonomy=True), DYN, "realistic", state(6.0))
    assert 0 > delta.applied >= DYN.affirmation * DYN.pace["realistic"]
