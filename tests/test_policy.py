"""Move choice: which move fits the state and the coach's last turn, and which concerns may surface."""

from __future__ import annotations

from itertools import pairwise

from builders import build_persona
from hypothesis import given, settings
from hypothesis import strategies as st

from sparring.coding.codes import TurnCodes
from sparring.engine.dynamics import apply_codes
from sparring.engine.policy import Decision, choose_move, commit, comply_chance
from sparring.engine.replay import replay
from sparring.engine.transcript import ManagerState
from sparring.persona.loader import load_personas
from sparring.persona.model import Move, Persona
from sparring.settings import ROOT

OPEN = TurnCodes(question="open")
GOOD = TurnCodes(question="open", reflection="complex")
CLOSED = TurnCodes(question="closed")
GOAL = TurnCodes(question="open", goal_cocreation=True)


def make_persona() -> Persona:
    # the deepest concern first: the policy must pick by threshold, not by file order
    return build_persona(
        ("deep", "My divorce papers arrived on Monday.", 2.5),
        ("shallow", "The quarterly budget cut scares me.", 6),
        ("middle", "My heart condition slows me down.", 4),
    )


PERSONA = make_persona()


def decide(
    resistance: float,
    codes: TurnCodes,
    *,
    revealed: list[str] | None = None,
    goal: bool = False,
    coach: str = "line",
    seed: int = 1,
    injection: str | None = None,
    used: frozenset[str] = frozenset(),
) -> Decision:
    before = ManagerState(resistance=resistance, revealed=revealed or [], goal_proposed=goal)
    after, delta = apply_codes(before, codes, PERSONA.dynamics, "realistic")
    return choose_move(before, after, codes, delta.applied, PERSONA, coach, seed, injection, used)


def test_high_resistance_and_judging_or_rank_challenges_legitimacy() -> None:
    assert decide(8, TurnCodes(judging=True)).move is Move.CHALLENGE_LEGITIMACY
    assert decide(8, TurnCodes(pulling_rank=True)).move is Move.CHALLENGE_LEGITIMACY


def test_high_resistance_and_advice_vents_or_challenges() -> None:
    moves = [decide(8, TurnCodes(directive=True), seed=s).move for s in range(40)]
    # the first push may already draw a grudging go-along, a quarter of the time (see below)
    assert set(moves) - {Move.COMPLY} == {Move.VENT, Move.CHALLENGE_LEGITIMACY}
    assert moves.count(Move.COMPLY) <= 16


def test_comply_chance_grows_with_each_push() -> None:
    assert [comply_chance(n) for n in range(6)] == [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]


def test_repeated_unasked_advice_draws_surface_compliance_but_never_trust() -> None:
    # Surface compliance: lectured long enough, a manager says what ends the pressure
    # ("Fine. I'll put it on the list.") without trusting the coach any more. Resistance keeps
    # rising, nothing is committed, no concern comes out, and no go-along line is said twice.
    shipped = load_personas(ROOT / "personas")
    advice = TurnCodes(directive=True)
    for persona in shipped.values():
        steps = replay(persona, "realistic", [(f"You should try plan {i}.", advice) for i in range(10)], seed=3)
        levels = [persona.starting_resistance["realistic"], *(st.state.resistance for st in steps)]
        assert all(later >= earlier for earlier, later in pairwise(levels)), persona.id
        comply = [st for st in steps if st.decision.move is Move.COMPLY]
        assert len(comply) >= 3, f"{persona.id}: {[st.decision.move.value for st in steps]}"
        assert all(st.decision.talk in ("change", "neutral") for st in comply)
        assert all(st.decision.talk == "sustain" for st in steps if st.decision.move is not Move.COMPLY)
        texts = [st.decision.example for st in comply]
        assert len(set(texts)) == len(texts) and set(texts) <= {ln.text for ln in persona.bank(Move.COMPLY)}
        final = steps[-1].state
        assert final.commitments == [] and not final.goal_proposed and final.revealed == []
        assert final.pushed == 10


