"""Streaming shows an ordinary reply from its first token, and still never shows a label.

The guards hold back the start of a reply only while it could still become a speaker
label ("Pat Tester:", "Manager:", "Coach:"); a reply that starts with any other word is
shown as soon as that word arrives, so the coach is not kept waiting for three words.
"""

from __future__ import annotations

from sparring.engine.events import Event, Reset, Token
from sparring.engine.guards import QUOTES, GuardContext, check
from sparring.engine.stream import Outcome, guarded_stream, streamable
from sparring.persona.loader import load_personas
from sparring.persona.model import Move
from sparring.providers import FakeChatModel
from sparring.settings import ROOT

CTX = GuardContext(coach_text="What has this year been like?",
                   speaker_names=("Pat Tester", "Pat", "Tester"))


async def _events(reply: str, ctx: GuardContext = CTX) -> tuple[list[Event], Outcome]:
    model = FakeChatModel(responses=[reply])
    outcome = Outcome()
    events = [e async for e in guarded_stream(model, [], ctx, 1, outcome)]
    return events, outcome


def _tokens(events: list[Event]) -> list[str]:
    return [e.text for e in events if isinstance(e, Token)]


async def test_a_reply_starting_with_an_ordinary_word_is_shown_from_its_first_token() -> None:
    events, outcome = await _events("My team is stretched thin this year.")
    tokens = _tokens(events)
    assert tokens[0] == "My"  # the first word alone: nothing was held back
    assert len(tokens) > 5 and "".join(tokens) == outcome.text
    assert not outcome.failure and not any(isinstance(e, Reset) for e in events)


async def test_a_reply_starting_with_i_is_shown_from_its_first_token() -> None:
    events, _ = await _events("I doubt that very much, to be honest.")
    assert _tokens(events)[0] == "I"


async def test_a_speaker_label_is_never_shown() -> None:
    for reply in ("Pat Tester: I doubt it, honestly.", "Manager: I doubt it, honestly.",
                  "**Pat Tester:** I doubt it, honestly.", "  pat: I doubt it, honestly."):
        events, outcome = await _events(reply)
        tokens = _tokens(events)
        assert tokens[0] == "I", reply
        assert "".join(tokens) == outcome.text == "I doubt it, honestly."
        assert not any(isinstance(e, Reset) for e in events), reply


async def test_a_reply_in_the_coachs_voice_is_caught_before_any_word_is_shown() -> None:
    for reply in ("Coach: So what do you think about that?", "You: So what do you think?"):
        events, outcome = await _events(reply)
        assert outcome.failure == "speaks_as_coach"
        assert _tokens(events) == [], reply


async def test_a_word_that_could_start_a_label_waits_only_until_it_cannot() -> None:
    events, _ = await _events("You know what, fine. Ask your question.")
    assert _tokens(events)[0] == "You know"  # "You" alone could have been "You:"
    events, _ = await _events("Patience is what I need from you.")
    assert _tokens(events)[0] == "Patience"  # "Pat" was held, "Patience" is not a name
    events, _ = await _events("Aisha, my team is stretched thin.")
    assert _tokens(events)[0] == "Aisha, my"  # "Aisha," alone could be a name on its own line


async def test_a_reply_opening_on_okay_or_look_is_shown_from_its_first_token() -> None:
    for reply in ("Look, my team is stretched thin.", "Okay, fine. Ask your question.",
                  "Honestly, I doubt it.", "Fair enough, go on."):
        events, outcome = await _events(reply)
        first = reply.split()[0]
        assert _tokens(events)[0] == first, reply
        assert "".join(_tokens(events)) == outcome.text == reply


def test_an_opener_on_a_line_of_its_own_is_still_dropped_like_a_name() -> None:
    # shown at once; should a new line follow, the cleaned reply no longer starts with it,
    # and the stream withdraws it (`Reset("cleaned")`) before showing the rest
    assert streamable("Okay, ", CTX) == "Okay,"
    assert streamable("Okay,\nI doubt", CTX) == "I doubt"
    assert check("Okay,\nI doubt it, honestly.", CTX).text == "I doubt it, honestly."
    assert streamable("Aisha, ", CTX) == "" and streamable("Pat, ", CTX) == ""


def _shipped_lines() -> list[tuple[GuardContext, str]]:
    out = []
    for persona in load_personas(ROOT / "personas").values():
        ctx = GuardContext(speaker_names=(persona.name, *persona.name.split()))
        out += [(ctx, line.text) for move in Move for line in persona.bank(move)]
    return out


async def test_every_shipped_bank_line_is_shown_from_its_first_word() -> None:
    """What the fake and the embedded model say: no line makes the coach wait a token."""
    lines = _shipped_lines()
    assert len(lines) > 500
    late = []
    for ctx, text in lines:
        events, _ = await _events(text, ctx)
        tokens = _tokens(events)
        if not tokens or tokens[0] != text.split()[0].rstrip(QUOTES):
            late.append(text[:40])
    assert late == []
