"""A federation's view of its member consortia: each one's latest snapshot.

A consortium shares upward a whole snapshot of its published report
(``schemas.consortium``); the newest (highest seq) replaces the one before, so
the federation's figures are those of each consortium's latest report, whatever
was lost, repeated or replayed on the way. In a consortium (whose members are
co-ops, which never send this payload) the table stays empty.
"""

import msgspec

from federation.projection import Projection
from schemas import Envelope, Payload
from schemas.consortium import ConsortiumReportPublished
from toolkit.storage import Cursor


class Snapshot(msgspec.Struct, frozen=True):
    """One consortium's latest snapshot, with the seq it came in."""

    consortium_id: str
    seq: int
    figures: ConsortiumReportPublished


class SnapshotProjection(Projection):
    TABLES = (
        "CREATE TABLE IF NOT EXISTS consortium_snapshots ("
        "consortium_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, "
        "as_of TEXT NOT NULL, figures TEXT NOT NULL)",
    )

    def apply(self, cursor: Cursor, envelope: Envelope, payload: Payload) -> None:
        if not isinstance(payload, ConsortiumReportPublished):
            return
        # The chain applies in order already; the seq guard keeps an older
        # snapshot from ever replacing a newer one all the same.
        cursor.execute(
            "INSERT INTO consortium_snapshots (consortium_id, seq, as_of, figures) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (consortium_id) DO UPDATE SET "
            "seq = excluded.seq, as_of = excluded.as_of, figures = excluded.figures "
            "WHERE consortium_snapshots.seq < excluded.seq",
            (
                envelope.coop_id,
                envelope.seq,
                payload.as_of.isoformat(),
                bytes(envelope.payload).decode(),
            ),
        )


def latest_snapshots(cursor: Cursor) -> list[Snapshot]:
    """Every member consortium's latest snapshot, by consortium id."""
    rows = cursor.execute(
        "SELECT consortium_id, seq, figures FROM consortium_snapshots "
        "ORDER BY consortium_id"
    ).fetchall()
    return [
        Snapshot(
            row["consortium_id"],
            int(row["seq"]),
            msgspec.json.decode(row["figures"], type=ConsortiumReportPublished),
        )
        for row in rows
    ]
