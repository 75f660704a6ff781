"""Saving an edited persona or prompt file: atomic, checked, and with every version kept.

History lives as files under the data folder, `versions/<kind>/<id>/NNNN.txt` with a
`NNNN.json` beside it (who saved, when, the text's sha256, what it restored). Files,
not database rows, because the things they version are files: a trainer can read
or copy them with any tool, they back up with the data folder, and the same layout
works whether sessions are in SQLite or PostgreSQL. The first save through the studio
records the file as it was before (author "before the studio") so that version can
be restored too.

A save names the hash of the text the editor loaded; when the file on disk no longer
has that hash (someone else saved, or edited it by hand) the save is refused, so one
trainer never silently overwrites another. The write is a temp file in the same folder
plus `os.replace`, so a reader sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import difflib
import fcntl
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sparring.errors import UserError

#: Ids as personas define them (`Persona.id`) and prompt file stems: no dots, no slashes.
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
BEFORE_STUDIO = "before the studio"


class BadId(UserError):
    """An id that is not a plain name, or that would resolve outside its folder."""


class StaleEdit(UserError):
    """The file changed after the editor loaded it; the save was refused."""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def safe_path(folder: Path, item_id: str, suffix: str) -> Path:
    """`folder/<id><suffix>`, refusing anything that is not a plain id or that resolves
    elsewhere (a `..`, an absolute path, a symlink pointing out of the folder)."""
    if not ID_RE.fullmatch(item_id):
        raise BadId(f"{item_id!r} is not an id: use lower-case letters, digits, '-' and '_'.")
    root = folder.resolve()
    path = (root / f"{item_id}{suffix}").resolve()
    if path.parent != root:
        raise BadId(f"{item_id!r} does not name a file in {folder}.")
    return path


@dataclass(frozen=True)
class Version:
    """One saved state of a file; `number` counts from 1, the highest is the current one."""

    number: int
    saved_by: str
    saved_at: str
    sha256: str
    restored_from: int | None = None


class History:
    """The saved versions of one kind of file (`personas`, `prompts`) under the data folder."""

    def __init__(self, data_dir: Path, kind: str) -> None:
        self.root = data_dir / "versions" / kind

    def _folder(self, item_id: str) -> Path:
        if not ID_RE.fullmatch(item_id):
            raise BadId(f"{item_id!r} is not an id.")
        return self.root / item_id

    def versions(self, item_id: str) -> list[Version]:
        """Oldest first."""
        folder = self._folder(item_id)
        if not folder.is_dir():
            return []
        found = [Version(**json.loads(p.read_text("utf-8"))) for p in folder.glob("*.json")]
        return sorted(found, key=lambda v: v.number)

    def text(self, item_id: str, number: int) -> str:
        path = self._folder(item_id) / f"{number:04d}.txt"
        if not path.is_file():
            raise UserError(f"{item_id} has no version {number}.")
        return path.read_text("utf-8")

    def _record(self, item_id: str, text: str, who: str, when: datetime,
                restored_from: int | None = None) -> Version:
        folder = self._folder(item_id)
        folder.mkdir(parents=True, exist_ok=True)
        number = max((v.number for v in self.versions(item_id)), default=0) + 1
        version = Version(number, who, when.isoformat(timespec="seconds"), digest(text), restored_from)
        _atomic_write(folder / f"{number:04d}.txt", text)
        _atomic_write(folder / f"{number:04d}.json", json.dumps(asdict(version)))
        return version

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One save at a time across processes (several app workers share the folder)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def save(self, path: Path, item_id: str, text: str, who: str, loaded_sha256: str | None,
             restored_from: int | None = None) -> Version:
        """Write `text` to `path` if the file still has the hash the editor loaded (None: the
        file must not exist yet), and record it. Raises `StaleEdit` otherwise."""
        with self._locked():
            current = path.read_text("utf-8") if path.is_file() else None
            if (digest(current) if current is not None else None) != loaded_sha256:
                raise StaleEdit(f"{path.name} changed after you opened it; reload to see the "
                                "other change, then make yours again.")
            if current is not None and not self.versions(item_id):
                mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                self._record(item_id, current, BEFORE_STUDIO, mtime)
            _atomic_write(path, text)
            return self._record(item_id, text, who, datetime.now(UTC), restored_from)


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def unified_diff(old: str, new: str, old_label: str, new_label: str) -> str:
    """What changed, as `diff -u` prints it (empty when nothing did)."""
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        fromfile=old_label, tofile=new_label))
