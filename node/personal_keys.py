"""The keys that personal data in the store is encrypted with: one random 32-byte
key per person and category, in a SQLite file of its own apart from the events.

Apart, because erasing a person is destroying their keys: every copy of the store
(its backups, a replica, a pg_dump) then holds only ciphertext nobody can open.
The file is the same on both backends (beside a SQLite store, or named by the
config for PostgreSQL), so keys never sit in the database the events are in, and
are backed up on their own, sealed with the operator's passphrase.

Categories: ``personal`` (name, contact details, free text about the person) is
destroyed when the person is erased; ``care`` (care records: goals, visit notes
and addresses, incidents) is kept until its retention period ends.

A destroyed key must not be recoverable from the file: SQLite overwrites deleted
content (``secure_delete``), the file is vacuumed (no free page keeps an old
copy), and its write-ahead log is checkpointed and truncated to nothing (no
frame keeps one either). WAL with full sync: a key is on disk before the event
sealed with it is stored, at one sync per new key.

The file also holds ``destroyed_keys``: the erasure register's copy, which
travels with the keys: a key destroyed once is never made again for the same
person and category.
"""

import datetime as dt
import sqlite3
import threading
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path
from typing import ClassVar, Literal, NamedTuple
from uuid import UUID

import nacl.utils
from nacl.secret import SecretBox

from toolkit.private_files import private_file

Category = Literal["personal", "care"]
CATEGORIES: tuple[Category, ...] = ("personal", "care")
IN_MEMORY = ":memory:"

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS personal_keys ("
    " subject TEXT NOT NULL, category TEXT NOT NULL, key BLOB NOT NULL,"
    " PRIMARY KEY (subject, category))",
    "CREATE TABLE IF NOT EXISTS destroyed_keys ("
    " subject TEXT NOT NULL, category TEXT NOT NULL, destroyed_on TEXT NOT NULL,"
    " PRIMARY KEY (subject, category))",
)


class DestroyedKey(NamedTuple):
    subject: UUID
    category: Category
    destroyed_on: dt.date


class KeyTable:
    """The key file at ``path`` (``:memory:`` for a store in memory). One table
    per file in a process (``KeyTable.at``): every application over the same store
    sees a key destroyed by any of them at once."""

    _open: ClassVar[dict[str, "KeyTable"]] = {}
    # Reentrant: opening a file may collect an old application whose close lets
    # go of its table in the same thread (a plain lock deadlocked there).
    _opening = threading.RLock()

    def __init__(self, path: str) -> None:
        self.path = path
        if path != IN_MEMORY:
            private_file(Path(path))
        self._db = sqlite3.connect(
            path, timeout=30, isolation_level=None, check_same_thread=False
        )
        self._lock = threading.RLock()
        self._boxes: dict[tuple[UUID, str], SecretBox | None] = {}
        self._users = 0
        with self._lock:
            self._db.execute("PRAGMA secure_delete = ON")
            self._db.execute("PRAGMA auto_vacuum = FULL")  # a new file: before tables
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")
            for statement in SCHEMA:
                self._db.execute(statement)

    @classmethod
    def at(cls, path: str) -> "KeyTable":
        if path == IN_MEMORY:
            return cls(path)
        with cls._opening:
            table = cls._open.get(path)
            if table is None:
                table = cls._open[path] = cls(path)
            table._users += 1
            return table

    def box(self, subject: UUID, category: str) -> SecretBox | None:
        """The person's key for ``category`` to open with; None if it was
        destroyed (or never made: then nothing was sealed with it)."""
        cached = (subject, category)
        if cached in self._boxes:
            return self._boxes[cached]
        with self._lock:
            row = self._db.execute(
                "SELECT key FROM personal_keys WHERE subject = ? AND category = ?",
                (str(subject), category),
            ).fetchone()
        box = None if row is None else SecretBox(bytes(row[0]))
        if box is not None:
            # Only a key found is kept: one not yet made may be made later.
            self._boxes[cached] = box
        return box

    def box_for_sealing(self, subject: UUID, category: str) -> SecretBox | None:
        """The person's key for ``category``, made now if they have none; None if
        it was destroyed: what would be sealed with it is erased on arrival."""
        box = self.box(subject, category)
        if box is not None:
            return box
        with self._lock:
            if self._is_destroyed(subject, category):
                self._boxes[(subject, category)] = None
                return None
            self._db.execute(
                "INSERT INTO personal_keys (subject, category, key) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (str(subject), category, nacl.utils.random(SecretBox.KEY_SIZE)),
            )
        return self.box(subject, category)

    def destroy(self, subject: UUID, category: Category, on: dt.date) -> bool:
        """Destroy the key and register it destroyed; False if it was already.
        When this returns, the key is in no page of the file."""
        with self._lock:
            if self._is_destroyed(subject, category):
                return False
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "DELETE FROM personal_keys WHERE subject = ? AND category = ?",
                    (str(subject), category),
                )
                self._db.execute(
                    "INSERT INTO destroyed_keys (subject, category, destroyed_on) "
                    "VALUES (?, ?, ?)",
                    (str(subject), category, on.isoformat()),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            # secure_delete zeroed the row; VACUUM rewrites the file without
            # the free pages that could hold it, and the checkpoint empties the
            # log of the frames that still do.
            self._db.execute("VACUUM")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._boxes[(subject, category)] = None
        return True

    def destroyed(self) -> list[DestroyedKey]:
        """The register of destroyed keys, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT subject, category, destroyed_on FROM destroyed_keys "
                "ORDER BY destroyed_on, subject, category"
            ).fetchall()
        return [DestroyedKey(UUID(s), c, dt.date.fromisoformat(d)) for s, c, d in rows]

    def is_destroyed(self, subject: UUID, category: Category) -> bool:
        with self._lock:
            return self._is_destroyed(subject, category)

    def _is_destroyed(self, subject: UUID, category: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM destroyed_keys WHERE subject = ? AND category = ?",
            (str(subject), category),
        ).fetchone()
        return row is not None

    def copy_to(self, target: Path) -> None:
        """A consistent copy of the file (for a backup), made private."""
        private_file(target)
        with self._lock, closing(sqlite3.connect(target)) as copy:
            self._db.backup(copy)

    def close(self) -> None:
        """Let go of the table; the file is closed when its last user lets go."""
        with self._opening:
            self._users -= 1
            if self._users > 0:
                return
            if self._open.get(self.path) is self:
                del self._open[self.path]
        with self._lock:
            self._db.close()


def keys_path(env: Mapping[str, str]) -> str:
    """Where the key file of the store ``env`` names is: as the config says
    (``PERSONAL_KEYS_PATH``), else beside a SQLite store, in memory for a store
    in memory."""
    named = env.get("PERSONAL_KEYS_PATH")
    if named:
        return named
    store = env.get("SQLITE_DBNAME", IN_MEMORY)
    if store == IN_MEMORY or "mode=memory" in store:
        return IN_MEMORY
    return f"{store}.keys.db"
