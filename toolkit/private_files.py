"""Files that hold secrets or personal data: 0600 in folders we make 0700, whatever
the umask. Config files hold the node's secret, nkey seeds and database passwords;
stores hold names, contact details and care records.

An existing folder is left as it is (it may be the operator's own, or /tmp); a
folder we create is 0700.
"""

import os
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: Path) -> None:
    """Make ``path`` and any missing parents, each new one 0700."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True)
        folder.chmod(FOLDER_MODE)  # mkdir's mode is cut by the umask


def write_private(path: Path, data: bytes) -> None:
    """Write ``path`` as 0600 (its folder made private if new), replacing it in
    one rename so no reader sees half of it and it is never readable by others."""
    private_folder(path.parent)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(descriptor, "wb") as file:
        os.fchmod(file.fileno(), FILE_MODE)  # O_CREAT's mode is cut by the umask
        file.write(data)
    partial.replace(path)


def private_file(path: Path) -> None:
    """Create ``path`` empty as 0600 if it does not exist (an SQLite store, before
    SQLite opens it: its journal and WAL files take the database file's mode), or
    make an existing one 0600."""
    private_folder(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(descriptor, FILE_MODE)
    finally:
        os.close(descriptor)
