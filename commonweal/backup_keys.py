"""A node backup's personal-data keys and erasure register (node.personal_keys,
node.erasure_file), and what a restore does with them.

The key file is backed up apart from the store, sealed under the operator's
passphrase (``keys.sealed``): the store alone is ciphertext, the keys alone are
random bytes. The erasure register goes in plain (ids and dates, nothing
personal).

A backup made before an erasure still holds the erased person's key. So a
restore destroys again every key the erasure registers it is given list (the
register file of the node being replaced, kept beside its node.toml, and the
backup's own), in the restored key file, before the restored node first starts;
the restored folder gets the merged register, which the node applies again at
every start (node.service).
"""

import base64
import sqlite3
from contextlib import closing
from pathlib import Path

from commonweal.backup_secrets import seal, unseal
from node.erasure_file import (
    ERASURE_FILE,
    append_destroyed,
    destroy_listed,
    read_destroyed,
)
from node.personal_keys import KeyTable
from toolkit.private_files import private_file, write_private

KEYS = "keys.sealed"


def back_up_keys(
    keys_path: Path, register: Path, to: Path, passphrase: str
) -> list[str]:
    """The key file (sealed) and the register file into the backup ``to``; the
    names of the files written."""
    written = []
    if keys_path.is_file():
        copy = to / "keys.partial.db"
        private_file(copy)
        with (
            closing(sqlite3.connect(keys_path, timeout=30)) as live,
            closing(sqlite3.connect(copy)) as target,
        ):
            live.backup(target)
        data = base64.b64encode(copy.read_bytes()).decode("ascii")
        copy.unlink()
        write_private(to / KEYS, seal({"personal_keys": data}, passphrase))
        written.append(KEYS)
    if register.is_file():
        write_private(to / ERASURE_FILE, register.read_bytes())
        written.append(ERASURE_FILE)
    return written


def restore_keys(
    source: Path,
    keys_path: Path,
    register: Path,
    passphrase: str,
    erasures: list[Path],
) -> int:
    """Write the backup's key file at ``keys_path``, then destroy in it every key
    the registers list (the backup's own and ``erasures``), and write their union
    at ``register``; how many keys were destroyed again."""
    if (source / KEYS).is_file():
        sealed = unseal((source / KEYS).read_bytes(), passphrase)["personal_keys"]
        private_file(keys_path)
        keys_path.write_bytes(base64.b64decode(sealed))
    listed = [
        entry
        for path in [source / ERASURE_FILE, *erasures]
        for entry in read_destroyed(path)
    ]
    for entry in listed:
        append_destroyed(register, entry)
    keys = KeyTable.at(str(keys_path))
    try:
        return destroy_listed(keys, listed)
    finally:
        keys.close()
