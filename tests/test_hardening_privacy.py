"""Privacy: `sparring sessions list|export|delete` scoped to one user, and database errors
that never quote the coach's words into the log."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from sparring.cli.sessions import sessions
from sparring.persona.model import Persona
from sparring.providers import FakeChatModel
from sparring.settings import ROOT, Settings
from sparring.storage.datalayer import make_data_layer
from sparring.storage.schema import ensure_schema
from sparring.storage.sessions import PracticeOptions, StoredPractice

PRIVATE = {"alice": "Alice's manager Ottoline cried in our last session.",
           "bob": "Bob's director Percival is being investigated."}


async def _practice(persona: Persona, settings: Settings, line: str) -> StoredPractice:
    from sparring.engine.session import PracticeSession

    session = PracticeSession(persona, "realistic", FakeChatModel(), settings, seed=1)
    await session.reply(line)
    return StoredPractice(transcript=session.transcript, options=PracticeOptions(model="fake"))


async def _seed(settings: Settings) -> dict[str, list[str]]:
    """Two coaches with two conversations each: thread, two steps, a rating, a file, a record."""
    from sparring.persona.loader import load_personas

    persona = load_personas(ROOT / "personas")["sceptic"]
    url = await ensure_schema(settings.effective_database_url)
    layer = make_data_layer(url, settings.data_dir / "files")
    owned: dict[str, list[str]] = {}
    try:
        for user, line in PRIVATE.items():
            for n in range(2):
                thread_id = f"{user}-thread-{n}"
                owned.setdefault(user, []).append(thread_id)
                key = f"{user}/{thread_id}/meter.json"
                assert layer.files is not None
                await layer.files.upload_file(key, b'{"after": 7}', "application/json")
                async with layer.engine.begin() as conn:
                    from sqlalchemy import text

                    await conn.execute(text('INSERT INTO threads ("id", "createdAt", "name", '
                                            '"userIdentifier") VALUES (:id, :t, :n, :u)'),
                                       {"id": thread_id, "t": "2026-11-28", "n": "Graham", "u": user})
                    for i, (kind, output) in enumerate([("user_message", line),
                                                        ("assistant_message", "Go on.")]):
                        await conn.execute(text('INSERT INTO steps ("id", "name", "type", "threadId", '
                                                '"output", "createdAt") VALUES (:id, :n, :k, :t, :o, :c)'),
                                           {"id": f"{thread_id}-s{i}", "n": user, "k": kind,
                                            "t": thread_id, "o": output, "c": f"2026-11-28T10:0{i}"})
                    await conn.execute(text('INSERT INTO feedbacks ("id", "forId", "value") '
                                            'VALUES (:id, :f, 1)'), {"id": f"{thread_id}-fb",
                                                                     "f": f"{thread_id}-s1"})
                    await conn.execute(text('INSERT INTO elements ("id", "threadId", "name", '
                                            '"objectKey") VALUES (:id, :t, :n, :k)'),
                                       {"id": f"{thread_id}-el", "t": thread_id, "n": "meter", "k": key})
                await layer.practice.save(thread_id, user, await _practice(persona, settings, line))
    finally:
        await layer.engine.dispose()
    return owned


@pytest.fixture
def seeded(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, dict[str, list[str]]]:
    monkeypatch.setenv("SPARRING_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SPARRING_MODEL", "fake")
    return settings, asyncio.run(_seed(settings))


def db_text(settings: Settings) -> str:
    """Every value in every table, to search for a coach's words after deletion."""
    with sqlite3.connect(settings.data_dir / "sparring.db") as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(repr(row) for t in tables for row in conn.execute(f'SELECT * FROM "{t}"'))


