"""Behaviour of the tier 1 rules coder, one example family per code.

The sentences here are not in the gold set: they check that the rules follow
the scheme on fresh wording, not that they remember the labelled lines.
"""

from __future__ import annotations

import pytest

from sparring.coding.codes import FLAGS, TurnCodes
from sparring.coding.rules import RulesCoder

SHIFTS = "Since March I've been covering the late shifts myself because we're short-staffed."
APP = "The new booking app launches next week and marketing wants a demo."
PROMOTION = "They've offered me the regional role, but it would mean leaving my team."


@pytest.fixture(scope="module")
def coder() -> RulesCoder:
    return RulesCoder()


def code(coder: RulesCoder, text: str, context: str | None = None) -> TurnCodes:
    return coder.code(text, context)


@pytest.mark.parametrize(
    "text",
    [
        "How did the team react when you told them?",
        "what would help you here",  # no capital, no question mark
        "So what's the hardest part of the rota for you",
        "Can you tell me more about the handover?",
        "Could you say more about what happened on Tuesday?",
        "I was wondering what you'd like to get out of today.",
        "Walk me through how Monday's meeting went.",
        "Why does the rota matter so much to you?",
        "Given everything on your plate, what feels most pressing?",
        # issue 17: an invitation wrapped in a hedge, "talk to me about", a long comma-laden preamble
        "I'm wondering if you could tell me a bit about how the restructure landed with your team?",
        "Can you talk with me about what a good week would look like for you?",
        "Okay, so the reorg moved two of your leads and the budget review is next week, um, what are "
        "your thoughts about where to start?",
        "When are you thinking of raising it with her?",
    ],
)
def test_open_questions(coder: RulesCoder, text: str) -> None:
    assert code(coder, text).question == "open"


@pytest.mark.parametrize(
    "text",
    [
        "Did you speak to her afterwards?",
        "Is it the budget or the timeline that worries you?",  # a choice between given options
        "What do you think about moving the stand-up to Tuesdays?",  # proposes its own answer
        "Do you think you should apologise first?",
        "Wouldn't it be better to wait until the audit is over?",
        "The deadline is Friday, right?",  # tag question
        "You've already told them, haven't you?",
        "How many people report to you now?",  # a fact
        "Can you tell me if the offsite went ahead?",  # "tell me" about a yes/no
        "did the offsite go ahead",  # no question mark
        "I was wondering whether you'd be up for trying it.",
        "I'm wondering if you could tell me whether the offsite went ahead?",  # the invitation asks yes/no
        "The rota changed again last week, your team was not told, is that right?",  # a tag after commas
        "So the budget, the hiring, which of those comes first?",  # a pick, however long the preamble
    ],
)
def test_closed_questions(coder: RulesCoder, text: str) -> None:
    assert code(coder, text).question == "closed"


@pytest.mark.parametrize(
    "text",
    ["Thanks, that's helpful to know.", "What I'm hearing is a lot of pressure.", "How you handle it is up to you."],
)
def test_statements_are_not_questions(coder: RulesCoder, text: str) -> None:
    assert code(coder, text, SHIFTS).question is None


def test_reflection_depends_on_the_context(coder: RulesCoder) -> None:
    line = "You've been covering the late shifts yourself since March."
    assert code(coder, line, SHIFTS).reflection == "simple"
    assert code(coder, line, APP).reflection is None
    assert code(coder, line, None).reflection is None


def test_reflection_that_names_an_unsaid_feeling_is_complex_and_empathic(coder: RulesCoder) -> None:
    codes = code(coder, "It sounds like you're worn out and worried the team will notice.", SHIFTS)
    assert codes.reflection == "complex"
    assert codes.empathy
    assert codes.question is None


def test_double_sided_reflection_is_complex(coder: RulesCoder) -> None:
    text = "Part of you wants the regional role, and part of you doesn't want to leave your team behind."
    assert code(coder, text, PROMOTION).reflection == "complex"


def test_question_mark_turns_a_paraphrase_into_a_closed_question(coder: RulesCoder) -> None:
    codes = code(coder, "So you've been covering the late shifts yourself?", SHIFTS)
    assert codes.question == "closed"
    assert codes.reflection is None


