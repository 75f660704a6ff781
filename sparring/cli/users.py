"""`sparring users`: manage password logins for a multi-user install."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from sparring.settings import load_settings
from sparring.ui.auth import NAME_RE, AccountError, hash_password, parse_users


def _users_file(path: Path | None) -> Path:
    chosen = path or load_settings().users_file
    if chosen is None:
        raise AccountError(
            "No users file: pass --file PATH or set SPARRING_USERS_FILE "
            "(setting it switches the app to multi-user mode)."
        )
    return chosen


def _read(path: Path) -> dict[str, str]:
    return parse_users(path.read_text("utf-8"), str(path)) if path.is_file() else {}


def _write(path: Path, users: dict[str, str]) -> None:
    """Write atomically with owner-only permissions: the file holds password hashes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("# Sparring users: name:scrypt-hash. Edit with `sparring users`.\n")
        handle.writelines(f"{name}:{hashed}\n" for name, hashed in sorted(users.items()))
    tmp.replace(path)


@click.group()
def users() -> None:
    """Add, list or remove coaches who can log in (multi-user mode)."""


file_option = click.option(
    "--file", "file", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Users file (default: SPARRING_USERS_FILE).",
)


@users.command("add")
@click.argument("name")
@file_option
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (for scripts).")
def add(name: str, file: Path | None, password_stdin: bool) -> None:
    """Add NAME, or change their password."""
    if not NAME_RE.match(name):
        raise AccountError(f"User name {name!r} may use letters, digits and . _ @ - (up to 64).")
    path = _users_file(file)
    existing = _read(path)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)
    existing[name] = hash_password(password)
    _write(path, existing)
    click.echo(f"Saved {name} in {path}.")


@users.command("list")
@file_option
def list_users(file: Path | None) -> None:
    """Show who can log in."""
    for name in sorted(_read(_users_file(file))):
        click.echo(name)


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
