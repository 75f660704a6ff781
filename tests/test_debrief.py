"""The debrief, live tips, exports and the timeline chart, on scripted good and poor sessions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sparring.coding.codes import TurnCodes
from sparring.debrief.build import (
    Debrief,
    build_debrief,
    build_debrief_llm,
    transcript_markdown,
)
from sparring.debrief.chart import timeline_figure
from sparring.debrief.feedback import summary_for, tip_for
from sparring.debrief.texts import TextFileError, load_debrief_texts, load_feedback_tips
from sparring.engine.transcript import ManagerState, Transcript, TurnRecord
from sparring.persona.model import Move
from sparring.providers import FakeChatModel, ModelUnavailable
from sparring.settings import ROOT, Settings

Step = tuple[str, TurnCodes, Move, float, list[str]]

GOOD: list[Step] = [
    ("What's been on your plate since the reorg?", TurnCodes(question="open"), Move.DEFLECT, 6.4, []),
    (
        "You're carrying a lot, and nobody asked what the reorg would cost your team.",
        TurnCodes(reflection="complex", empathy=True),
        Move.VENT,
        5.4,
        [],
    ),
    (
        "You know this warehouse better than anyone. What would make these sessions useful to you?",
        TurnCodes(question="open", affirmation=True, goal_cocreation=True),
        Move.PARTIAL_ADMISSION,
        4.4,
        ["overtime"],
    ),
    ("It matters to you that the team isn't blamed for this.", TurnCodes(reflection="complex"), Move.REVEAL_CONCERN, 4.0, []),
    ("So the overtime worries you more than the targets.", TurnCodes(reflection="simple"), Move.YES_BUT, 3.9, []),
    ("Where would you like to start?", TurnCodes(question="open", goal_cocreation=True), Move.PROPOSE_GOAL, 3.0, []),
    ("Is Thursday good for a first look?", TurnCodes(question="closed"), Move.AGREE_NEXT_STEP, 3.2, []),
]
POOR: list[Step] = [
    ("You should start delegating more.", TurnCodes(directive=True), Move.CHALLENGE_LEGITIMACY, 8.2, []),
    ("Have you tried one-to-ones?", TurnCodes(question="closed"), Move.DEFLECT, 8.4, []),
    ("So you're busy.", TurnCodes(reflection="simple"), Move.DEFLECT, 8.1, []),
    ("Did you read the engagement survey?", TurnCodes(question="closed"), Move.YES_BUT, 9.0, []),
    ("You're being defensive.", TurnCodes(judging=True), Move.CHALLENGE_LEGITIMACY, 10.0, []),
    ("HR asked me to do this, so we need progress.", TurnCodes(pulling_rank=True), Move.DEFLECT, 10.0, []),
    ("That's not true, the numbers say otherwise.", TurnCodes(arguing=True), Move.VENT, 9.7, []),
]


def session(steps: list[Step], *, commitments: list[str] | None = None, goal: bool = False) -> Transcript:
    turns = []
    before = 7.0
    for index, (coach, codes, move, after, revealed) in enumerate(steps, 1):
        turns.append(
            TurnRecord(
                index=index,
                coach=coach,
                manager=f"(manager reply {index})",
                codes=codes,
                move=move,
                resistance_before=before,
                resistance_after=after,
                revealed_now=revealed,
            )
        )
        before = after
    state = ManagerState(
        resistance=before, commitments=commitments or [], goal_proposed=goal, turn=len(steps)
    )
    return Transcript(
        persona_id="dana",
        persona_name="Dana Okafor",
        difficulty="realistic",
        opening="I don't see why I need a coach.",
        state=state,
        turns=turns,
    )


@pytest.fixture
def good() -> Transcript:
    return session(GOOD, commitments=["look at overtime data on Thursday"], goal=True)


@pytest.fixture
def poor() -> Transcript:
    return session(POOR)


def test_good_beats_poor_on_every_metric(good: Transcript, poor: Transcript) -> None:
    g, p = build_debrief(good), build_debrief(poor)
    assert g.score > p.score
    gm, pm = g.metrics, p.metrics
    assert (gm.open_question_pct or 0) > (pm.open_question_pct or 0)
    assert gm.reflection_to_question > pm.reflection_to_question
    assert (gm.complex_reflection_pct or 0) > (pm.complex_reflection_pct or 0)
    assert gm.empathy_moments > pm.empathy_moments
    assert gm.affirmations > pm.affirmations
    assert gm.cocreation_moments > pm.cocreation_moments
    assert gm.directive_turns < pm.directive_turns
    assert gm.arguing_turns < pm.arguing_turns
    assert gm.judging_turns < pm.judging_turns
    assert gm.rank_turns < pm.rank_turns
    assert gm.pushing_turns < pm.pushing_turns
    assert gm.resistance_change < 0 < pm.resistance_change
    assert gm.resistance_end < pm.resistance_end
    assert g.goal.cocreated and not p.goal.cocreated
    for part in ("questions", "listening", "partnership", "restraint", "outcome"):
        assert (getattr(g.subscores, part) or 0) > (getattr(p.subscores, part) or 0), part


def test_metrics_are_the_counts_a_trainer_would_make(good: Transcript) -> None:
    m = build_debrief(good).metrics
    assert (m.turns, m.open_questions, m.closed_questions) == (7, 3, 1)
    assert m.open_question_pct == 75.0
    assert m.reflection_to_question == 0.75  # 3 reflections / 4 questions
    assert m.complex_reflection_pct == pytest.approx(66.7)
    assert m.resistance_change == pytest.approx(-3.8)


def test_goal_turn_comes_from_the_manager_move(good: Transcript) -> None:
    goal = build_debrief(good).goal
    assert goal.cocreated and goal.turn == 6 and goal.move == Move.PROPOSE_GOAL
    assert goal.commitments == ["look at overtime data on Thursday"]


def test_goal_from_state_alone_has_no_turn() -> None:
    steps = [(c, codes, Move.DEFLECT, after, r) for c, codes, _, after, r in GOOD]
    goal = build_debrief(session(steps, commitments=["talk again next week"])).goal
    assert goal.cocreated and goal.turn is None
    assert not build_debrief(session(steps)).goal.cocreated


def test_best_and_weakest_turns_with_alternatives(good: Transcript, poor: Transcript) -> None:
    g, p = build_debrief(good), build_debrief(poor)
    assert [n.turn for n in g.best_turns] == [2, 3]  # equal value and drop: the earlier first
    assert [n.turn for n in g.weakest_turns] == [7]  # the closed question; turn 5 (simple reflection) is fine
    assert all(n.alternative is None for n in g.best_turns)
    assert len(p.weakest_turns) == 2
    weak_turns = {n.turn for n in p.weakest_turns}
    assert weak_turns <= {1, 5, 6, 7}
    texts = load_debrief_texts()
    for note in p.weakest_turns:
        assert note.alternative and note.alternative_source == "template"
        assert note.alternative in texts.alternatives.values()
        assert note.resistance_change >= 0
    # a poor session has no turn worth holding up, except the lone reflection
    assert [n.turn for n in p.best_turns] == [3]


def test_three_practice_items_follow_the_metrics(good: Transcript, poor: Transcript) -> None:
    g, p = build_debrief(good), build_debrief(poor)
    assert len(g.practice_next) == len(p.practice_next) == 3
    assert any("mandate" in item for item in p.practice_next)
    assert any("advice" in item for item in p.practice_next)
    assert not any("mandate" in item or "advice" in item for item in g.practice_next)
    assert g.practice_next != p.practice_next


def test_given_alternatives_replace_templates(poor: Transcript) -> None:
    weak = build_debrief(poor).weakest_turns[0].turn
    d = build_debrief(poor, alternatives={weak: "What would a good week look like for you?"})
    note = next(n for n in d.weakest_turns if n.turn == weak)
    assert note.alternative == "What would a good week look like for you?"
    assert note.alternative_source == "model"


def test_empty_session_scores_zero_with_three_items() -> None:
    d = build_debrief(session([]))
    assert d.score == 0 and d.metrics.turns == 0
    assert len(d.practice_next) == 3 and d.best_turns == [] and d.weakest_turns == []


def test_json_round_trip(good: Transcript) -> None:
    d = build_debrief(good)
    assert Debrief.model_validate_json(d.model_dump_json()) == d


async def test_llm_alternatives_use_context_and_fall_back(poor: Transcript, settings: Settings) -> None:
    weak = [n.turn for n in build_debrief(poor).weakest_turns]
    model = FakeChatModel(responses=['Coach: "What has worked with this team before?"', ModelUnavailable("down")])
    d = await build_debrief_llm(poor, model, settings)
    first, second = d.weakest_turns
    assert first.turn == weak[0] and first.alternative == "What has worked with this team before?"
    assert first.alternative_source == "model"
    assert second.alternative_source == "template"
    prompt = model.prompts[0]
    assert poor.turns[weak[0] - 1].coach in prompt
    assert f"(manager reply {weak[0] - 1})" in prompt or poor.opening in prompt


async def test_llm_alternative_too_short_or_repeated_keeps_template(poor: Transcript, settings: Settings) -> None:
    weak = build_debrief(poor).weakest_turns
    model = FakeChatModel(responses=["Ok.", weak[1].coach])
    d = await build_debrief_llm(poor, model, settings)
    assert [n.alternative_source for n in d.weakest_turns] == ["template", "template"]


def test_markdown_has_score_metrics_and_turns(poor: Transcript) -> None:
    text = build_debrief(poor).to_markdown()
    assert "Score:" in text and "/100" in text
    assert "open questions, % of questions | 0%" in text
    assert "Not co-created" in text
    assert "Try instead:" in text
    assert text.count("\n1. ") + text.count("\n2. ") + text.count("\n3. ") == 3


def test_transcript_export_has_codes_per_turn_and_the_debrief(good: Transcript) -> None:
    d = build_debrief(good)
    text = transcript_markdown(good, d)
    for turn in good.turns:
        assert turn.coach in text
        assert f"Codes: {summary_for(turn.codes)}" in text
    assert "complex reflection · empathy" in text
    assert text.index("## Turn 7") < text.index("Debrief: Dana Okafor")
    assert f"Score: {d.score}/100" in text


def test_tips_name_the_fix() -> None:
    assert tip_for(TurnCodes(directive=True, question="closed")).startswith("You gave advice unasked")
    assert "what" in tip_for(TurnCodes(question="closed")) and "how" in tip_for(TurnCodes(question="closed"))
    assert "complex reflection" in tip_for(TurnCodes(reflection="complex", question="open"))
    assert tip_for(TurnCodes()) == load_feedback_tips().tips[-1].text


def test_summary_lists_codes_in_order() -> None:
    codes = TurnCodes(question="open", reflection="complex", empathy=True)
    assert summary_for(codes) == "open question · complex reflection · empathy"
    assert summary_for(TurnCodes()) == load_feedback_tips().labels["none"]


def test_broken_tips_file_names_file_and_field(tmp_path: Path) -> None:
    shutil.copy(ROOT / "prompts" / "feedback_tips.yaml", tmp_path / "feedback_tips.yaml")
    path = tmp_path / "feedback_tips.yaml"
    path.write_text(path.read_text("utf-8").replace("- when: directive", "- when: directiv"), "utf-8")
    with pytest.raises(TextFileError, match=r"feedback_tips\.yaml: field 'tips\.\d+\.when'"):
        load_feedback_tips(tmp_path)


def test_timeline_chart_shows_resistance_moves_and_concerns(good: Transcript) -> None:
    figure = timeline_figure(good)
    trace = figure.data[0]
    assert list(trace.y) == good.resistance_timeline()
    assert list(trace.x) == list(range(len(good.turns) + 1))
    hover = list(trace.hovertext)
    assert "partial admission" in hover[3] and "overtime" in hover[3]
    assert "propose goal" in hover[6]
    assert "complex reflection" in hover[2]


async def test_llm_alternative_that_pushes_is_rejected_by_the_coder(poor: Transcript, settings: Settings) -> None:
    from sparring.coding.rules import RulesCoder

    model = FakeChatModel(responses=["You should just delegate more to your team leads."])
    d = await build_debrief_llm(poor, model, settings, coder=RulesCoder())
    assert [n.alternative_source for n in d.weakest_turns] == ["template", "template"]
    without_coder = await build_debrief_llm(poor, FakeChatModel(responses=model.responses), settings)
    assert without_coder.weakest_turns[0].alternative_source == "model"


def test_debrief_counts_permission_and_autonomy_and_names_them_in_turn_notes() -> None:
    steps: list[Step] = [
        ("Would it help if I shared what's worked for other managers?",
         TurnCodes(question="closed", goal_cocreation=True, asking_permission=True), Move.ANSWER, 6.6, []),
        ("One option is to block Friday mornings. It's your call whether it fits.",
         TurnCodes(goal_cocreation=True, autonomy=True), Move.PARTIAL_ADMISSION, 6.2, []),
        ("You should start delegating more.", TurnCodes(directive=True), Move.YES_BUT, 7.4, []),
    ]
    d = build_debrief(session(steps))
    assert (d.metrics.permission_asks, d.metrics.autonomy_moments) == (1, 1)
    text = d.to_markdown()
    assert "asked permission before advising / left the choice to them | 1 / 1" in text
    assert any("asked permission" in n.codes or "autonomy" in n.codes for n in d.best_turns), d.best_turns
