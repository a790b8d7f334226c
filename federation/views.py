"""The consortium's projections, written with a per-co-op tracking position.

``apply`` takes one fetched batch of messages and, in one database transaction,
checks each envelope, applies it to the projection tables and advances that co-op's
tracking record (eventsourcing's tracking table, one row per co-op). An envelope at
or behind the tracked position changes nothing, so redelivery and replay are safe.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

import msgspec
from eventsourcing.persistence import Tracking

from commonweal.storage import Cursor, TrackedTables
from federation.projections import PROJECTIONS
from schemas import GENESIS_HASH, Envelope, UnknownSchema, decode_payload

MAX_BODY_KEPT = 8192


class Message(NamedTuple):
    """What the aggregator hands over: one message as it came off the stream."""

    subject: str
    data: bytes
    stream_seq: int


@dataclass
class Outcome:
    """What one batch did, for metrics and logs."""

    applied: int = 0
    duplicates: int = 0
    held: int = 0
    dead_letters: int = 0
    reasons: list[str] = field(default_factory=list)


class ChainState:
    """One co-op's tracked position and last hash, read once per batch."""

    def __init__(self, position: int, last_hash: str) -> None:
        self.position = position
        self.last_hash = last_hash
        self.start = position


@dataclass
class Batch:
    """Everything one transaction works with."""

    cursor: Cursor
    outcome: Outcome
    chains: dict[str, ChainState] = field(default_factory=dict)
    waiting: set[str] = field(default_factory=set)  # co-ops with held envelopes


class Rejected(Exception):
    """The envelope cannot be applied; the message says why (the dead letter reason)."""


