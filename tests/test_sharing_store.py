"""Sharing at rest: a coach's session reaches trainers only while the coach shares it.

`ShareStore.visible_sessions` is the one query every trainer page, API and export reads
practice rows through, so these tests pin it down on SQLite and on a throwaway
PostgreSQL (skipped with the reason when the Debian binaries are missing).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from chainlit.context import init_http_context
from pgcluster import cluster_or_skip
from sqlalchemy import text

from sparring.coding.codes import TurnCodes
from sparring.engine.transcript import ManagerState, Transcript, TurnRecord
from sparring.persona.model import Move
from sparring.storage.datalayer import SparringDataLayer, make_data_layer
from sparring.storage.schema import ensure_schema
from sparring.storage.sessions import PracticeOptions, StoredPractice

TABLES = ("sparring_shares", "sparring_feedback_reviews", "sparring_sessions", "feedbacks", "steps",
          "threads", "users")


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    yield from cluster_or_skip("this test")


@pytest.fixture(params=["sqlite", "postgres"])
async def layer(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SparringDataLayer]:
    url = (f"sqlite+aiosqlite:///{tmp_path / 'sparring.db'}" if request.param == "sqlite"
           else request.getfixturevalue("pg_url"))
    await ensure_schema(url)
    data_layer = make_data_layer(url)
    async with data_layer.engine.begin() as conn:  # the PostgreSQL cluster serves every test
        for table in TABLES:
            await conn.execute(text(f"DELETE FROM {table}"))
    init_http_context()
    yield data_layer
    await data_layer.engine.dispose()


def practice(persona: str = "sceptic", coach_line: str = "What matters most to you here?") -> StoredPractice:
    codes = TurnCodes(question="open", reasons={"question": "what"})
    turn = TurnRecord(index=1, coach=coach_line, manager="Fine.", codes=codes,
                      move=Move.PARTIAL_ADMISSION, resistance_before=7.0, resistance_after=6.0)
    state = ManagerState(resistance=6.0, turn=1)
    transcript = Transcript(persona_id=persona, persona_name="Graham", difficulty="realistic",
                            opening="Well?", state=state, turns=[turn])
    return StoredPractice(transcript=transcript, options=PracticeOptions(model="fake"))


async def saved(layer: SparringDataLayer, coach: str, persona: str = "sceptic") -> str:
    thread_id = str(uuid.uuid4())
    assert await layer.practice.save(thread_id, coach, practice(persona))
    return thread_id


async def test_a_session_is_not_shared_until_its_coach_shares_it(layer: SparringDataLayer) -> None:
    first, second = await saved(layer, "alice"), await saved(layer, "alice")
    assert await layer.shares.visible_sessions("tina") == []
    assert not await layer.shares.is_shared(first, "alice")

    await layer.shares.set_shared(second, "alice", True)
    await layer.shares.set_shared(second, "alice", True)  # twice is still once
    seen = await layer.shares.visible_sessions("tina")
    assert [s.thread_id for s in seen] == [second]
    assert seen[0].coach == "alice" and seen[0].record.transcript.turns[0].coach.startswith("What")


async def test_withdrawing_hides_the_session_at_once(layer: SparringDataLayer) -> None:
    thread = await saved(layer, "alice")
    await layer.shares.set_shared(thread, "alice", True)
    assert await layer.shares.is_shared(thread, "alice")
    await layer.shares.set_shared(thread, "alice", False)
    assert not await layer.shares.is_shared(thread, "alice")
    assert await layer.shares.visible_sessions("tina") == []


async def test_nobody_can_share_or_withdraw_another_coachs_session(layer: SparringDataLayer) -> None:
    thread = await saved(layer, "alice")
    await layer.shares.set_shared(thread, "mallory", True)  # not hers: the share names mallory
    assert await layer.shares.visible_sessions("tina") == []
    await layer.shares.set_shared(thread, "alice", False)
    other = await saved(layer, "alice")
    await layer.shares.set_shared(other, "alice", True)
    await layer.shares.set_shared(other, "mallory", False)  # cannot withdraw it either
    assert [s.thread_id for s in await layer.shares.visible_sessions("tina")] == [other]


async def test_a_trainer_sees_their_own_sessions_and_the_persona_filter_holds(
        layer: SparringDataLayer) -> None:
    own = await saved(layer, "tina", persona="firefighter")
    shared = await saved(layer, "alice", persona="sceptic")
    await layer.shares.set_shared(shared, "alice", True)
    assert {s.thread_id for s in await layer.shares.visible_sessions("tina")} == {own, shared}
    assert [s.thread_id for s in await layer.shares.visible_sessions("tina", "sceptic")] == [shared]
    assert [s.thread_id for s in await layer.shares.visible_sessions("tom")] == [shared]


async def test_deleting_a_shared_session_leaves_no_share_behind(layer: SparringDataLayer) -> None:
    thread = await saved(layer, "alice")
    await layer.shares.set_shared(thread, "alice", True)
    await layer.delete_thread(thread)
    assert not await layer.shares.is_shared(thread, "alice")
    assert await layer.shares.visible_sessions("tina") == []


async def test_a_trainer_sees_the_latest_turns_of_a_shared_session(layer: SparringDataLayer) -> None:
    thread = await saved(layer, "alice")
    await layer.shares.set_shared(thread, "alice", True)
    (first,) = await layer.shares.visible_sessions("tina")
    later = practice(coach_line="And what else?")
    later.transcript.turns.append(later.transcript.turns[0].model_copy(update={"index": 2}))
    assert await layer.practice.save(thread, "alice", later)
    (now,) = await layer.shares.visible_sessions("tina")  # parsed again: the record changed
    assert len(first.record.transcript.turns) == 1 and len(now.record.transcript.turns) == 2
    assert now.record.transcript.turns[0].coach == "And what else?"
