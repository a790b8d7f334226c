"""Hours that travel between co-ops (``schemas.hours``), as the consortium
clears them: one row per transfer, and the relays it owes the co-ops.

The envelope's co-op is authenticated before a projection sees it (the ingest
checks its signature against the registry's keys), so the co-op that shares a
payload is who it claims to be. What it claims about a transfer is not taken on
trust: an answer counts only from the transfer's payee, for the minutes and the
payer the payer sent, once; a settlement only from its payer, once answered, and
"confirmed" only when the payee took the hours. Anything else (a bug, or a
co-op trying to move another's hours) is recorded as ignored with its reason and
never relayed; the envelope still takes its place in the co-op's chain.

A relay is queued here, in the ingest's transaction, so it is queued exactly
once whatever the broker redelivers; ``federation.relay`` numbers, signs and
publishes the queue.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal

from federation.projection import Projection
from schemas import Envelope, Payload
from schemas import hours as h
from toolkit.storage import Cursor

# sent -> answered -> confirmed | refunded
TransferState = Literal["sent", "answered", "confirmed", "refunded"]
RelayKind = Literal["offer", "answer"]


class Ignored(Exception):
    """The payload does not count: the message says why."""


class HoursExchangeProjection(Projection):
    TABLES = (
        "CREATE TABLE IF NOT EXISTS hours_transfers ("
        "transfer TEXT PRIMARY KEY, payer TEXT NOT NULL, payee TEXT NOT NULL, "
        "minutes BIGINT NOT NULL, reference TEXT NOT NULL, state TEXT NOT NULL, "
        "reason TEXT NOT NULL DEFAULT '', sent_on TEXT NOT NULL, "
        "answered_on TEXT, settled_on TEXT)",
        "CREATE INDEX IF NOT EXISTS hours_transfers_by_pair "
        "ON hours_transfers (payer, payee, state)",
        # What was not counted, by the envelope that said it.
        "CREATE TABLE IF NOT EXISTS hours_ignored ("
        "coop_id TEXT NOT NULL, seq BIGINT NOT NULL, schema TEXT NOT NULL, "
        "transfer TEXT NOT NULL, reason TEXT NOT NULL, recorded_at TEXT NOT NULL, "
        "PRIMARY KEY (coop_id, seq))",
        # Relays owed, in the order queued (``queued_at``, then the envelope
        # that queued it: partitions of a consortium queue side by side).
        "CREATE TABLE IF NOT EXISTS hours_relay_queue ("
        "coop_id TEXT NOT NULL, seq BIGINT NOT NULL, kind TEXT NOT NULL, "
        "transfer TEXT NOT NULL, queued_at TEXT NOT NULL, "
        "PRIMARY KEY (coop_id, seq))",
        "CREATE INDEX IF NOT EXISTS hours_relay_queue_order "
        "ON hours_relay_queue (queued_at, coop_id, seq)",
    )

    def __init__(self) -> None:
        super().__init__()
        self.queued = 0  # relays queued by this store since it was built

    def apply(self, cursor: Cursor, envelope: Envelope, payload: Payload) -> None:
        handler = self._handlers[type(payload)]
        try:
            handler(self, cursor, envelope, payload)
        except Ignored as ignored:
            transfer = str(getattr(payload, "transfer", ""))
            cursor.execute(
                "INSERT INTO hours_ignored "
                "(coop_id, seq, schema, transfer, reason, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (coop_id, seq) DO NOTHING",
                (
                    envelope.coop_id,
                    envelope.seq,
                    envelope.schema,
                    transfer,
                    str(ignored),
                    _now(),
                ),
            )

    def _queue(
        self, cursor: Cursor, envelope: Envelope, kind: RelayKind, transfer: str
    ) -> None:
        cursor.execute(
            "INSERT INTO hours_relay_queue (coop_id, seq, kind, transfer, queued_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (coop_id, seq) DO NOTHING",
            (
                envelope.coop_id,
                envelope.seq,
                kind,
                transfer,
                _now(),
            ),
        )
        self.queued += 1

    def _sent(self, cur: Cursor, envelope: Envelope, p: h.HoursSent) -> None:
        transfer = str(p.transfer)
        if _row(cur, transfer) is not None:
            raise Ignored("transfer already known")
        cur.execute(
            "INSERT INTO hours_transfers (transfer, payer, payee, minutes, "
            "reference, state, sent_on) VALUES (?, ?, ?, ?, ?, 'sent', ?)",
            (
                transfer,
                envelope.coop_id,
                p.payee,
                p.minutes,
                p.reference,
                p.sent_on.isoformat(),
            ),
        )
        # Offered to the payee, or answered for it when it is no co-op of this
        # consortium: the relay publisher knows the registry (federation.relay).
        self._queue(cur, envelope, "offer", transfer)

    def _answered(self, cur: Cursor, envelope: Envelope, p: h.HoursAnswered) -> None:
        transfer = str(p.transfer)
        row = _row(cur, transfer)
        if row is None:
            raise Ignored("unknown transfer")
        if row["payee"] != envelope.coop_id:
            raise Ignored(f"answered by {envelope.coop_id}, not the payee")
        if row["payer"] != p.payer:
            raise Ignored(f"names payer {p.payer}, not {row['payer']}")
        if int(row["minutes"]) != p.minutes:
            raise Ignored(f"answers {p.minutes} minutes, not {row['minutes']}")
        if row["state"] != "sent":
            raise Ignored("already answered")
        cur.execute(
            "UPDATE hours_transfers SET state = 'answered', reason = ?, "
            "answered_on = ? WHERE transfer = ?",
            (p.reason, p.answered_on.isoformat(), transfer),
        )
        self._queue(cur, envelope, "answer", transfer)

    def _settled(self, cur: Cursor, envelope: Envelope, p: h.HoursSettled) -> None:
        transfer = str(p.transfer)
        row = _row(cur, transfer)
        if row is None:
            raise Ignored("unknown transfer")
        if row["payer"] != envelope.coop_id:
            raise Ignored(f"settled by {envelope.coop_id}, not the payer")
        if row["payee"] != p.payee or int(row["minutes"]) != p.minutes:
            raise Ignored("payee or minutes differ from those sent")
        if row["state"] == "sent":
            raise Ignored("settled before it was answered")
        if row["state"] != "answered":
            raise Ignored("already settled")
        # Confirming refused hours would owe the payee hours it never credited;
        # refunding taken ones would give the member back hours the payee holds.
        accepted = row["reason"] == ""
        if (p.outcome == "confirmed") != accepted:
            raise Ignored(
                f"{p.outcome} but the answer was "
                + ("accepted" if accepted else f"refused ({row['reason']})")
            )
        cur.execute(
            "UPDATE hours_transfers SET state = ?, settled_on = ? WHERE transfer = ?",
            (p.outcome, p.settled_on.isoformat(), transfer),
        )

    _handlers: dict[type[Payload], Callable[..., None]] = {
        h.HoursSent: _sent,
        h.HoursAnswered: _answered,
        h.HoursSettled: _settled,
    }


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _row(cursor: Cursor, transfer: str) -> Any:
    return cursor.execute(
        "SELECT payer, payee, minutes, state, reason FROM hours_transfers "
        "WHERE transfer = ?",
        (transfer,),
    ).fetchone()


def ignored_hours(cursor: Cursor) -> list[dict[str, object]]:
    """What was not counted, and why (an attack or a bug), by co-op and
    envelope."""
    rows = cursor.execute(
        "SELECT coop_id, seq, schema, transfer, reason FROM hours_ignored "
        "ORDER BY coop_id, seq"
    ).fetchall()
    return [dict(row) for row in rows]
