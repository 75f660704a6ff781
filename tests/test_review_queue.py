"""The review queue: each rating a coach gave a manager reply, with the turn it rates.

Ratings are Chainlit's own rows (`feedbacks` against a message `steps` row); the queue
finds the turn by the reply's text and shows the coach's line, the move, the hidden
state and whether a guard or the fallback line was involved. Only shared sessions
(or the viewer's own) count. SQLite always, PostgreSQL when installed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from chainlit.context import init_http_context
from chainlit.types import Feedback
from chainlit.user import User
from click.testing import CliRunner
from pgcluster import cluster_or_skip
from sqlalchemy import text

from sparring.cli import cli
from sparring.coding.codes import TurnCodes
from sparring.engine.transcript import ManagerState, Transcript, TurnRecord
from sparring.persona.model import Move
from sparring.storage.datalayer import SparringDataLayer, make_data_layer
from sparring.storage.schema import ensure_schema
from sparring.storage.sessions import PracticeOptions, StoredPractice
from sparring.trainer.queue import build_queue, find_item

OPENING = "You have ten minutes."
FIRST = "We have had a hard year."
SECOND = "Honestly, the rota is the problem."


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


def record(coach: str) -> StoredPractice:
    first = TurnRecord(index=1, coach=f"{coach}: how has the year been?", manager=FIRST,
                       codes=TurnCodes(question="open"), move=Move.DEFLECT, resistance_before=7.0,
                       resistance_after=6.5, state_before=ManagerState(resistance=7.0))
    second = TurnRecord(index=2, coach=f"{coach}: sounds like the rota weighs on you.", manager=SECOND,
                        codes=TurnCodes(reflection="complex"), move=Move.PARTIAL_ADMISSION,
                        resistance_before=6.5, resistance_after=5.0, revealed_now=["rota"],
                        spoken="fallback", attempts=3, fallback=True,
                        guard_failures=["breaks character", "too long"],
                        state_before=ManagerState(resistance=6.5, revealed=["budget"]))
    state = ManagerState(resistance=5.0, revealed=["budget", "rota"], turn=2)
    transcript = Transcript(persona_id="sceptic", persona_name="Graham", difficulty="realistic",
                            opening=OPENING, state=state, turns=[first, second])
    return StoredPractice(transcript=transcript, options=PracticeOptions(model="fake"))


async def step(layer: SparringDataLayer, thread_id: str, kind: str, name: str, output: str,
               minute: int, parent: str | None = None) -> str:
    step_id = str(uuid.uuid4())
    await layer.create_step({"id": step_id, "threadId": thread_id, "name": name, "type": kind,
                             "output": output, "streaming": False, "parentId": parent,
                             "createdAt": f"2026-01-01T10:{minute:02d}:00Z", "metadata": {}})
    return step_id


async def session_with_ratings(layer: SparringDataLayer, coach: str,
                               ratings: list[tuple[str, int, str | None]],
                               on_run: bool = True) -> tuple[str, list[str]]:
    """A stored practice, its chat laid out as the app writes it, and `ratings` (reply text,
    value, comment). The web client rates the *run* of the coach message a reply answers
    (`on_run`); other clients may rate the reply's own message."""
    user = await layer.create_user(User(identifier=coach))
    assert user is not None
    thread_id = str(uuid.uuid4())
    await layer.update_thread(thread_id, name="practice", user_id=user.id)
    await layer.practice.save(thread_id, coach, record(coach))
    target = {}
    start = await step(layer, thread_id, "run", "on_chat_start", "", 0)
    await step(layer, thread_id, "assistant_message", "Sparring", "**You are about to meet**", 1, start)
    opening = await step(layer, thread_id, "assistant_message", "Graham", OPENING, 2, start)
    target[OPENING] = start if on_run else opening
    for n, (line, reply) in enumerate(((f"{coach}: how has the year been?", FIRST),
                                       (f"{coach}: sounds like the rota weighs on you.", SECOND))):
        said = await step(layer, thread_id, "user_message", coach, line, 10 + 10 * n)
        run = await step(layer, thread_id, "run", "on_message", "", 11 + 10 * n, said)
        await step(layer, thread_id, "tool", "Feedback", "**open question**", 12 + 10 * n, run)
        message = await step(layer, thread_id, "assistant_message", "Graham", reply, 13 + 10 * n, run)
        await step(layer, thread_id, "assistant_message", "Sparring", "Saved.", 14 + 10 * n, run)
        target[reply] = run if on_run else message
    ids = []
    for reply, value, comment in ratings:
        ids.append(await layer.upsert_feedback(Feedback(forId=target[reply], value=value,
                                                        threadId=thread_id, comment=comment)))
    return thread_id, ids


