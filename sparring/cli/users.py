"""`sparring users`: manage password logins for a multi-user install."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from sparring.settings import load_settings
from sparring.ui.auth import (
    COACH,
    NAME_RE,
    ROLES,
    Account,
    AccountError,
    hash_password,
    parse_accounts,
)


def _users_file(path: Path | None) -> Path:
    chosen = path or load_settings().users_file
    if chosen is None:
        raise AccountError(
            "No users file: pass --file PATH or set SPARRING_USERS_FILE "
            "(setting it switches the app to multi-user mode)."
        )
    return chosen


def _read(path: Path) -> dict[str, Account]:
    return parse_accounts(path.read_text("utf-8"), str(path)) if path.is_file() else {}


def _entry(name: str, account: Account) -> str:
    """Coaches keep the old two-field form, so older Sparring versions still read the file."""
    role = "" if account.role == COACH else f":{account.role}"
    return f"{name}:{account.hashed}{role}\n"


def _write(path: Path, users: dict[str, Account]) -> None:
    """Write atomically with owner-only permissions: the file holds password hashes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("# Sparring users: name:scrypt-hash[:role]. Edit with `sparring users`.\n")
        handle.writelines(_entry(name, account) for name, account in sorted(users.items()))
    tmp.replace(path)


@click.group()
def users() -> None:
    """Add, list or remove coaches and trainers who can log in (multi-user mode)."""


file_option = click.option(
    "--file", "file", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Users file (default: SPARRING_USERS_FILE).",
)


@users.command("add")
@click.argument("name")
@file_option
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (for scripts).")
@click.option("--role", type=click.Choice(ROLES), default=None,
              help="coach (default for a new user) or trainer (may also use /trainer pages). "
              "Left out for an existing user: their role stays.")
@click.option("--keep-password", is_flag=True,
              help="Change only the role of an existing user; no password is asked.")
def add(name: str, file: Path | None, password_stdin: bool, role: str | None,
        keep_password: bool) -> None:
    """Add NAME, or change their password or role."""
    if not NAME_RE.match(name):
        raise AccountError(f"User name {name!r} may use letters, digits and . _ @ - (up to 64).")
    path = _users_file(file)
    existing = _read(path)
    before = existing.get(name)
    if keep_password:
        if before is None:
            raise AccountError(f"{path}: no user named {name!r}; add them with a password first.")
        hashed = before.hashed
    elif password_stdin:
        hashed = hash_password(sys.stdin.readline().rstrip("\n"))
    else:
        hashed = hash_password(
            click.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True))
    chosen = role or (before.role if before else COACH)
    existing[name] = Account(hashed, chosen)
    _write(path, existing)
    click.echo(f"Saved {name} ({chosen}) in {path}.")


@users.command("list")
@file_option
def list_users(file: Path | None) -> None:
    """Show who can log in; trainers are marked."""
    for name, account in sorted(_read(_users_file(file)).items()):
        click.echo(name if account.role == COACH else f"{name} ({account.role})")


@users.command("remove")
@click.argument("name")
@file_option
def remove(name: str, file: Path | None) -> None:
    """Remove NAME; their stored sessions stay in the database."""
    path = _users_file(file)
    existing = _read(path)
    if name not in existing:
        raise AccountError(f"{path}: no user named {name!r}.")
    del existing[name]
    _write(path, existing)
    click.echo(f"Removed {name} from {path}.")
