"""Storage: the schema is created on first start, Chainlit's data layer works on it,
and a practice session comes back with its hidden state, for its owner only.

Runs against SQLite always and against a throwaway PostgreSQL when the Debian
binaries are installed (skipped with the reason otherwise).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from chainlit.context import init_http_context
from chainlit.types import Feedback
from chainlit.user import User
from pgcluster import cluster_or_skip

from sparring.coding.codes import TurnCodes
from sparring.engine.transcript import ManagerState, Transcript, TurnRecord
from sparring.persona.model import Move
from sparring.storage.datalayer import SparringDataLayer, make_data_layer
from sparring.storage.schema import DatabaseError, ensure_schema, normalise_url
from sparring.storage.sessions import PracticeOptions, StoredPractice


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    yield from cluster_or_skip("this test")


@pytest.fixture(params=["sqlite", "postgres"])
async def layer(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SparringDataLayer]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'sparring.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    await ensure_schema(url)
    await ensure_schema(url)  # every start applies it again: must be harmless
    data_layer = make_data_layer(url)
    init_http_context()
    yield data_layer
    await data_layer.engine.dispose()


def transcript(resistance: float = 5.5) -> Transcript:
    codes = TurnCodes(question="open", empathy=True, reasons={"question": "what"})
    turn = TurnRecord(index=1, coach="What has this year been like?", manager="Busy.",
                      codes=codes, move=Move.PARTIAL_ADMISSION, resistance_before=7.0,
                      resistance_after=resistance, revealed_now=["staffing"])
    state = ManagerState(resistance=resistance, revealed=["staffing"], closed_streak=0, turn=1,
                         commitments=["walk the bays together"])
    return Transcript(persona_id="sceptic", persona_name="Graham Whitfield", difficulty="hard",
                      opening="Let's get this over with.", state=state, turns=[turn])


async def new_thread(layer: SparringDataLayer, who: str) -> tuple[str, str]:
    user = await layer.create_user(User(identifier=who))
    assert user is not None
    thread_id = str(uuid.uuid4())
    await layer.update_thread(thread_id, name=f"{who}'s practice", user_id=user.id)
    return thread_id, user.id


def test_first_start_creates_the_sqlite_file_and_tables(tmp_path: Path) -> None:
    import asyncio

    db = tmp_path / "fresh" / "dir" / "sparring.db"
    asyncio.run(ensure_schema(f"sqlite:///{db}"))
    tables = {r[0] for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")}
    assert {"users", "threads", "steps", "elements", "feedbacks", "sparring_sessions"} <= tables


def test_database_urls_people_paste_are_accepted_and_bad_ones_explained() -> None:
    assert normalise_url("postgres://u:p@h/db") == "postgresql+asyncpg://u:p@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    with pytest.raises(DatabaseError, match="Unsupported database 'mysql'"):
        normalise_url("mysql://u@h/db")


async def test_practice_round_trip_keeps_hidden_state(layer: SparringDataLayer) -> None:
    thread_id, _ = await new_thread(layer, "alice")
    record = StoredPractice(transcript=transcript(), options=PracticeOptions(
        difficulty="hard", live_feedback=False, show_meter=True, model="fake"),
    )
    record.transcript.turns[0].judged = TurnCodes(question="open", reflection="complex")
    assert await layer.practice.save(thread_id, "alice", record)
    loaded = await layer.practice.load(thread_id, "alice")
    assert loaded == record
    assert loaded is not None and loaded.transcript.state.revealed == ["staffing"]
    # A later save (next turn) replaces the earlier one.
    record.transcript = transcript(resistance=4.0)
    await layer.practice.save(thread_id, "alice", record)
    again = await layer.practice.load(thread_id, "alice")
    assert again is not None and again.transcript.state.resistance == 4.0


async def test_another_coach_can_neither_load_nor_overwrite(layer: SparringDataLayer) -> None:
    thread_id, _ = await new_thread(layer, "alice")
    record = StoredPractice(transcript=transcript(), options=PracticeOptions(model="fake"))
    await layer.practice.save(thread_id, "alice", record)
    assert await layer.practice.load(thread_id, "bob") is None
    intruder = StoredPractice(transcript=transcript(resistance=0.0), options=record.options)
    assert not await layer.practice.save(thread_id, "bob", intruder)
    kept = await layer.practice.load(thread_id, "alice")
    assert kept is not None and kept.transcript.state.resistance == 5.5
    assert [t for t, _, _ in await layer.practice.list_for("bob")] == []


async def test_chainlit_thread_steps_and_feedback_persist(layer: SparringDataLayer) -> None:
    thread_id, _ = await new_thread(layer, "carol")
    step_id = str(uuid.uuid4())
    await layer.create_step({"id": step_id, "threadId": thread_id, "name": "Graham Whitfield",
                             "type": "assistant_message", "output": "Busy.", "streaming": False,
                             "createdAt": "2026-01-01T10:00:00Z", "metadata": {}})
    await layer.upsert_feedback(Feedback(forId=step_id, value=1, threadId=thread_id,
                                         comment="felt real"))
    thread = await layer.get_thread(thread_id)
    assert thread is not None and thread["userIdentifier"] == "carol"
    step = next(s for s in thread["steps"] if s["id"] == step_id)
    assert step["output"] == "Busy."
    assert step["feedback"] is not None and step["feedback"]["value"] == 1
    other, _ = await new_thread(layer, "dave")
    await layer.practice.save(thread_id, "carol", StoredPractice(
        transcript=transcript(), options=PracticeOptions(model="fake")))
    await layer.delete_thread(thread_id)
    assert await layer.get_thread(thread_id) is None
    assert await layer.practice.load(thread_id, "carol") is None
    assert await layer.get_thread(other) is not None


def test_a_record_saved_with_judge_codes_beside_the_transcript_loads_them_onto_the_turns() -> None:
    """Sessions stored before the judge's codes lived on each turn still resume and debrief."""
    record = StoredPractice(transcript=transcript(), options=PracticeOptions()).model_dump(mode="json")
    record["judge_codes"] = {"1": {"question": "open", "reflection": "complex"}}
    loaded = StoredPractice.model_validate_json(json.dumps(record))
    assert loaded.transcript.turns[0].judged == TurnCodes(question="open", reflection="complex")
    assert loaded.transcript.turns[0].codes.empathy, "the engine's own codes stay"
    assert loaded.transcript.best_coded().turns[0].codes.reflection == "complex"
