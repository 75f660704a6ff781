"""Creating the database on first start, so nobody runs a migration by hand.

Chainlit's `SQLAlchemyDataLayer` expects its tables to exist and creates none;
we ship the DDL (`schema_sqlite.sql`, `schema_postgres.sql`) and apply it on
every start. Each statement is `IF NOT EXISTS`, so this is idempotent and cheap.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

from sparring.errors import UserError

SCHEMA_DIR = Path(__file__).resolve().parent


class DatabaseError(UserError):
    """The database URL is unusable or the server refused; the message says what to fix."""


def normalise_url(url: str) -> str:
    """Accept the URLs people paste (`postgres://`, `postgresql://`, `sqlite:///`) and
    pick the async driver SQLAlchemy needs, so `DATABASE_URL` from a host works as is."""
    url = url.strip()
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite:///"):
        url = "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(
            f"SPARRING_DATABASE_URL is not a database URL ({url!r}). "
            "Use sqlite+aiosqlite:///path/to/file.db or postgresql://user:pass@host/db."
        ) from exc
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(
            f"Unsupported database '{parsed.get_backend_name()}' in SPARRING_DATABASE_URL: "
            "use SQLite (default) or PostgreSQL."
        )
    return url


def dialect(url: str) -> str:
    """'sqlite' or 'postgresql'."""
    return make_url(normalise_url(url)).get_backend_name()


def schema_statements(kind: str) -> list[str]:
    """The DDL for one dialect, split into statements (the files hold no `;` in literals)."""
    sql = (SCHEMA_DIR / f"schema_{'postgres' if kind == 'postgresql' else 'sqlite'}.sql").read_text(
        "utf-8"
    )
    lines = [ln for ln in sql.splitlines() if not ln.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def _ensure_sqlite_dir(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


async def ensure_schema(url: str) -> str:
    """Create any missing tables; returns the normalised URL the data layer should use."""
    url = normalise_url(url)
    kind = dialect(url)
    if kind == "sqlite":
        _ensure_sqlite_dir(url)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            for statement in schema_statements(kind):
                await conn.execute(text(statement))
    except (SQLAlchemyError, OSError) as exc:
        safe = make_url(url).render_as_string(hide_password=True)
        raise DatabaseError(f"Cannot prepare the database at {safe}: {exc}") from exc
    finally:
        await engine.dispose()
    return url