def test_judging_or_rank_is_never_placated_and_a_bank_without_comply_lines_never_complies() -> None:
    pushed = ManagerState(resistance=8, pushed=6)
    for codes in (TurnCodes(judging=True), TurnCodes(pulling_rank=True), TurnCodes(directive=True, judging=True)):
        after, delta = apply_codes(pushed, codes, PERSONA.dynamics, "realistic")
        assert all(choose_move(pushed, after, codes, delta.applied, PERSONA, "x", s).move is not Move.COMPLY
                   for s in range(20))
    bare = PERSONA.model_copy(update={"example_lines": {m: ls for m, ls in PERSONA.example_lines.items()
                                                        if m is not Move.COMPLY}})
    advice = TurnCodes(directive=True)
    after, delta = apply_codes(pushed, advice, bare.dynamics, "realistic")
    assert {choose_move(pushed, after, advice, delta.applied, bare, "x", s).move for s in range(20)} <= {
        Move.VENT, Move.CHALLENGE_LEGITIMACY}
    # every comply line already said: the manager pushes back instead of repeating one
    said = ManagerState(resistance=8, pushed=6, used_lines=[ln.text for ln in PERSONA.bank(Move.COMPLY)])
    after, delta = apply_codes(said, advice, PERSONA.dynamics, "realistic")
    assert all(choose_move(said, after, advice, delta.applied, PERSONA, "x", s).move is not Move.COMPLY
               for s in range(20))


def test_closed_question_gets_yes_but_or_deflect_when_guarded_and_a_curt_answer_otherwise() -> None:
    moves = {decide(8, CLOSED, seed=s).move for s in range(20)}
    assert moves == {Move.YES_BUT, Move.DEFLECT}
    assert decide(5, CLOSED, coach="answer line?").move is Move.ANSWER
    # no authored answer fits the question: a dodge, not a non sequitur
    assert decide(5, CLOSED, coach="Is the weather nice?").move is Move.DEFLECT


def test_mid_resistance_good_turns_get_plain_answers_and_sometimes_a_concession() -> None:
    assert decide(5.5, OPEN, revealed=["shallow"], coach="answer line?").move is Move.ANSWER
    reflected = {decide(5.5, GOOD, revealed=["shallow", "middle"], seed=s, coach="answer line").move
                 for s in range(20)}
    assert reflected == {Move.PARTIAL_ADMISSION, Move.ANSWER}


def test_concerns_surface_shallowest_first_and_only_below_their_threshold() -> None:
    first = decide(6.5, GOOD)
    assert first.move is Move.REVEAL_CONCERN and first.reveal is not None
    assert first.reveal.id == "shallow"
    # already revealed the shallow one; from 6.0 the next (threshold 4) is not earned yet
    second = decide(6.0, GOOD, revealed=["shallow"])
    assert second.move is not Move.REVEAL_CONCERN
    third = decide(4.5, GOOD, revealed=["shallow"])
    assert third.reveal is not None and third.reveal.id == "middle"


def test_allowed_concerns_are_those_revealed_now_or_before_and_under_threshold() -> None:
    d = decide(4.5, GOOD, revealed=["shallow"])
    assert d.reveal is not None and d.reveal.id == "middle"
    assert d.allowed_ids == ["shallow", "middle"]
    # resistance rose back above the shallow threshold: the model no longer sees it
    pushed = decide(6.5, TurnCodes(directive=True), revealed=["shallow"])
    assert pushed.allowed_ids == []


def test_a_bad_turn_never_reveals_even_at_low_resistance() -> None:
    d = decide(1.0, TurnCodes(directive=True, question="open"))
    assert d.move is not Move.REVEAL_CONCERN and d.reveal is None and d.allowed == []


def test_low_resistance_and_goal_cocreation_proposes_a_goal() -> None:
    d = decide(4.0, GOAL, revealed=["shallow", "middle"])
    assert d.move is Move.PROPOSE_GOAL


def test_after_a_goal_a_next_step_request_agrees_and_records_a_commitment() -> None:
    d = decide(3.0, OPEN, revealed=["shallow"], goal=True, coach="What would be a first step?")
    assert d.move is Move.AGREE_NEXT_STEP
    state = commit(ManagerState(resistance=3.0, goal_proposed=True), d, "I'll ask the team on Friday.")
    assert state.commitments == ["I'll ask the team on Friday."]


def test_revealed_concerns_are_remembered_and_the_goal_flag_is_kept() -> None:
    d = decide(6.5, GOOD)
    state = commit(ManagerState(resistance=5.0), d, "reply")
    assert state.revealed == ["shallow"]
    goal = decide(3.0, GOAL, revealed=["shallow", "middle"])
    assert commit(state, goal, "reply").goal_proposed


def test_prompt_injection_gets_an_in_character_move() -> None:
    assert decide(5, OPEN, injection="identity_probe").move is Move.DEFLECT
    assert decide(9, OPEN, injection="ignore_instructions").move is Move.CHALLENGE_LEGITIMACY


