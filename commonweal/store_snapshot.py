"""A consistent copy of a running store's SQLite file, and what it holds.

SQLite's online backup API copies the whole database in one step under one read
transaction: writers go on (the stores run in WAL mode), and the copy is the
database as of one moment, never half of a write. The copy is turned into a
single self-contained file (no -wal beside it) so one hash covers it.
"""

import sqlite3
from contextlib import closing
from pathlib import Path

from toolkit.private_files import private_file


def copy_sqlite(source: Path, target: Path) -> None:
    if not source.is_file():
        raise FileNotFoundError(f"no store at {source}")
    private_file(target)
    with (
        closing(sqlite3.connect(source, timeout=30)) as live,
        closing(sqlite3.connect(target)) as copy,
    ):
        live.backup(copy)  # pages=-1: all of it in one step
        copy.execute("PRAGMA journal_mode = DELETE")


def last_notification_id(path: Path) -> int:
    """The highest notification id in an eventsourcing SQLite store (0 if none)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        exists = db.execute(
            "SELECT 1 FROM sqlite_master "
            "WHERE type = 'table' AND name = 'stored_events'"
        ).fetchone()
        if exists is None:
            return 0
        row = db.execute("SELECT MAX(rowid) FROM stored_events").fetchone()
    return int(row[0] or 0)