class ConsortiumViews(TrackedTables):
    TABLES = (
        "CREATE TABLE IF NOT EXISTS chains ("
        "coop_id TEXT PRIMARY KEY, hash TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS held ("
        "coop_id TEXT NOT NULL, seq BIGINT NOT NULL, prev_seq BIGINT NOT NULL, "
        "stream_seq BIGINT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL, "
        "hash TEXT NOT NULL, PRIMARY KEY (coop_id, seq, hash))",
        "CREATE TABLE IF NOT EXISTS dead_letters ("
        "stream_seq BIGINT PRIMARY KEY, subject TEXT NOT NULL, coop_id TEXT, "
        "seq BIGINT, reason TEXT NOT NULL, body TEXT NOT NULL, "
        "received_at TEXT NOT NULL)",
        *(table for projection in PROJECTIONS for table in projection.TABLES),
    )

    def apply(self, messages: list[Message]) -> Outcome:
        outcome = Outcome()
        with self.transaction() as cursor:
            batch = Batch(cursor, outcome)
            rows = cursor.execute("SELECT DISTINCT coop_id FROM held").fetchall()
            batch.waiting.update(row["coop_id"] for row in rows)
            for message in messages:
                coop_id = self._apply_message(batch, message)
                if coop_id in batch.waiting:
                    self._release_held(batch, coop_id)
            for coop_id, chain in batch.chains.items():
                if chain.position > chain.start:
                    self.insert_tracking_in(cursor, Tracking(coop_id, chain.position))
                    cursor.execute(
                        "INSERT INTO chains (coop_id, hash) VALUES (?, ?) "
                        "ON CONFLICT (coop_id) DO UPDATE SET hash = excluded.hash",
                        (coop_id, chain.last_hash),
                    )
        return outcome

    def position(self, coop_id: str) -> int:
        return self.max_tracking_id(coop_id) or 0

    def _apply_message(self, batch: Batch, message: Message) -> str | None:
        """Apply, hold, ignore or dead-letter one message; returns its co-op id."""
        try:
            envelope = msgspec.json.decode(message.data, type=Envelope)
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            self._dead_letter(batch, message, None, f"malformed envelope: {error}")
            return None
        try:
            _check_subject(message.subject, envelope)
            if not envelope.hash_is_valid:
                raise Rejected("hash does not match prev_hash and payload")
            chain = self._chain(batch, envelope.coop_id)
            if envelope.seq <= chain.position:
                batch.outcome.duplicates += 1
            elif envelope.prev_seq > chain.position:
                self._hold(batch, message, envelope)
            else:
                self._apply_in_order(batch, message, envelope, chain)
        except Rejected as rejected:
            self._dead_letter(batch, message, envelope, str(rejected))
        return envelope.coop_id

    def _apply_in_order(
        self, batch: Batch, message: Message, envelope: Envelope, chain: ChainState
    ) -> None:
        if envelope.prev_seq != chain.position:
            raise Rejected(
                f"prev_seq {envelope.prev_seq} does not continue the chain "
                f"at seq {chain.position}"
            )
        if envelope.prev_hash != chain.last_hash:
            raise Rejected("broken chain: prev_hash is not the hash of the previous")
        # From here the envelope is authentic and in order: it takes its place in
        # the chain even if we cannot read its payload, so later ones still apply.
        chain.position, chain.last_hash = envelope.seq, envelope.hash
        try:
            payload = decode_payload(envelope.schema, bytes(envelope.payload))
        except UnknownSchema:
            reason = f"unknown schema {envelope.schema}"
            self._dead_letter(batch, message, envelope, reason)
            return
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            self._dead_letter(batch, message, envelope, f"invalid payload: {error}")
            return
        for projection in PROJECTIONS:
            projection.apply(batch.cursor, envelope, payload)
        batch.outcome.applied += 1

    def _chain(self, batch: Batch, coop_id: str) -> ChainState:
        if coop_id not in batch.chains:
            row = batch.cursor.execute(
                "SELECT hash FROM chains WHERE coop_id = ?", (coop_id,)
            ).fetchone()
            position = self._tracked_position(batch.cursor, coop_id)
            last_hash = row["hash"] if row else GENESIS_HASH
            batch.chains[coop_id] = ChainState(position, last_hash)
        return batch.chains[coop_id]

    def _tracked_position(self, cursor: Cursor, coop_id: str) -> int:
        table = "notification_tracking" if self.is_postgres else "tracking"
        row = cursor.execute(
            f"SELECT MAX(notification_id) AS position FROM {table} "
            "WHERE application_name = ?",
            (coop_id,),
        ).fetchone()
        return int(row["position"] or 0)

    def _hold(self, batch: Batch, message: Message, envelope: Envelope) -> None:
        """Keep an envelope that arrived before its predecessor, until it comes."""
        batch.cursor.execute(
            "INSERT INTO held "
            "(coop_id, seq, prev_seq, stream_seq, subject, body, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (coop_id, seq, hash) DO NOTHING",
            (
                envelope.coop_id,
                envelope.seq,
                envelope.prev_seq,
                message.stream_seq,
                message.subject,
                message.data.decode(),
                envelope.hash,
            ),
        )
        batch.waiting.add(envelope.coop_id)
        batch.outcome.held += 1

    def _release_held(self, batch: Batch, coop_id: str) -> None:
        """Apply held envelopes of ``coop_id`` whose predecessor is now applied."""
        chain = self._chain(batch, coop_id)
        cursor = batch.cursor
        while True:
            row = cursor.execute(
                "SELECT seq, hash, stream_seq, subject, body FROM held "
                "WHERE coop_id = ? AND prev_seq = ?",
                (coop_id, chain.position),
            ).fetchone()
            if row is None:
                break
            cursor.execute(
                "DELETE FROM held WHERE coop_id = ? AND seq = ? AND hash = ?",
                (coop_id, row["seq"], row["hash"]),
            )
            batch.outcome.held -= 1
            held = Message(row["subject"], row["body"].encode(), row["stream_seq"])
            self._apply_message(batch, held)
        # Held envelopes now behind the chain were duplicates of applied ones.
        cursor.execute(
            "DELETE FROM held WHERE coop_id = ? AND seq <= ?", (coop_id, chain.position)
        )
        remaining = cursor.execute(
            "SELECT COUNT(*) AS n FROM held WHERE coop_id = ?", (coop_id,)
        ).fetchone()
        if not remaining["n"]:
            batch.waiting.discard(coop_id)

    def _dead_letter(
        self, batch: Batch, message: Message, envelope: Envelope | None, reason: str
    ) -> None:
        batch.cursor.execute(
            "INSERT INTO dead_letters "
            "(stream_seq, subject, coop_id, seq, reason, body, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (stream_seq) DO NOTHING",
            (
                message.stream_seq,
                message.subject,
                envelope.coop_id if envelope else None,
                envelope.seq if envelope else None,
                reason[:500],
                message.data[:MAX_BODY_KEPT].decode("utf-8", errors="replace"),
                dt.datetime.now(dt.UTC).isoformat(),
            ),
        )
        batch.outcome.dead_letters += 1
        batch.outcome.reasons.append(reason)

    def dead_letters(self) -> list[dict[str, object]]:
        with self.transaction() as cursor:
            rows = cursor.execute(
                "SELECT stream_seq, subject, coop_id, seq, reason, received_at "
                "FROM dead_letters ORDER BY stream_seq"
            ).fetchall()
        return [dict(row) for row in rows]


def _check_subject(subject: str, envelope: Envelope) -> None:
    parts = subject.split(".")
    if len(parts) != 4 or parts[:2] != ["cw", "coop"] or parts[2] != envelope.coop_id:
        raise Rejected(f"subject {subject} does not belong to co-op {envelope.coop_id}")
