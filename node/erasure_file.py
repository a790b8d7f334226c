"""The erasure register's copy in the node's folder: one line per destroyed key
(the person's id, the category, the day), no personal data.

It lives beside node.toml, not in the store or the key file, so that it outlives
both: restoring a backup made before an erasure brings back an older store and
key file, and ``commonweal node restore --erasures`` (commonweal.backup) reads
this file to destroy the same keys again before the restored node starts. Keep
it with the config (and copy it wherever the config's copies go).
"""

import datetime as dt
import os
from pathlib import Path
from uuid import UUID

from node.personal_keys import CATEGORIES, DestroyedKey, KeyTable
from toolkit.private_files import FILE_MODE, private_folder

ERASURE_FILE = "erasure-register.txt"


def append_destroyed(path: Path, destroyed: DestroyedKey) -> None:
    """Add a line for ``destroyed`` (once: a line already there is not repeated)."""
    if destroyed in read_destroyed(path):
        return
    private_folder(path.parent)
    line = f"{destroyed.subject} {destroyed.category} {destroyed.destroyed_on}\n"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    with os.fdopen(descriptor, "a", encoding="ascii") as file:
        os.fchmod(file.fileno(), FILE_MODE)
        file.write(line)
        file.flush()
        os.fsync(file.fileno())


def read_destroyed(path: Path) -> list[DestroyedKey]:
    """The keys the register file lists; none if there is no file."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return []
    listed = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            subject, category, day = line.split()
            if category not in CATEGORIES:
                raise ValueError(f"unknown category {category!r}")
            listed.append(
                DestroyedKey(
                    UUID(subject),
                    category,
                    dt.date.fromisoformat(day),
                )
            )
        except ValueError as error:
            raise ValueError(f"{path}:{number}: not a register line: {error}") from None
    return listed


def destroy_listed(keys: KeyTable, listed: list[DestroyedKey]) -> int:
    """Destroy every key in ``listed`` that ``keys`` still holds; how many."""
    return sum(
        keys.destroy(entry.subject, entry.category, entry.destroyed_on)
        for entry in listed
    )
