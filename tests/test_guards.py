"""Reply guards: what is rejected, what is trimmed, and what streams early."""

from __future__ import annotations

import pytest

from sparring.engine.guards import (
    GuardContext,
    check,
    clean,
    concern_keys,
    ends_reply,
    scan,
)
from sparring.engine.stream import streamable
from sparring.persona.model import Concern

BUDGET = Concern(id="budget", text="The quarterly budget cut scares me more than I admit.", reveal_below=5)
HEART = Concern(id="heart", text="My heart condition slows me down these days.", reveal_below=3)
PUBLIC = "I run the warehouse. The budget is tight this year, like every year."
KEYS = concern_keys([BUDGET, HEART], PUBLIC)
CTX = GuardContext(
    coach_text="What would make this conversation worth your time today, do you think?",
    speaker_names=("Pat Tester", "Pat", "Tester"),
    forbidden=KEYS,
)

LONG = " ".join(["We keep the trucks running and nobody thanks us for it"] * 30) + "."


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("As an AI language model, I cannot have feelings about my team.", "ai_admission"),
        ("Honestly, I'm just a language model, so I can't say.", "ai_admission"),
        ("I am an AI assistant and I'm here for you.", "ai_admission"),
        ("Let's drop the role-play for a second.", "character_break"),
        ("My instructions say I should be difficult with you.", "character_break"),
        ("As the manager in this scenario, I disagree.", "character_break"),
        ("Great question! Here are some tips: 1. Listen more 2. Ask less", "assistant_mode"),
        ("I'd recommend you start with a clear agenda.", "assistant_mode"),
        ("Sure thing.\n1. Book a meeting\n2. Ask the team", "assistant_mode"),
        ("As your coach, I think we should start there.", "assistant_mode"),
        ("Coach: So what do you think about that?", "speaks_as_coach"),
        ("What would make this conversation worth your time today, do you think?", "echoes_coach"),
        ("Fine. The quarterly budget cut keeps me up at night.", "concern_leak"),
        (LONG, "too_long"),
        ("   ", "empty"),
        ('""', "empty"),
    ],
)
def test_bad_replies_are_rejected_with_the_reason(reply: str, kind: str) -> None:
    verdict = check(reply, CTX)
    assert not verdict.ok
    assert verdict.failures == [kind]


@pytest.mark.parametrize(
    "reply",
    [
        "With respect, I've heard all this before.",
        "I'm an assistant manager's worst nightmare, apparently.",
        "Budget is tight this year, like every year. What else is new?",
        "Good people leave when nobody listens. That's all I'll say.",
        "Fine. What do you want to know?",
    ],
)
def test_in_character_replies_pass(reply: str) -> None:
    verdict = check(reply, CTX)
    assert verdict.ok, verdict.failures
    assert verdict.text == reply


def test_allowed_concern_is_not_a_leak_once_it_is_no_longer_forbidden() -> None:
    ctx = GuardContext(coach_text="", forbidden=tuple(k for k in KEYS if k.id != "budget"))
    assert check("Fine. The quarterly budget cut keeps me up at night.", ctx).ok


def test_phrases_the_persona_uses_openly_are_not_key_phrases() -> None:
    # "budget" alone and the public "budget is tight" never count as revealing the budget concern
    assert scan("The budget is tight, and it always is.", CTX) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Pat Tester: I doubt it.", "I doubt it."),
        ("Manager: I doubt it.", "I doubt it."),
        ("**Pat:** I doubt it.", "I doubt it."),
        ('"I doubt it."', "I doubt it."),
        ("“I doubt it.”", "I doubt it."),
        ("I doubt it.\nCoach: Why do you doubt it?\nPat: Because.", "I doubt it."),
        ("I doubt it.\nYou: why?", "I doubt it."),
        ("No. Not now. Not here. Not today. Not ever. Goodbye.", "No. Not now. Not here. Not today."),
        ("I doubt it. Coach: Why?", "I doubt it."),
    ],
)
def test_labels_quotes_and_appended_dialogue_are_trimmed_not_rejected(raw: str, expected: str) -> None:
    verdict = check(raw, CTX)
    assert verdict.ok and verdict.text == expected
    assert clean(raw, CTX) == expected


