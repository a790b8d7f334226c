"""The upward publisher's durable state, in the consortium's own store: the last
envelope it made for its federation, signed, and whether the federation's broker
has acknowledged it.

An envelope is written here *before* it is published, and marked acknowledged
only after JetStream has acknowledged it. A consortium killed in between sends
the very same bytes again when it restarts (same signature, so the same
Nats-Msg-Id): it never makes a second, different envelope with the same seq,
which would break its chain at the federation, and never skips one.
"""

from typing import NamedTuple

from schemas import GENESIS_HASH
from toolkit.storage import TrackedTables


class Staged(NamedTuple):
    """The last envelope made: its seq and hash, its payload bytes (to tell
    whether the figures changed since), and the signed message that carries it."""

    seq: int
    hash: str
    payload: bytes
    subject: str
    data: bytes
    signature: str
    acknowledged: bool


class UpwardLog:
    """Kept in the tables of the consortium's views, through their own
    connections: a second connection pool on the same SQLite file would have to
    open it again, and closing any descriptor of a file drops every POSIX lock
    the process holds on it (SQLite's included)."""

    TABLE = (
        "CREATE TABLE IF NOT EXISTS upward_chain ("
        "member_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL, "
        "payload TEXT NOT NULL, subject TEXT NOT NULL, data TEXT NOT NULL, "
        "signature TEXT NOT NULL, acknowledged INTEGER NOT NULL)"
    )

    def __init__(self, tables: TrackedTables) -> None:
        self.tables = tables
        with tables.transaction() as cursor:
            cursor.execute(self.TABLE)

    def last(self, member_id: str) -> Staged | None:
        with self.tables.transaction() as cursor:
            row = cursor.execute(
                "SELECT seq, hash, payload, subject, data, signature, acknowledged "
                "FROM upward_chain WHERE member_id = ?",
                (member_id,),
            ).fetchone()
        if row is None:
            return None
        return Staged(
            int(row["seq"]),
            row["hash"],
            row["payload"].encode(),
            row["subject"],
            row["data"].encode(),
            row["signature"],
            bool(row["acknowledged"]),
        )

    def head(self, member_id: str) -> tuple[int, str]:
        """The seq and hash the next envelope follows."""
        last = self.last(member_id)
        return (0, GENESIS_HASH) if last is None else (last.seq, last.hash)

    def stage(self, member_id: str, staged: Staged) -> None:
        """Record the next envelope, unacknowledged. Refused (an error) unless
        it follows an acknowledged one: two processes of one consortium must
        never both extend the chain."""
        with self.tables.transaction() as cursor:
            row = cursor.execute(
                "SELECT seq, acknowledged FROM upward_chain WHERE member_id = ?",
                (member_id,),
            ).fetchone()
            before = 0 if row is None else int(row["seq"])
            if staged.seq != before + 1 or (
                row is not None and not row["acknowledged"]
            ):
                raise RuntimeError(
                    f"upward envelope {staged.seq} does not follow {before}, "
                    "acknowledged"
                )
            cursor.execute(
                "INSERT INTO upward_chain (member_id, seq, hash, payload, subject, "
                "data, signature, acknowledged) VALUES (?, ?, ?, ?, ?, ?, ?, 0) "
                "ON CONFLICT (member_id) DO UPDATE SET seq = excluded.seq, "
                "hash = excluded.hash, payload = excluded.payload, "
                "subject = excluded.subject, data = excluded.data, "
                "signature = excluded.signature, acknowledged = 0",
                (
                    member_id,
                    staged.seq,
                    staged.hash,
                    staged.payload.decode(),
                    staged.subject,
                    staged.data.decode(),
                    staged.signature,
                ),
            )

    def acknowledge(self, member_id: str, seq: int) -> None:
        with self.tables.transaction() as cursor:
            cursor.execute(
                "UPDATE upward_chain SET acknowledged = 1 "
                "WHERE member_id = ? AND seq = ?",
                (member_id, seq),
            )