def test_mixed_turn_gets_reflection_and_question(coder: RulesCoder) -> None:
    codes = code(coder, "So you've been covering the late shifts yourself since March. How long can that last?", SHIFTS)
    assert codes.reflection == "simple"
    assert codes.question is not None
    codes = code(coder, "You're stretched thin covering those shifts. What would make this sustainable for you?", SHIFTS)
    assert (codes.reflection, codes.question, codes.empathy, codes.goal_cocreation) == ("complex", "open", True, True)


@pytest.mark.parametrize(
    "text",
    [
        "You should hand the rota over to Sam.",
        "You need to tell them before Friday.",
        "Block out Friday afternoons for planning.",
        "Don't agree to any more overtime.",
        "The best approach is to be upfront with them.",
        "I'd suggest blocking out Friday afternoons for planning.",
        "Honestly, just let them get on with it.",
    ],
)
def test_directive(coder: RulesCoder, text: str) -> None:
    codes = code(coder, text, SHIFTS)
    assert codes.directive
    assert codes.reasons["directive"]
    assert codes.reflection is None


def test_negated_advice_is_not_directive(coder: RulesCoder) -> None:
    codes = code(coder, "I'm not saying you should hand it over. What feels right to you?", SHIFTS)
    assert not codes.directive
    assert codes.question == "open"


def test_advice_after_asking_permission_is_not_directive(coder: RulesCoder) -> None:
    asked = code(coder, "If it's useful, I'd suggest blocking out Friday afternoons for planning.", SHIFTS)
    assert not asked.directive
    assert asked.goal_cocreation
    permission = code(coder, "Would it be OK if I shared an idea? Block out Friday afternoons for planning.", SHIFTS)
    assert not permission.directive
    assert permission.goal_cocreation


def test_advice_the_manager_asked_for_is_not_directive(coder: RulesCoder) -> None:
    line = "If I were you, I'd talk to each of them separately."
    assert not code(coder, line, "Honestly, what would you do in my shoes?").directive
    assert code(coder, line, SHIFTS).directive


def test_why_dont_you_is_a_directive_question(coder: RulesCoder) -> None:
    codes = code(coder, "Why don't you just give the rota to Sam?", SHIFTS)
    assert codes.directive and codes.question == "closed"


def test_arguing(coder: RulesCoder) -> None:
    assert code(coder, "That's not true, the figures went up last quarter.", APP).arguing
    contradiction = code(coder, "The team isn't fine with the changes.", "The team is fine with the changes.")
    assert contradiction.arguing and contradiction.reflection is None


def test_judging(coder: RulesCoder) -> None:
    assert code(coder, "You're being very defensive about this.", APP).judging
    assert code(coder, "That sounds like an excuse to me.", SHIFTS).judging
    assert not code(coder, "In your view it's not micromanaging, it's keeping standards up.", APP).judging


def test_pulling_rank(coder: RulesCoder) -> None:
    assert code(coder, "HR expects every manager to finish this by Friday.", APP).pulling_rank
    assert code(coder, "This is mandatory, I'm afraid.", APP).pulling_rank
    assert not code(coder, "What would you want your director to hear about this?", APP).pulling_rank


def test_echoing_the_managers_own_obligation_is_a_reflection_not_rank(coder: RulesCoder) -> None:
    context = "My director wants the rota fixed and I have to tell the team."
    codes = code(coder, "Your director wants the rota fixed and you have to tell the team.", context)
    assert codes.reflection == "simple"
    assert not codes.pulling_rank and not codes.directive


def test_neutral_observation_needs_a_question_after_it(coder: RulesCoder) -> None:
    observed = "I noticed the sprint reviews were skipped twice this month."
    with_question = code(coder, f"{observed} What's been going on there?", APP)
    assert with_question.neutral_observation and with_question.question == "open"
    assert not code(coder, observed, APP).neutral_observation
    assert not code(coder, f"{observed} That's a bit careless, isn't it?", APP).neutral_observation


def test_affirmation(coder: RulesCoder) -> None:
    assert code(coder, "You've clearly put a lot of thought into this.", APP).affirmation
    assert code(coder, "It takes courage to say that out loud.", PROMOTION).affirmation


def test_empathy(coder: RulesCoder) -> None:
    assert code(coder, "That must be exhausting.", SHIFTS).empathy
    assert code(coder, "It makes sense that you'd be wary of another change.", APP).empathy