def test_same_inputs_and_seed_choose_the_same_move_and_example() -> None:
    a = [decide(8, TurnCodes(directive=True), seed=s) for s in range(10)]
    b = [decide(8, TurnCodes(directive=True), seed=s) for s in range(10)]
    assert [(x.move, x.example) for x in a] == [(y.move, y.example) for y in b]


def test_examples_are_not_repeated_while_fresh_ones_remain() -> None:
    used = frozenset({"deflect line one."})
    examples = {decide(4, TurnCodes(judging=True), seed=s, used=used).example for s in range(10)}
    assert examples == {"deflect line two."}


def test_reveal_example_is_the_concerns_own_words() -> None:
    d = decide(6.5, GOOD)
    assert d.example == "The quarterly budget cut scares me."


codes_strategy = st.builds(
    TurnCodes,
    question=st.sampled_from([None, "open", "closed"]),
    reflection=st.sampled_from([None, "simple", "complex"]),
    empathy=st.booleans(),
    affirmation=st.booleans(),
    goal_cocreation=st.booleans(),
    directive=st.booleans(),
    arguing=st.booleans(),
    judging=st.booleans(),
    pulling_rank=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(codes_strategy, min_size=1, max_size=15), st.sampled_from(["easy", "realistic", "hard"]))
def test_no_concern_is_ever_shown_above_its_threshold(sequence: list[TurnCodes], difficulty: str) -> None:
    state = ManagerState(resistance=PERSONA.starting_resistance[difficulty])  # type: ignore[index]
    thresholds = {c.id: c.reveal_below for c in PERSONA.concerns}
    for codes in sequence:
        after, delta = apply_codes(state, codes, PERSONA.dynamics, difficulty)  # type: ignore[arg-type]
        d = choose_move(state, after, codes, delta.applied, PERSONA, "line", 3)
        assert all(thresholds[c] > after.resistance for c in d.allowed_ids)
        assert set(d.allowed_ids) <= {*state.revealed, *([d.reveal.id] if d.reveal else [])}
        if d.reveal is not None:
            assert not codes.is_weak
        state = commit(after, d, "reply")


ASK = TurnCodes(question="closed", asking_permission=True, goal_cocreation=True)
ADVICE = TurnCodes(directive=True)


def test_asked_permission_the_manager_says_yes_below_the_persona_threshold_and_no_at_it() -> None:
    at = PERSONA.dynamics.declines_permission_at
    yes = decide(at - 0.5, ASK)
    no = decide(at + 1.0, ASK)  # asking eases a little first; the no is decided after it
    assert yes.move is Move.GRANT_PERMISSION and yes.talk == "neutral"
    assert no.move is Move.DECLINE_PERMISSION and no.talk == "sustain"
    assert yes.example in {ln.text for ln in PERSONA.bank(Move.GRANT_PERMISSION)}
    assert no.example in {ln.text for ln in PERSONA.bank(Move.DECLINE_PERMISSION)}


def test_advice_after_a_yes_is_let_in_and_after_a_no_hardens_like_unasked_advice() -> None:
    """The whole path the engine takes: codes → state → move → commit → the next turn's delta."""
    at = PERSONA.dynamics.declines_permission_at
    for start, granted in ((at - 1.0, True), (min(10.0, at + 1.5), False)):
        before = ManagerState(resistance=start)
        moved, delta = apply_codes(before, ASK, PERSONA.dynamics, "realistic")
        decision = choose_move(before, moved, ASK, delta.applied, PERSONA, "Can I share an idea?", 1)
        after_ask = commit(moved, decision, decision.example)
        assert after_ask.permission_granted is granted
        after_advice, advice_delta = apply_codes(after_ask, ADVICE, PERSONA.dynamics, "realistic")
        names = [n for n, _ in advice_delta.terms]
        assert names == (["advice_with_permission"] if granted else ["directive"])
        assert after_advice.pushed == (0 if granted else 1)
        assert (advice_delta.applied > 0) is not granted


def test_a_persona_without_permission_lines_answers_with_plain_ones() -> None:
    plain = build_persona(("only", "The budget cut scares me.", 6))
    assert not plain.lines.get(Move.GRANT_PERMISSION)
    assert plain.bank(Move.GRANT_PERMISSION) and plain.bank(Move.DECLINE_PERMISSION)


def test_old_saved_state_reads_its_asked_permission_as_a_yes() -> None:
    old = ManagerState.model_validate({"resistance": 5.0, "permission_asked": True})
    assert old.permission_granted
