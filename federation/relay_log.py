"""The relay publisher's outbox (``federation.relay``), in the consortium's own
store: every message it relayed to a co-op, by recipient and n, signed, and
whether the broker has acknowledged it.

A message is written here *before* it is published, and marked acknowledged
only after JetStream has acknowledged it. A consortium killed in between sends
the very same bytes again when it restarts: a co-op never finds two different
messages under one n, and never a gap. One relay per transfer and kind (offer,
answer): a queue filled again (a projection rebuilt from the stream) relays
nothing twice.
"""

from typing import Any, NamedTuple

from toolkit.storage import Cursor, TrackedTables


class StagedRelay(NamedTuple):
    recipient: str
    n: int
    kind: str  # "offer" or "answer"
    transfer: str
    data: bytes
    signature: str
    acknowledged: bool = False


class RelayLog:
    """Kept in the tables of the consortium's views, through their own
    connections (as ``federation.upward_log`` is, for the same reason)."""

    TABLE = (
        "CREATE TABLE IF NOT EXISTS relay_outbox ("
        "recipient TEXT NOT NULL, n BIGINT NOT NULL, kind TEXT NOT NULL, "
        "transfer TEXT NOT NULL, data TEXT NOT NULL, signature TEXT NOT NULL, "
        "acknowledged INTEGER NOT NULL, PRIMARY KEY (recipient, n), "
        "UNIQUE (kind, transfer))"
    )

    def __init__(self, tables: TrackedTables) -> None:
        self.tables = tables
        with tables.transaction() as cursor:
            cursor.execute(self.TABLE)

    @staticmethod
    def holds(cursor: Cursor, kind: str, transfer: str) -> bool:
        row = cursor.execute(
            "SELECT 1 AS found FROM relay_outbox WHERE kind = ? AND transfer = ?",
            (kind, transfer),
        ).fetchone()
        return row is not None

    @staticmethod
    def last_n(cursor: Cursor, recipient: str) -> int:
        row = cursor.execute(
            "SELECT MAX(n) AS n FROM relay_outbox WHERE recipient = ?", (recipient,)
        ).fetchone()
        return int(row["n"] or 0)

    @staticmethod
    def add(cursor: Cursor, staged: StagedRelay) -> None:
        """Record a message, unacknowledged. Its n follows the recipient's last:
        the primary key refuses a second message under one n."""
        cursor.execute(
            "INSERT INTO relay_outbox (recipient, n, kind, transfer, data, "
            "signature, acknowledged) VALUES (?, ?, ?, ?, ?, ?, 0)",
            (
                staged.recipient,
                staged.n,
                staged.kind,
                staged.transfer,
                staged.data.decode(),
                staged.signature,
            ),
        )

    def unacknowledged(self) -> list[StagedRelay]:
        """What is staged and not yet acknowledged, each recipient's in n order."""
        with self.tables.transaction() as cursor:
            rows = cursor.execute(
                "SELECT recipient, n, kind, transfer, data, signature, acknowledged "
                "FROM relay_outbox WHERE acknowledged = 0 ORDER BY recipient, n"
            ).fetchall()
        return [_staged(row) for row in rows]

    def relayed(self, recipient: str) -> list[StagedRelay]:
        """Every message relayed to ``recipient``, in n order."""
        with self.tables.transaction() as cursor:
            rows = cursor.execute(
                "SELECT recipient, n, kind, transfer, data, signature, acknowledged "
                "FROM relay_outbox WHERE recipient = ? ORDER BY n",
                (recipient,),
            ).fetchall()
        return [_staged(row) for row in rows]

    def acknowledge(self, recipient: str, n: int) -> None:
        with self.tables.transaction() as cursor:
            cursor.execute(
                "UPDATE relay_outbox SET acknowledged = 1 "
                "WHERE recipient = ? AND n = ?",
                (recipient, n),
            )


def _staged(row: Any) -> StagedRelay:
    return StagedRelay(
        row["recipient"],
        int(row["n"]),
        row["kind"],
        row["transfer"],
        row["data"].encode(),
        row["signature"],
        bool(row["acknowledged"]),
    )


class RelayStatus(NamedTuple):
    """What the operations page shows of the hours relayed between co-ops."""

    relayed: int  # acknowledged by the broker
    waiting: int  # queued or staged, not yet acknowledged
    ignored: int  # hours.* payloads not counted (an attack or a bug)
    recent_ignored: list[dict[str, object]]  # the latest, newest first


def relay_status(cursor: Cursor, recent: int = 10) -> RelayStatus:
    relayed = waiting = 0
    if cursor.table_exists("relay_outbox"):
        for row in cursor.execute(
            "SELECT acknowledged, COUNT(*) AS n FROM relay_outbox GROUP BY acknowledged"
        ).fetchall():
            if row["acknowledged"]:
                relayed += int(row["n"])
            else:
                waiting += int(row["n"])
    queued = cursor.execute("SELECT COUNT(*) AS n FROM hours_relay_queue").fetchone()
    ignored = cursor.execute("SELECT COUNT(*) AS n FROM hours_ignored").fetchone()
    latest = cursor.execute(
        "SELECT coop_id, seq, schema, transfer, reason FROM hours_ignored "
        "ORDER BY recorded_at DESC, coop_id, seq LIMIT ?",
        (recent,),
    ).fetchall()
    return RelayStatus(
        relayed,
        waiting + int(queued["n"]),
        int(ignored["n"]),
        [dict(r) for r in latest],
    )
