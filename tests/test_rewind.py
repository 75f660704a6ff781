"""Going back to an earlier turn: the hidden state returns exactly, the conversation carries
on from there, and the debrief shows both tries (fake model, shipped personas)."""

from __future__ import annotations

import pytest

from sparring.debrief.build import build_debrief
from sparring.engine.session import PracticeSession
from sparring.engine.transcript import Transcript
from sparring.errors import UserError
from sparring.persona.loader import get_persona
from sparring.providers import FakeChatModel
from sparring.settings import Settings

GOOD = [
    "What would make this hour worth it for you?",
    "It sounds like the last programmes cost your people a lot.",
    "What did your best technicians lose when that happened?",
]
PUSH = "You need to stop resisting and get on board with Drive Forward."


def session(settings: Settings) -> PracticeSession:
    return PracticeSession(get_persona(settings, "sceptic"), "realistic", FakeChatModel(), settings, seed=5)


async def test_going_back_two_turns_restores_the_state_and_keeps_the_branch(settings: Settings) -> None:
    s = session(settings)
    await s.reply(GOOD[0])
    after_one = s.state.model_dump()
    await s.reply(GOOD[1])
    await s.reply(PUSH)
    assert s.state.model_dump() != after_one

    branch = s.rewind(2)
    assert s.state.model_dump() == after_one
    assert [t.coach for t in s.transcript.turns] == [GOOD[0]]
    assert [t.coach for t in branch.turns] == [GOOD[1], PUSH] and branch.from_turn == 2

    record = await s.reply(GOOD[2])
    assert record.index == 2 and record.resistance_before == pytest.approx(after_one["resistance"])
    debrief = build_debrief(s.transcript)
    assert [(t.turn, t.first.coach, t.then.coach if t.then else None) for t in debrief.tried_again] == [
        (2, GOOD[1], GOOD[2])
    ]
    assert debrief.metrics.turns == 2, "the taken-back turns are not scored"
    assert "## Turns you tried again" in debrief.to_markdown()


async def test_lines_said_in_a_taken_back_branch_may_be_said_again(settings: Settings) -> None:
    s = session(settings)
    await s.reply(GOOD[0])
    first = await s.reply(GOOD[1])
    s.rewind(2)
    again = await s.reply(GOOD[1])
    assert again.manager == first.manager, "same state, same line, same seed: the same reply"


async def test_a_saved_session_resumes_on_the_branch_it_was_on(settings: Settings) -> None:
    s = session(settings)
    for line in GOOD:
        await s.reply(line)
    s.rewind(3)
    saved = Transcript.model_validate_json(s.transcript.model_dump_json())
    resumed = PracticeSession.resume(saved, get_persona(settings, "sceptic"), FakeChatModel(), settings, seed=5)
    assert resumed.state == s.state and len(resumed.transcript.turns) == 2
    assert [b.turns[0].coach for b in resumed.transcript.branches] == [GOOD[2]]


async def test_going_back_to_a_turn_that_does_not_exist_says_so(settings: Settings) -> None:
    s = session(settings)
    with pytest.raises(UserError, match="no turn 1 to go back to"):
        s.rewind(1)
    await s.reply(GOOD[0])
    with pytest.raises(UserError, match="no turn 3"):
        s.rewind(3)


async def test_a_session_saved_before_snapshots_cannot_go_back(settings: Settings) -> None:
    s = session(settings)
    await s.reply(GOOD[0])
    s.transcript.turns[0].state_before = None
    with pytest.raises(UserError, match="saved before going back was possible"):
        s.rewind(1)


async def test_the_debrief_says_when_agreement_was_only_on_the_surface(settings: Settings) -> None:
    s = session(settings)
    for line in ["You should delegate more.", "You need to hold weekly one-to-ones.",
                 "You should listen to your team.", "You have to set clear goals.", "You should plan your week."]:
        await s.reply(line)
    complied = [t for t in s.transcript.turns if t.move.value == "comply"]
    assert complied, "the fourth unasked advice in a session always draws surface compliance"
    debrief = build_debrief(s.transcript)
    assert debrief.surface_agreement == len(complied)
    assert "only went along to end the pressure" in debrief.to_markdown()
    assert debrief.metrics.resistance_end >= debrief.metrics.resistance_start