def test_export_holds_exactly_ones_own_sessions(seeded: tuple[Settings, dict[str, list[str]]],
                                                tmp_path: Path) -> None:
    _, owned = seeded
    out = tmp_path / "alice.json"
    result = CliRunner().invoke(sessions, ["export", "--user", "alice", "--output", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text("utf-8"))
    assert data["user"] == "alice" and [s["thread_id"] for s in data["sessions"]] == owned["alice"]
    first = data["sessions"][0]
    assert [m["output"] for m in first["messages"]] == [PRIVATE["alice"], "Go on."]
    assert first["feedback"] == [{"forId": "alice-thread-0-s1", "value": 1, "comment": None}]
    turns = first["practice"]["record"]["transcript"]["turns"]
    assert turns[0]["coach"] == PRIVATE["alice"] and "codes" in turns[0]
    assert "Percival" not in out.read_text("utf-8")


def test_listing_is_scoped_and_multi_user_needs_a_user(seeded: tuple[Settings, dict[str, list[str]]],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _, owned = seeded
    listed = CliRunner().invoke(sessions, ["list", "--user", "bob"])
    assert listed.exit_code == 0 and all(t in listed.output for t in owned["bob"])
    assert "alice" not in listed.output and "1 turns" in listed.output
    assert "No stored sessions for 'local'" in CliRunner().invoke(sessions, ["list"]).output
    monkeypatch.setenv("SPARRING_USERS", "alice:x")
    refused = CliRunner().invoke(sessions, ["list"])
    assert refused.exit_code != 0 and "pass --user NAME" in str(refused.exception)


def test_delete_removes_everything_of_one_session_and_nothing_else(
        seeded: tuple[Settings, dict[str, list[str]]]) -> None:
    settings, owned = seeded
    files = settings.data_dir / "files"
    gone, kept = owned["alice"]
    result = CliRunner().invoke(sessions, ["delete", gone, "--user", "alice", "--yes"])
    assert result.exit_code == 0 and "Deleted 1 session(s)" in result.output
    dump = db_text(settings)
    assert gone not in dump and kept in dump and "Percival" in dump
    assert not (files / "alice" / gone / "meter.json").exists()
    assert (files / "alice" / kept / "meter.json").exists()


def test_delete_refuses_someone_elses_session_and_deletes_nothing(
        seeded: tuple[Settings, dict[str, list[str]]]) -> None:
    settings, owned = seeded
    before = db_text(settings)
    result = CliRunner().invoke(sessions, ["delete", owned["bob"][0], owned["alice"][0],
                                           "--user", "alice", "--yes"])
    assert result.exit_code != 0 and f"no session {owned['bob'][0]} for user 'alice'" in str(result.exception)
    assert db_text(settings) == before


def test_delete_all_leaves_no_trace_of_the_coachs_words(seeded: tuple[Settings, dict[str, list[str]]]) -> None:
    settings, _ = seeded
    asked = CliRunner().invoke(sessions, ["delete", "--all", "--user", "alice"], input="n\n")
    assert asked.exit_code != 0 and "Ottoline" in db_text(settings)  # declined: nothing deleted
    result = CliRunner().invoke(sessions, ["delete", "--all", "--user", "alice"], input="y\n")
    assert result.exit_code == 0 and "Deleted 2 session(s)" in result.output
    dump = db_text(settings)
    assert "Ottoline" not in dump and "alice-thread" not in dump and "Percival" in dump
    # not even in the file's free pages or its write-ahead log, where a disk image would find it
    raw = b"".join(f.read_bytes() for f in settings.data_dir.glob("sparring.db*"))
    assert b"Ottoline" not in raw and b"Percival" in raw
    assert not list((settings.data_dir / "files" / "alice").rglob("*.json"))
    usage = CliRunner().invoke(sessions, ["delete", "--user", "alice"])
    assert usage.exit_code == 2 and "--all" in usage.output


async def test_database_errors_do_not_quote_the_coachs_words(settings: Settings) -> None:
    """Chainlit logs failed queries with str(exc); parameters must not appear there."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    url = await ensure_schema(settings.effective_database_url)
    layer = make_data_layer(url, settings.data_dir / "files")
    try:
        with pytest.raises(SQLAlchemyError) as caught:
            async with layer.engine.begin() as conn:
                await conn.execute(text('INSERT INTO steps ("id", "output") VALUES (:id, :o)'),
                                   {"id": "x", "o": PRIVATE["alice"]})  # misses NOT NULL columns
        assert "Ottoline" not in str(caught.value) and "parameters hidden" in str(caught.value)
    finally:
        await layer.engine.dispose()