def test_acknowledging_only_to_push_is_not_empathy(coder: RulesCoder) -> None:
    codes = code(coder, "I hear you, but you need to sort the rota out this week.", SHIFTS)
    assert codes.directive and not codes.empathy


def test_goal_cocreation(coder: RulesCoder) -> None:
    assert code(coder, "What would you like to focus on today?", None).goal_cocreation
    assert code(coder, "Would it be alright if we looked at your calendar together?", APP).goal_cocreation
    assert not code(coder, "How did the demo go?", APP).goal_cocreation


def test_empty_and_blank_turns_get_no_codes(coder: RulesCoder) -> None:
    for text in ("", "   ", "..."):
        codes = code(coder, text, SHIFTS)
        assert codes.question is None and codes.reflection is None
        assert not any(getattr(codes, flag) for flag in FLAGS)


def test_curly_quotes_and_british_spelling(coder: RulesCoder) -> None:
    codes = code(coder, "You’ll need to prioritise the audit. What’s stopping you?", APP)
    assert codes.directive and codes.question == "open"


@pytest.mark.parametrize(
    "text",
    [
        "Sort of an escape from a week that never lets up.",  # a hedge, not the verb "sort"
        "So let me make sure that I understand what the rota looks like.",
        "You've been handling it in the best way you can.",
    ],
)
def test_hedges_and_checking_understanding_are_not_advice(coder: RulesCoder, text: str) -> None:
    assert not code(coder, text, SHIFTS).directive


def test_a_bare_should_is_advice_even_in_a_line_that_echoes_the_manager(coder: RulesCoder) -> None:
    context = "I cancelled my one-to-ones again because the launch slipped."
    codes = code(coder, "You should stop cancelling your one-to-ones because of the launch.", context)
    assert codes.directive and codes.reflection is None


def test_saying_what_they_feel_is_not_praise(coder: RulesCoder) -> None:
    assert not code(coder, "You really feel like you need that quiet hour back.", SHIFTS).affirmation


def test_long_fronted_open_question(coder: RulesCoder) -> None:
    text = "If we could change one thing over the next month that would make a real difference for you, what would it be?"
    assert code(coder, text).question == "open"


def test_agreeing_a_next_step_together_is_cocreation(coder: RulesCoder) -> None:
    assert code(coder, "How about we agree what you'll try this week and check in on Friday?", APP).goal_cocreation


@pytest.mark.parametrize("text", ["You are the problem here, frankly.", "Frankly, you're the bottleneck.",
                                  "You're the one holding them back."])
def test_calling_the_manager_the_problem_is_judging(text: str) -> None:
    assert RulesCoder().code(text, None).judging


@pytest.mark.parametrize(
    "text",
    [
        "Would it help if I shared what's worked elsewhere?",
        "Can I offer a thought?",
        "Would you like some ideas others have tried?",
        "Is it OK if I tell you what I noticed?",
        "I've seen a few teams handle this differently. Want to hear what they did, if you want it?",
    ],
)
def test_asking_permission_is_a_skill_not_advice_or_a_hardening_question(coder: RulesCoder, text: str) -> None:
    codes = code(coder, text, SHIFTS)
    assert codes.asking_permission and codes.goal_cocreation
    assert not codes.directive and not codes.is_weak
    assert codes.reasons["asking_permission"]  # the words a coach reads in the feedback


@pytest.mark.parametrize(
    "text",
    [
        "It's your call how we use this hour.",
        "You know your team best; you decide.",
        "Whatever you choose is up to you.",
        "Only you can decide whether the late shifts stay with you.",
    ],
)
def test_emphasising_autonomy(coder: RulesCoder, text: str) -> None:
    codes = code(coder, text, SHIFTS)
    assert codes.autonomy and not codes.is_weak
    assert codes.reasons["autonomy"]


@pytest.mark.parametrize(
    "text",
    [
        "Can I ask what happened on Tuesday?",  # asks a question, offers no input
        "Would it help to look at the rota together?",  # an invitation, no permission for advice
        "How do you decide who covers the late shifts?",
        "This comes from head office, so it's happening whatever you think.",
        "Block out Friday afternoons for planning.",
    ],
)
def test_look_alikes_are_neither_permission_nor_autonomy(coder: RulesCoder, text: str) -> None:
    codes = code(coder, text, SHIFTS)
    assert not codes.asking_permission and not codes.autonomy, codes.reasons
