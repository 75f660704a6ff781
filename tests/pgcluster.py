"""A throwaway PostgreSQL server for storage tests (Debian `postgresql` binaries).

Started with `initdb` + `pg_ctl` in a temporary folder, listening on 127.0.0.1 on
a free port with trust auth, and removed afterwards. As root the server runs as
the `postgres` system user, because PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from uiserver import free_port


def pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _runner() -> list[str] | None:
    """Command prefix to run as a non-root user, or None if that is impossible."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return None
    runuser = shutil.which("runuser")
    return [runuser, "-u", "postgres", "--"] if runuser else None


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """Yields a `postgresql+asyncpg://` URL; raises RuntimeError with the reason if it cannot."""
    bindir, prefix = pg_bindir(), _runner()
    if bindir is None:
        raise RuntimeError("PostgreSQL binaries not found (apt-get install postgresql)")
    if prefix is None:
        raise RuntimeError("running as root without a 'postgres' user to start the server as")
    base = Path(tempfile.mkdtemp(prefix="sparring-pg-"))
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    os.chmod(base, 0o700)
    port = free_port()
    run = lambda *args: subprocess.run(  # noqa: E731
        [*prefix, *args], check=True, capture_output=True, text=True, timeout=60)
    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "sparring", "--auth=trust",
            "-E", "UTF8", "--no-sync")
        run(str(bindir / "pg_ctl"), "-D", str(data), "-w", "-t", "30", "-l", str(base / "log"),
            "-o", f"-h 127.0.0.1 -p {port} -k {base} -F", "start")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"could not start PostgreSQL: {detail.strip()[:500]}") from exc
    try:
        yield f"postgresql+asyncpg://sparring@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "-w", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def cluster_or_skip(purpose: str) -> Iterator[str]:
    """For a fixture: a throw-away cluster's URL, or skip `purpose` with the reason."""
    import pytest

    try:
        with postgres_cluster() as url:
            yield url
    except RuntimeError as exc:
        pytest.skip(f"no PostgreSQL server for {purpose}: {exc}")
