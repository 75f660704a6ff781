"""Whole conversations against every shipped persona: pushing never works, good practice does.

Codes are scripted (a coach who only pushes vs. one who explores), so these
tests pin the engine's promise independent of how well the rules coder
recognises a given sentence.
"""

from __future__ import annotations

from itertools import cycle, islice, pairwise
from pathlib import Path

import pytest

from sparring.coding.codes import TurnCodes
from sparring.engine.session import PracticeSession
from sparring.persona.loader import load_persona_file
from sparring.persona.model import DIFFICULTIES, Difficulty, Move, Persona
from sparring.providers import FakeChatModel
from sparring.settings import ROOT, Settings

PERSONA_FILES = sorted((ROOT / "personas").glob("*.yaml"))

PUSHY = [
    ("You should set up weekly one-to-ones with everyone.", TurnCodes(directive=True)),
    ("Have you talked to your team about the survey?", TurnCodes(question="closed")),
    ("Don't you think that's part of the problem?", TurnCodes(question="closed")),
    ("My advice is to start listening more.", TurnCodes(directive=True)),
    ("Is that really true?", TurnCodes(question="closed")),
    ("You need to take the results seriously.", TurnCodes(directive=True)),
    ("Did you read the report?", TurnCodes(question="closed")),
    ("Try an anonymous suggestion box.", TurnCodes(directive=True)),
]

EXPLORING = [
    ("What does a good week look like for you?", TurnCodes(question="open")),
    (
        "It sounds like you've seen a lot of these come and go, and it cost your people.",
        TurnCodes(reflection="complex", empathy=True),
    ),
    ("You've kept things running through all of it. What helped?", TurnCodes(question="open", affirmation=True)),
    ("So the time it takes from your team worries you most.", TurnCodes(reflection="complex")),
    ("What would you want to get out of these sessions, if anything?", TurnCodes(question="open", goal_cocreation=True)),
    ("That's a fair worry. What else is on your mind?", TurnCodes(question="open", empathy=True)),
    ("You care a lot about keeping your promise to them.", TurnCodes(reflection="complex")),
    ("Where would you like to start?", TurnCodes(question="open", goal_cocreation=True)),
    ("What might a first small step be?", TurnCodes(question="open", goal_cocreation=True)),
    ("How would you know it was working?", TurnCodes(question="open")),
]


class Script:
    def __init__(self, lines: list[tuple[str, TurnCodes]]) -> None:
        self.table = dict(lines)

    def code(self, text: str, context: str | None) -> TurnCodes:
        return self.table[text]


def play(persona: Persona, difficulty: Difficulty, settings: Settings, lines: list[tuple[str, TurnCodes]]) -> PracticeSession:
    import asyncio

    session = PracticeSession(persona, difficulty, FakeChatModel(), settings, coder=Script(lines), seed=11)

    async def run() -> None:
        for text, _ in lines:
            await session.reply(text)

    asyncio.run(run())
    return session


@pytest.fixture(params=PERSONA_FILES, ids=lambda p: Path(p).stem)
def persona(request: pytest.FixtureRequest) -> Persona:
    return load_persona_file(request.param)


def test_personas_are_shipped() -> None:
    assert PERSONA_FILES, "no persona files in personas/"


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_a_coach_who_only_pushes_never_lowers_resistance_or_hears_a_concern(
    persona: Persona, difficulty: Difficulty, settings: Settings
) -> None:
    session = play(persona, difficulty, settings, PUSHY)
    start = persona.starting_resistance[difficulty]
    timeline = session.transcript.resistance_timeline()
    assert all(later >= earlier for earlier, later in pairwise(timeline))
    assert session.state.resistance >= start
    assert session.state.revealed == []
    assert all(t.move is not Move.REVEAL_CONCERN for t in session.transcript.turns)
    concern_texts = [c.text for c in persona.concerns]
    assert not any(text in t.manager for t in session.transcript.turns for text in concern_texts)


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_a_coach_who_explores_lowers_resistance_and_surfaces_a_concern(
    persona: Persona, difficulty: Difficulty, settings: Settings
) -> None:
    # At hard, trust is earned at about a third of the realistic pace: the toughest persona
    # needs a dozen good turns before her first worry comes out.
    turns = 15 if difficulty == "hard" else 10
    session = play(persona, difficulty, settings, list(islice(cycle(EXPLORING), turns)))
    start = persona.starting_resistance[difficulty]
    assert session.state.resistance <= max(0.0, start - 3)
    assert session.state.revealed, f"no concern surfaced within {turns} turns"
    first = next(t for t in session.transcript.turns if t.revealed_now)
    concern = next(c for c in persona.concerns if c.id == first.revealed_now[0])
    assert first.resistance_after < concern.reveal_below


def test_difficulty_changes_the_starting_point_and_the_pace(persona: Persona, settings: Settings) -> None:
    starts = {d: persona.starting_resistance[d] for d in DIFFICULTIES}
    assert starts["easy"] < starts["realistic"] < starts["hard"]
    drops = {}
    for difficulty in DIFFICULTIES:
        session = play(persona, difficulty, settings, EXPLORING[:1])
        drops[difficulty] = starts[difficulty] - session.state.resistance
    assert drops["easy"] > drops["realistic"] > drops["hard"] > 0


def test_concern_facts_reach_the_model_only_after_they_are_earned(persona: Persona, settings: Settings) -> None:
    lines = list(islice(cycle(EXPLORING), 10))
    fake = FakeChatModel()
    session = PracticeSession(persona, "hard", fake, settings, coder=Script(lines), seed=5)
    import asyncio

    async def run() -> None:
        for text, _ in lines:
            before = set(session.state.revealed)
            await session.reply(text)
            shown = fake.prompts[-1]
            for concern in persona.concerns:
                if concern.text in shown:
                    assert concern.id in before or concern.id in session.transcript.turns[-1].revealed_now
                    assert concern.reveal_below > session.state.resistance

    asyncio.run(run())
