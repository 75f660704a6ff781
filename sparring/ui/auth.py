"""Accounts: salted scrypt password hashes, the users file, and the signing secret.

Two modes. Multi-user: a users file (`SPARRING_USERS_FILE`, lines `name:hash` or
`name:hash:role`) or `SPARRING_USERS` (the same entries separated by commas); people
log in with a password and each sees only their own sessions. A role is `coach` (the
default, so files written before roles existed still load: everyone is a coach) or
`trainer` (may also use the trainer pages under `/trainer`). Single-user (neither set): no
login page; everyone is the local user, so history still works. Chainlit signs
its login cookie with `CHAINLIT_AUTH_SECRET`; single-user mode generates one and
keeps it in the data folder so sessions survive restarts, multi-user mode refuses
to start without one an operator chose.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sparring.errors import UserError
from sparring.settings import Settings

LOCAL_USER = "local"
COACH, TRAINER = "coach", "trainer"
ROLES = (COACH, TRAINER)
SECRET_FILE = "auth_secret"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")

# scrypt cost: 16 MiB and ~50 ms per check; stored in each hash so it can change later.
_N, _R, _P = 2**14, 8, 1


class AccountError(UserError):
    """A users file, user entry or auth setting is wrong; the message says where and how to fix it."""


def hash_password(password: str) -> str:
    """`scrypt$N$r$p$salt$hash` (base64); a fresh random salt every time."""
    if not password:
        raise AccountError("A password cannot be empty.")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check; a malformed hash simply fails."""
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
        actual = hashlib.scrypt(
            password.encode("utf-8"), salt=salt, n=int(n), r=int(r), p=int(p),
            dklen=len(expected), maxmem=128 * 1024 * 1024,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@dataclass(frozen=True)
class Account:
    """One login: the password hash and the role (`coach` unless the entry names one)."""

    hashed: str
    role: str = COACH


def parse_accounts(text: str, source: str, separator: str = "\n") -> dict[str, Account]:
    """Entries `name:hash[:role]`; blank lines and `#` comments are skipped. Errors name the line."""
    accounts: dict[str, Account] = {}
    for number, raw in enumerate(text.split(separator), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{source}:{number}" if separator == "\n" else f"{source} entry {number}"
        name, sep, rest = line.partition(":")
        hashed, _, role = rest.partition(":")
        if not sep or not hashed:
            raise AccountError(
                f"{where}: expected 'name:hash'; add users with `sparring users add NAME`."
            )
        if not NAME_RE.match(name):
            raise AccountError(
                f"{where}: user name {name!r} may use letters, digits and . _ @ - (up to 64)."
            )
        if not hashed.startswith("scrypt$") or hashed.count("$") != 5:
            raise AccountError(
                f"{where}: the password for {name!r} is not a scrypt hash; "
                "set it with `sparring users add NAME`."
            )
        role = role.strip() or COACH
        if role not in ROLES:
            raise AccountError(
                f"{where}: the role of {name!r} is {role!r}; use coach or trainer "
                f"(`sparring users add {name} --role trainer`)."
            )
        if name in accounts:
            raise AccountError(f"{where}: user {name!r} is listed twice.")
        accounts[name] = Account(hashed, role)
    return accounts


def parse_users(text: str, source: str, separator: str = "\n") -> dict[str, str]:
    """Entries `name:hash[:role]` as name → hash (roles are read by `parse_accounts`)."""
    return {name: a.hashed for name, a in parse_accounts(text, source, separator).items()}


def load_accounts(settings: Settings) -> dict[str, Account] | None:
    """The configured accounts, or None in single-user mode. Read from the file on each
    call, so `sparring users add --role` takes effect without a restart."""
    env_users: str | None = getattr(settings, "users", None)
    if settings.users_file is None and not env_users:
        return None
    accounts: dict[str, Account] = {}
    if settings.users_file is not None:
        path = settings.users_file
        if not path.is_file():
            raise AccountError(
                f"{path}: users file not found (SPARRING_USERS_FILE); "
                "create it with `sparring users add NAME`."
            )
        accounts.update(parse_accounts(path.read_text("utf-8"), str(path)))
    if env_users:
        accounts.update(parse_accounts(env_users, "SPARRING_USERS", separator=","))
    if not accounts:
        raise AccountError(
            "Multi-user mode is on but no users are defined: run `sparring users add NAME`."
        )
    return accounts


def roles_of(settings: Settings, name: str) -> frozenset[str]:
    """What `name` may do: both roles in single-user mode, none for an unknown name."""
    accounts = load_accounts(settings)
    if accounts is None:
        return frozenset(ROLES)
    account = accounts.get(name)
    return frozenset({account.role}) if account else frozenset()


def load_users(settings: Settings) -> dict[str, str] | None:
    """The configured users (name → hash), or None in single-user mode."""
    accounts = load_accounts(settings)
    return None if accounts is None else {name: a.hashed for name, a in accounts.items()}


@dataclass(frozen=True)
class AuthConfig:
    """How the app authenticates; `users` is None in single-user mode."""

    users: dict[str, str] | None
    secret: str

    @property
    def multi_user(self) -> bool:
        return self.users is not None


def _local_secret(data_dir: Path) -> str:
    path = data_dir / SECRET_FILE
    if path.is_file():
        existing = path.read_text("utf-8").strip()
        if existing:
            return existing
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    return secret


def auth_config(settings: Settings) -> AuthConfig:
    """Decide the mode and the secret; raises `AccountError` when multi-user lacks a secret."""
    users = load_users(settings)
    if users is not None:
        if not settings.auth_secret:
            raise AccountError(
                "Multi-user mode needs a secret to sign logins: set SPARRING_AUTH_SECRET to a long "
                "random string (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
            )
        return AuthConfig(users=users, secret=settings.auth_secret)
    return AuthConfig(users=None, secret=settings.auth_secret or _local_secret(settings.data_dir))


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(12))


def check_login(config: AuthConfig, name: str, password: str) -> bool:
    """True when the name exists and the password matches; unknown names cost the same time."""
    if config.users is None:
        return False
    stored = config.users.get(name)
    if stored is None:
        verify_password(password, _dummy_hash())
        return False
    return verify_password(password, stored)
