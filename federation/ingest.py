"""The consortium's projections, written with a per-co-op tracking position.

``apply`` takes one fetched batch of messages and, in one database transaction,
checks each message's signature against the keys of the co-op its subject names
(``federation.keyring``: before a byte of it is decoded; what fails is a dead
letter attributed to no co-op), then each envelope, applies it to the projection
tables and advances that co-op's tracking record (eventsourcing's tracking table,
one row per co-op). An envelope at or behind the tracked position changes
nothing, so redelivery and replay are safe.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import msgspec
from eventsourcing.persistence import Tracking

from federation.activity import LAST_APPLIED_TABLE, record_applied
from federation.care import CareProjection
from federation.care_quality import CareQualityProjection
from federation.circles import CirclesProjection
from federation.consortium_snapshots import SnapshotProjection
from federation.funding import FundingProjection
from federation.governance import GovernanceProjection
from federation.hours_exchange import HoursExchangeProjection
from federation.keyring import Keyring, Unverified
from federation.members_over_time import ClassTrendProjection
from federation.membership import MembershipProjection
from federation.projection import Projection
from federation.rules_facts import RulesFactsProjection
from federation.timebank import TimebankProjection
from federation.workforce import WorkforceProjection
from schemas import GENESIS_HASH, Envelope, Payload, UnknownSchema, decode_payload
from schemas.envelope import WireBody
from toolkit.storage import Cursor, TrackedTables

MAX_BODY_KEPT = 8192
# What decoding bytes from the stream may raise (msgspec raises UnicodeDecodeError
# for invalid UTF-8 inside a string).
UNREADABLE = (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError)
# Shared payloads are small facts; anything bigger is a bug or an attack.
MAX_PAYLOAD_BYTES = 16_384
# One decoder for every message: ``msgspec.json.decode(type=...)`` looks the
# type up again on each call.
WIRE_BODY = msgspec.json.Decoder(WireBody)


class Message(NamedTuple):
    """What the aggregator hands over: one message as it came off the stream."""

    subject: str
    data: bytes
    stream_seq: int
    signature: str = ""  # the message's signature header (toolkit.signing)
    stored_at: dt.datetime | None = None  # when the broker stored it; None: now


class Arrival(NamedTuple):
    """One envelope as it arrived: in which message, at which place in it."""

    subject: str
    stream_seq: int
    place: int
    envelope: Envelope


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


# The projections the consortium keeps, in the order envelopes are applied to them.
PROJECTION_TYPES: tuple[type[Projection], ...] = (
    MembershipProjection,
    GovernanceProjection,
    ClassTrendProjection,
    CareProjection,
    CareQualityProjection,
    FundingProjection,
    WorkforceProjection,
    TimebankProjection,
    CirclesProjection,
    RulesFactsProjection,
    HoursExchangeProjection,
    # A federation's member consortia (empty in a consortium of co-ops).
    SnapshotProjection,
)


class ConsortiumViews(TrackedTables):
    TABLES = (
        "CREATE TABLE IF NOT EXISTS chains ("
        "coop_id TEXT PRIMARY KEY, hash TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS held ("
        "coop_id TEXT NOT NULL, seq BIGINT NOT NULL, prev_seq BIGINT NOT NULL, "
        "hash TEXT NOT NULL, subject TEXT NOT NULL, stream_seq BIGINT NOT NULL, "
        "idx INTEGER NOT NULL, envelope TEXT NOT NULL, "
        "PRIMARY KEY (coop_id, seq, hash))",
        "CREATE TABLE IF NOT EXISTS dead_letters ("
        "stream_seq BIGINT NOT NULL, idx INTEGER NOT NULL, subject TEXT NOT NULL, "
        "coop_id TEXT, seq BIGINT, reason TEXT NOT NULL, body TEXT NOT NULL, "
        "received_at TEXT NOT NULL, PRIMARY KEY (stream_seq, idx))",
        LAST_APPLIED_TABLE,
        *(table for projection in PROJECTION_TYPES for table in projection.TABLES),
    )
    FILLS = tuple(fill for projection in PROJECTION_TYPES for fill in projection.FILLS)
    # At 1,000 co-ops the default 2 MB cache made every index lookup a read from
    # the OS: 64 MB cut ingest per envelope by a fifth (BENCHMARKS.md, Scale).
    SQLITE_CACHE_KIB = 65536

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each store its own: a projection buffers a batch's counters until commit.
        self.projections = tuple(kind() for kind in PROJECTION_TYPES)
        # Knows no co-op until given the registry's keys (ConsortiumService).
        self.keyring = Keyring()
        # The projections that read each payload type (``Projection.reads``).
        self._readers: dict[type[Payload], tuple[Projection, ...]] = {}

    def apply(self, messages: list[Message]) -> Outcome:
        try:
            return self._apply(messages)
        except BaseException:
            for projection in self.projections:
                projection.discard()
            raise

    def _apply(self, messages: list[Message]) -> Outcome:
        outcome = Outcome()
        self.keyring.new_batch()
        # Pipelined: on PostgreSQL the batch's writes go without a round trip each.
        with self.transaction() as cursor, cursor.pipelined():
            batch = Batch(cursor, outcome)
            rows = cursor.execute("SELECT DISTINCT coop_id FROM held").fetchall()
            batch.waiting.update(row["coop_id"] for row in rows)
            self._read_chains(batch, messages)
            for message in messages:
                coop_id = self._apply_message(batch, message)
                if coop_id in batch.waiting:
                    self._release_held(batch, coop_id)
            for projection in self.projections:
                projection.flush(cursor)
            # In id order, as every store's writer takes row locks the same way.
            moved = sorted(
                ((c, s) for c, s in batch.chains.items() if s.position > s.start),
                key=lambda item: item[0],
            )
            for start in range(0, len(moved), 500):  # bounded statements
                self.insert_trackings_in(
                    cursor,
                    [Tracking(c, s.position) for c, s in moved[start : start + 500]],
                )
            cursor.executemany(
                "INSERT INTO chains (coop_id, hash) VALUES (?, ?) "
                "ON CONFLICT (coop_id) DO UPDATE SET hash = excluded.hash",
                [(coop_id, chain.last_hash) for coop_id, chain in moved],
            )
            record_applied(cursor, [coop_id for coop_id, _ in moved])
        return outcome

    def _read_chains(self, batch: Batch, messages: list[Message]) -> None:
        """Every co-op's chain the batch's subjects name, in two queries rather
        than two per co-op (``_chain`` reads any other an envelope claims)."""
        named = sorted({m.subject.split(".")[2] for m in messages if _is_coops(m)})
        for start in range(0, len(named), 500):  # bounded statements
            part = named[start : start + 500]
            marks = ", ".join("?" * len(part))
            hashes = {
                row["coop_id"]: row["hash"]
                for row in batch.cursor.execute(
                    f"SELECT coop_id, hash FROM chains WHERE coop_id IN ({marks})",
                    part,
                ).fetchall()
            }
            positions = {
                row["name"]: int(row["position"])
                for row in batch.cursor.execute(
                    "SELECT application_name AS name, "
                    f"MAX(notification_id) AS position FROM {self.tracking_table} "
                    f"WHERE application_name IN ({marks}) GROUP BY application_name",
                    part,
                ).fetchall()
            }
            for coop_id in part:
                batch.chains[coop_id] = ChainState(
                    positions.get(coop_id, 0), hashes.get(coop_id, GENESIS_HASH)
                )

    def position(self, coop_id: str) -> int:
        return self.max_tracking_id(coop_id) or 0

    def _apply_message(self, batch: Batch, message: Message) -> str | None:
        """Apply, hold, ignore or dead-letter what one message carries; returns the
        co-op id its envelopes claim."""
        try:
            unsigned_until = self._verify(message)
            body = WIRE_BODY.decode(message.data)
        except Unverified as unverified:
            self._unattributed(batch, message, str(unverified))
            return None
        except UNREADABLE as error:
            self._unattributed(batch, message, f"malformed message: {error}")
            return None
        envelopes = body if isinstance(body, list) else [body]
        if unsigned_until is not None and any(
            envelope.seq > unsigned_until for envelope in envelopes
        ):
            self._unattributed(
                batch,
                message,
                f"unsigned envelope after seq {unsigned_until}, from where the "
                "co-op signs",
            )
            return None
        for place, envelope in enumerate(envelopes):
            arrival = Arrival(message.subject, message.stream_seq, place, envelope)
            if unsigned_until is None and envelope.seq != envelope.prev_seq + 1:
                self._reject(batch, arrival, "seq does not follow prev_seq by one")
                continue
            self._apply_envelope(batch, arrival)
        return envelopes[0].coop_id if envelopes else None

    def _verify(self, message: Message) -> int | None:
        """Check the message is the subject's co-op's (``Keyring.check``)."""
        parts = message.subject.split(".")
        if len(parts) != 4 or parts[:2] != ["cw", "coop"]:
            raise Unverified(f"subject {message.subject} is not a co-op's")
        stored_at = message.stored_at or dt.datetime.now(dt.UTC)
        return self.keyring.check(parts[2], message.data, message.signature, stored_at)

    def _unattributed(self, batch: Batch, message: Message, reason: str) -> None:
        """A dead letter that names no co-op: nothing shows it is the subject's."""
        self._dead_letter(
            batch,
            message.subject,
            message.stream_seq,
            0,
            None,
            None,
            reason,
            message.data,
        )

    def _apply_envelope(self, batch: Batch, arrival: Arrival) -> None:
        envelope = arrival.envelope
        try:
            _check_subject(arrival.subject, envelope)
            if len(envelope.payload) > MAX_PAYLOAD_BYTES:
                raise Rejected(f"oversize payload: {len(envelope.payload)} bytes")
            if not envelope.hash_is_valid:
                raise Rejected("hash does not match prev_hash and payload")
            chain = self._chain(batch, envelope.coop_id)
            if envelope.seq <= chain.position:
                # Already applied: a redelivery, a node republishing after a lost
                # ack, or a replay. Applying it again is what must never happen;
                # it is counted, not stored.
                batch.outcome.duplicates += 1
            elif envelope.prev_seq > chain.position:
                self._hold(batch, arrival)
            else:
                self._apply_in_order(batch, arrival, chain)
        except Rejected as rejected:
            self._reject(batch, arrival, str(rejected))

    def _apply_in_order(
        self, batch: Batch, arrival: Arrival, chain: ChainState
    ) -> None:
        envelope = arrival.envelope
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
            payload = decode_payload(envelope.schema, envelope.payload)
        except UnknownSchema:
            self._reject(batch, arrival, f"unknown schema {envelope.schema}")
            return
        except (
            msgspec.DecodeError,
            msgspec.ValidationError,
            UnicodeDecodeError,
        ) as error:
            self._reject(batch, arrival, f"invalid payload: {error}")
            return
        for projection in self._readers_of(type(payload)):
            projection.apply(batch.cursor, envelope, payload)
        batch.outcome.applied += 1

    def _readers_of(self, payload_type: type[Payload]) -> tuple[Projection, ...]:
        readers = self._readers.get(payload_type)
        if readers is None:
            readers = tuple(p for p in self.projections if p.reads(payload_type))
            self._readers[payload_type] = readers
        return readers

    def _chain(self, batch: Batch, coop_id: str) -> ChainState:
        if coop_id not in batch.chains:
            row = batch.cursor.execute(
                "SELECT hash FROM chains WHERE coop_id = ?", (coop_id,)
            ).fetchone()
            position = self.tracked_position(batch.cursor, coop_id)
            last_hash = row["hash"] if row else GENESIS_HASH
            batch.chains[coop_id] = ChainState(position, last_hash)
        return batch.chains[coop_id]

    def _hold(self, batch: Batch, arrival: Arrival) -> None:
        """Keep an envelope that arrived before its predecessor, until it comes."""
        envelope = arrival.envelope
        batch.cursor.execute(
            "INSERT INTO held (coop_id, seq, prev_seq, hash, subject, stream_seq, "
            "idx, envelope) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (coop_id, seq, hash) DO NOTHING",
            (
                envelope.coop_id,
                envelope.seq,
                envelope.prev_seq,
                envelope.hash,
                arrival.subject,
                arrival.stream_seq,
                arrival.place,
                msgspec.json.encode(envelope).decode(),
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
                "SELECT seq, hash, subject, stream_seq, idx, envelope FROM held "
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
            envelope = msgspec.json.decode(row["envelope"], type=Envelope)
            arrival = Arrival(row["subject"], row["stream_seq"], row["idx"], envelope)
            self._apply_envelope(batch, arrival)
        # Held envelopes now behind the chain were duplicates of applied ones.
        cursor.execute(
            "DELETE FROM held WHERE coop_id = ? AND seq <= ?", (coop_id, chain.position)
        )
        remaining = cursor.execute(
            "SELECT COUNT(*) AS n FROM held WHERE coop_id = ?", (coop_id,)
        ).fetchone()
        if not remaining["n"]:
            batch.waiting.discard(coop_id)

    def _reject(self, batch: Batch, arrival: Arrival, reason: str) -> None:
        """A dead letter of the co-op whose key the message verified with (its
        subject's), whatever co-op its envelope claims to be."""
        envelope = arrival.envelope
        coop_id = arrival.subject.split(".")[2]
        self._dead_letter(
            batch,
            arrival.subject,
            arrival.stream_seq,
            arrival.place,
            coop_id,
            envelope.seq if envelope.coop_id == coop_id else None,
            reason,
            msgspec.json.encode(envelope),
        )

    def _dead_letter(
        self,
        batch: Batch,
        subject: str,
        stream_seq: int,
        index: int,
        coop_id: str | None,
        seq: int | None,
        reason: str,
        body: bytes,
    ) -> None:
        batch.cursor.execute(
            "INSERT INTO dead_letters "
            "(stream_seq, idx, subject, coop_id, seq, reason, body, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (stream_seq, idx) DO NOTHING",
            (
                stream_seq,
                index,
                subject,
                coop_id,
                seq,
                _printable(reason[:500]),
                _printable(body[:MAX_BODY_KEPT].decode("utf-8", errors="replace")),
                dt.datetime.now(dt.UTC).isoformat(),
            ),
        )
        batch.outcome.dead_letters += 1
        batch.outcome.reasons.append(reason)

    def dead_letter_count(self) -> int:
        with self.transaction() as cursor:
            row = cursor.execute("SELECT COUNT(*) AS n FROM dead_letters").fetchone()
        return int(row["n"])

    def dead_letters(self) -> list[dict[str, object]]:
        with self.transaction() as cursor:
            rows = cursor.execute(
                "SELECT stream_seq, idx, subject, coop_id, seq, reason, received_at "
                "FROM dead_letters ORDER BY stream_seq, idx"
            ).fetchall()
        return [dict(row) for row in rows]


def _is_coops(message: Message) -> bool:
    """Whether the message's subject is a co-op's (``_verify`` refuses others)."""
    parts = message.subject.split(".")
    return len(parts) == 4 and parts[:2] == ["cw", "coop"]


def _check_subject(subject: str, envelope: Envelope) -> None:
    parts = subject.split(".")
    if len(parts) != 4 or parts[:2] != ["cw", "coop"] or parts[2] != envelope.coop_id:
        raise Rejected(f"subject {subject} does not belong to co-op {envelope.coop_id}")


def _printable(text: str) -> str:
    """Text that any store takes: PostgreSQL refuses NUL in text columns."""
    return text.replace("\x00", "\\x00")