def test_a_second_speaker_line_ends_the_reply_early() -> None:
    assert not ends_reply("I doubt it.", CTX)
    assert ends_reply("I doubt it.\nCoach: ", CTX)


def test_violations_are_found_in_partial_text() -> None:
    assert scan("Great question", CTX) == "assistant_mode"
    assert scan("Well, as an AI", CTX) == "ai_admission"
    assert scan("Well, as a", CTX) is None


def test_streaming_holds_back_a_possible_speaker_label() -> None:
    assert streamable("Pat", CTX) == ""
    assert streamable("Pat Tester:", CTX) == ""
    assert streamable("Pat Tester: I doubt that very much", CTX) == "I doubt that very much"
    assert streamable("I doubt that very much,", CTX) == "I doubt that very much,"
    # a new line could be the coach's label: it is not shown until it is known
    assert streamable("I doubt it.\nCoa", CTX) == "I doubt it."


def test_only_the_first_line_is_kept() -> None:
    raw = "I doubt it.\nThis is a great answer to the question of what Pat is doing."
    assert check(raw, CTX).text == "I doubt it."
    assert ends_reply("I doubt it.\n", CTX) and not ends_reply("Pat Tester:\nI doubt", CTX)
    assert ends_reply("One. Two. Three. Four. Fi", CTX) and not ends_reply("One. Two. Three. Four.", CTX)


def test_inline_numbered_advice_is_assistant_mode() -> None:
    assert scan("Sure. 1. Book a meeting with them. 2. Ask the team.", CTX) == "assistant_mode"


@pytest.mark.parametrize(
    "reply",
    [
        "So I'll have to explain this to you in 2 to 3 sentences.",
        "According to my private note, I should dodge this.",
        "Say it in your own words, then.",
    ],
)
def test_echoes_of_the_turn_note_break_character(reply: str) -> None:
    assert check(reply, CTX).failures == ["character_break"]


def test_a_label_before_the_reply_is_stripped() -> None:
    assert check('Your next reply: "I was never told."', CTX).text == "I was never told."


def test_a_sentence_said_twice_is_a_loop() -> None:
    assert check("I'm sorry. I'm sorry. I'm sorry.", CTX).failures == ["repetition"]


def test_a_reveal_turn_must_touch_the_concern() -> None:
    budget = next(k for k in KEYS if k.id == "budget")
    ctx = GuardContext(coach_text="", must_mention=budget)
    assert check("Honestly? The quarterly cuts scare me.", ctx).ok
    assert check("Honestly? I just want a holiday.", ctx).failures == ["missed_reveal"]


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("I'm sorry, but I'm unable to provide the answer you're looking for.", "assistant_mode"),
        ("I'm just a coach, and I'm not trying to be someone else.", "character_break"),
        ("I'm going to give you a little tip. Don't be too hard on yourself.", "assistant_mode"),
    ],
)
def test_assistant_refusals_and_role_swaps_are_rejected(reply: str, kind: str) -> None:
    assert check(reply, CTX).failures == [kind]


def test_repeating_an_earlier_reply_is_rejected() -> None:
    earlier = "I'm going to take a phone call, and I have to ask you why a coach is so interested."
    ctx = GuardContext(coach_text="", previous=(earlier,))
    assert check(earlier, ctx).failures == ["repetition"]
    assert check("Fine. Ask your question.", ctx).ok


def test_a_name_on_its_own_line_is_not_the_reply() -> None:
    assert check("Aisha,\nI don't have time for this.", CTX).text == "I don't have time for this."
    assert not ends_reply("Aisha,\n", CTX)
    assert check("Aisha,", CTX).failures == ["empty"]
    assert streamable("Aisha,", CTX) == ""


def test_a_word_loop_is_rejected() -> None:
    assert check("No, no, no, no, no. Victoria, no, no, no, no, no, no, no, no, no,", CTX).failures == [
        "repetition"
    ]