@pytest.mark.parametrize("on_run", [True, False], ids=["rated-run", "rated-message"])
async def test_a_rating_shows_the_turn_in_context(layer: SparringDataLayer, on_run: bool) -> None:
    thread, _ = await session_with_ratings(layer, "alice", [(SECOND, 0, "would not say that"),
                                                            (OPENING, 1, None)], on_run)
    await layer.shares.set_shared(thread, "alice", True)
    items = await build_queue(layer.shares, layer.reviews, "tina")
    assert [i.rating for i in items] == ["down", "up"]  # the later reply first
    down, opening = items
    assert down.comment == "would not say that" and down.status == "open"
    assert (down.turn, down.where, down.coach, down.persona_id) == (2, "turn", "alice", "sceptic")
    assert down.before == FIRST and down.coach_line == "alice: sounds like the rota weighs on you."
    assert down.reply == SECOND and down.move == "partial_admission"
    assert (down.resistance_before, down.resistance_after) == (6.5, 5.0)
    assert down.revealed == ["budget", "rota"] and down.revealed_now == ["rota"]
    assert down.fallback and down.guarded and down.guard_failures == ["breaks character", "too long"]
    assert opening.where == "opening" and opening.turn is None and opening.coach_line == ""


async def test_ratings_on_unshared_sessions_never_reach_the_queue(layer: SparringDataLayer) -> None:
    shared, _ = await session_with_ratings(layer, "alice", [(FIRST, 0, "shared comment")])
    unshared, hidden = await session_with_ratings(layer, "bob", [(FIRST, 0, "private comment")])
    await layer.shares.set_shared(shared, "alice", True)
    items = await build_queue(layer.shares, layer.reviews, "tina")
    assert [i.thread_id for i in items] == [shared]
    assert "private comment" not in json.dumps([i.to_json() for i in items])
    assert await find_item(layer.shares, layer.reviews, "tina", hidden[0]) is None
    await layer.shares.set_shared(shared, "alice", False)  # withdrawn: gone from the queue too
    assert await build_queue(layer.shares, layer.reviews, "tina") == []
    assert unshared


async def test_marking_fixed_keeps_the_version_and_filters_by_status(layer: SparringDataLayer) -> None:
    thread, (rating,) = await session_with_ratings(layer, "alice", [(FIRST, 0, "flat")])
    await layer.shares.set_shared(thread, "alice", True)
    await layer.reviews.set_status(rating, thread, True, "sceptic@v3", "tina")
    (item,) = await build_queue(layer.shares, layer.reviews, "tina")
    assert (item.status, item.fixed_in, item.reviewed_by) == ("fixed", "sceptic@v3", "tina")
    assert await build_queue(layer.shares, layer.reviews, "tina", status="open") == []
    assert await build_queue(layer.shares, layer.reviews, "tina", persona_id="firefighter") == []
    await layer.reviews.set_status(rating, thread, False, None, "tina")
    (again,) = await build_queue(layer.shares, layer.reviews, "tina", status="open")
    assert again.fixed_in is None


def test_the_cli_prints_the_same_queue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    url = f"sqlite+aiosqlite:///{tmp_path / 'sparring.db'}"

    async def prepare() -> None:
        await ensure_schema(url)
        data_layer = make_data_layer(url)
        init_http_context()
        await session_with_ratings(data_layer, "local", [(SECOND, 0, "too quick to give in")])
        await data_layer.engine.dispose()

    asyncio.run(prepare())
    monkeypatch.setenv("SPARRING_DATABASE_URL", url)
    monkeypatch.setenv("SPARRING_DATA_DIR", str(tmp_path))
    shown = CliRunner().invoke(cli, ["personas", "feedback", "sceptic", "--json"])
    assert shown.exit_code == 0, shown.output
    (item,) = json.loads(shown.output)
    assert item["comment"] == "too quick to give in" and item["turn"] == 2 and item["guarded"]
    text = CliRunner().invoke(cli, ["personas", "feedback", "sceptic"])
    assert "-1 [open] local, turn 2" in text.output and "comment: too quick to give in" in text.output
    assert "move partial_admission; resistance 6.5 -> 5.0" in text.output
    other = CliRunner().invoke(cli, ["personas", "feedback", "firefighter"])
    assert "No rated replies to review for firefighter." in other.output
