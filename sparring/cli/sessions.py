"""`sparring sessions`: list, export and delete one coach's practice sessions.

Coaches type sensitive things about real people, so they must be able to take their data
with them and to remove it for good. Every command is scoped to one user identifier:
a thread that belongs to someone else is treated exactly like one that does not exist.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import text

from sparring.errors import UserError
from sparring.settings import Settings, load_settings

T = TypeVar("T")

#: The identity of everyone in single-user mode (see sparring/ui/state.py `current_user`).
LOCAL_USER = "local"

_OWNED = (
    'SELECT "id" AS thread_id FROM threads WHERE "userIdentifier" = :user '
    'UNION SELECT "thread_id" FROM sparring_sessions WHERE "user_identifier" = :user'
)


class SessionsError(UserError):
    """A sessions command cannot do what was asked; the message says why."""


def _user(settings: Settings, user: str | None) -> str:
    """Single-user installs have one identity; multi-user installs must say whose data."""
    if user:
        return user
    if settings.users_file or settings.users:
        raise SessionsError("This install has several users: pass --user NAME.")
    return LOCAL_USER


def _run(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    """Open the data layer (creating the schema if missing), run `work`, close it."""
    from sparring.storage.datalayer import make_data_layer
    from sparring.storage.schema import ensure_schema

    async def main() -> T:
        url = await ensure_schema(settings.effective_database_url)
        layer = make_data_layer(url, settings.data_dir / "files")
        try:
            return await work(layer)
        finally:
            await layer.engine.dispose()

    return asyncio.run(main())


async def _rows(layer: Any, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    async with layer.engine.connect() as conn:
        result = await conn.execute(text(query), params)
        return [dict(row._mapping) for row in result]


async def owned_threads(layer: Any, user: str) -> list[str]:
    return sorted(str(r["thread_id"]) for r in await _rows(layer, _OWNED, {"user": user}))


def _json(value: Any) -> Any:
    """Columns stored as JSON text come back as structures in the export."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


async def export_user(layer: Any, user: str) -> dict[str, Any]:
    """Everything stored about one user's conversations, as plain JSON."""
    sessions = []
    for thread_id in await owned_threads(layer, user):
        params = {"id": thread_id, "user": user}
        thread = await _rows(layer, 'SELECT "id", "name", "createdAt" FROM threads WHERE "id" = :id', params)
        steps = await _rows(layer, 'SELECT "id", "name", "type", "parentId", "input", "output", '
                            '"createdAt" FROM steps WHERE "threadId" = :id ORDER BY "createdAt"', params)
        feedback = await _rows(layer, 'SELECT "forId", "value", "comment" FROM feedbacks WHERE "forId" IN '
                               '(SELECT "id" FROM steps WHERE "threadId" = :id)', params)
        practice = await _rows(layer, 'SELECT "persona_id", "record", "updated_at" FROM sparring_sessions '
                               'WHERE "thread_id" = :id AND "user_identifier" = :user', params)
        sessions.append({
            "thread_id": thread_id,
            "name": thread[0]["name"] if thread else None,
            "created_at": thread[0]["createdAt"] if thread else None,
            "messages": [{k: v for k, v in s.items() if v not in (None, "")} for s in steps],
            "feedback": feedback,
            "practice": {k: _json(v) for k, v in practice[0].items()} if practice else None,
        })
    return {"user": user, "sessions": sessions}


async def delete_threads(layer: Any, user: str, thread_ids: list[str]) -> list[str]:
    """Delete the given threads (all of the user's when empty); refuses any id not theirs."""
    owned = await owned_threads(layer, user)
    unknown = [t for t in thread_ids if t not in owned]
    if unknown:
        raise SessionsError(f"no session {', '.join(unknown)} for user '{user}' — "
                            f"see `sparring sessions list --user {user}`; nothing was deleted.")
    targets = thread_ids or owned
    for thread_id in targets:
        await layer.delete_thread(thread_id)  # steps, elements and their files, feedback, record
        async with layer.engine.begin() as conn:  # a practice row whose thread never existed
            await conn.execute(text('DELETE FROM sparring_sessions WHERE "thread_id" = :id '
                                    'AND "user_identifier" = :user'), {"id": thread_id, "user": user})
    return targets


user_option = click.option("--user", "user", default=None,
                           help="Whose sessions (default: 'local' on a single-user install).")


@click.group()
def sessions() -> None:
    """List, export or delete your stored practice sessions."""


@sessions.command("list")
@user_option
def list_command(user: str | None) -> None:
    """One line per session: id, persona, turns, last change."""
    settings = load_settings()
    who = _user(settings, user)
    data = _run(settings, lambda layer: export_user(layer, who))
    if not data["sessions"]:
        click.echo(f"No stored sessions for '{who}'.")
    for item in data["sessions"]:
        practice = item["practice"] or {}
        record = practice.get("record") or {}
        turns = len(record.get("transcript", {}).get("turns", [])) if isinstance(record, dict) else 0
        click.echo(f"{item['thread_id']}  {practice.get('persona_id', '-'):<14} {turns:>3} turns  "
                   f"{practice.get('updated_at') or item['created_at'] or ''}")


@sessions.command("export")
@user_option
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the JSON here (default: standard output).")
def export_command(user: str | None, output: Path | None) -> None:
    """All your sessions as JSON: messages, feedback, transcripts with codes, debriefs."""
    settings = load_settings()
    who = _user(settings, user)
    data = _run(settings, lambda layer: export_user(layer, who))
    payload = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if output is None:
        sys.stdout.write(payload + "\n")
    else:
        output.write_text(payload + "\n", "utf-8")
        click.echo(f"Exported {len(data['sessions'])} session(s) for '{who}' to {output}.", err=True)


@sessions.command("delete")
@click.argument("thread_ids", nargs=-1)
@click.option("--all", "delete_all", is_flag=True, help="Delete every session of this user.")
@user_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_command(thread_ids: tuple[str, ...], delete_all: bool, user: str | None, yes: bool) -> None:
    """Delete sessions for good: messages, feedback, charts and exports, practice records."""
    if not thread_ids and not delete_all:
        raise click.UsageError("name the sessions to delete (see `sparring sessions list`) or pass --all")
    if thread_ids and delete_all:
        raise click.UsageError("pass either session ids or --all, not both")
    settings = load_settings()
    who = _user(settings, user)
    what = "every session" if delete_all else f"{len(thread_ids)} session(s)"
    if not yes:
        click.confirm(f"Delete {what} of '{who}' permanently?", abort=True)
    deleted = _run(settings, lambda layer: delete_threads(layer, who, list(thread_ids)))
    click.echo(f"Deleted {len(deleted)} session(s) of '{who}'.")
