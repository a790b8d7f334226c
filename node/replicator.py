"""The replicator: follows the node's notification log and publishes what it shares.

Each shared event becomes a hash-chained Envelope on ``cw.coop.<id>.<stream>``,
numbered densely (1, 2, 3 ... over what is shared, so the gaps reveal nothing of
unshared events), and each NATS message is signed with the node's key
(``toolkit.signing``). The position in the log and the chain head are written to
the node's own store (an eventsourcing tracking record plus one row) only after
JetStream has acknowledged every envelope up to that position, so a crash or a
broker outage at any moment leads to republishing, never to loss; the
consortium's per-co-op position ignores what it has applied already.

Why a "duplicate" acknowledgement counts as delivered: the Nats-Msg-Id is a
sha256 over the message and its signature, which no one can compute before this
node has signed those bytes. A duplicate therefore means these very bytes are in
the stream already (an earlier publish whose acknowledgement was lost), never
that another co-op claimed the id first to have the message dropped.
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import NamedTuple, Protocol

import msgspec
from eventsourcing.persistence import Notification, Tracking
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import PubAck

from node.application import CoopNode
from node.shared_fields import SharedFieldReader
from node.sharing import SharingPolicy
from node.stream_check import StreamAhead, StreamEnd, stream_end
from schemas import (
    GENESIS_HASH,
    Envelope,
    chain_hash,
    encode_payload,
    subject,
)
from toolkit.broker_connection import BrokerConnection
from toolkit.signing import SIGNATURE_HEADER, Signer, message_id
from toolkit.storage import TrackedTables

log = logging.getLogger(__name__)

TRACKING_NAME = "replicator"
NO_KEY = (
    "no signing key: node.toml has no [broker] nkey_seed, so nothing is published "
    "(commonweal consortium register writes one)"
)


class ChainHead(NamedTuple):
    """How far the log has been published, and the last envelope sent."""

    position: int
    seq: int
    hash: str


class ReplicationLog(TrackedTables):
    """The replicator's durable state, in the node's own database."""

    TABLES = (
        "CREATE TABLE IF NOT EXISTS replication_chain ("
        "coop_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)",
        # A row here: the store was restored from a backup, and the replicator must
        # read the stream before it publishes (node.stream_check).
        "CREATE TABLE IF NOT EXISTS replication_restored ("
        "coop_id TEXT PRIMARY KEY, backup_created_at TEXT NOT NULL)",
    )

    def mark_restored(self, coop_id: str, backup_created_at: str) -> None:
        with self.transaction() as cursor:
            cursor.execute(
                "INSERT INTO replication_restored (coop_id, backup_created_at) "
                "VALUES (?, ?) ON CONFLICT (coop_id) DO UPDATE "
                "SET backup_created_at = excluded.backup_created_at",
                (coop_id, backup_created_at),
            )

    def is_restored(self, coop_id: str) -> bool:
        with self.transaction() as cursor:
            row = cursor.execute(
                "SELECT 1 FROM replication_restored WHERE coop_id = ?", (coop_id,)
            ).fetchone()
        return row is not None

    def record_checked(
        self, coop_id: str, head: ChainHead, tracking_name: str = TRACKING_NAME
    ) -> None:
        """The stream continues from ``head``: publish on from there."""
        with self.transaction() as cursor:
            cursor.execute(
                "INSERT INTO replication_chain (coop_id, seq, hash) VALUES (?, ?, ?) "
                "ON CONFLICT (coop_id) DO UPDATE SET seq = excluded.seq, "
                "hash = excluded.hash",
                (coop_id, head.seq, head.hash),
            )
            if head.position > self.tracked_position(cursor, tracking_name):
                self.insert_tracking_in(cursor, Tracking(tracking_name, head.position))
            cursor.execute(
                "DELETE FROM replication_restored WHERE coop_id = ?", (coop_id,)
            )

    def head(self, coop_id: str, tracking_name: str = TRACKING_NAME) -> ChainHead:
        position = self.max_tracking_id(tracking_name) or 0
        with self.transaction() as cursor:
            row = cursor.execute(
                "SELECT seq, hash FROM replication_chain WHERE coop_id = ?", (coop_id,)
            ).fetchone()
        if row is None:
            return ChainHead(position, 0, GENESIS_HASH)
        return ChainHead(position, row["seq"], row["hash"])

    def record_published(
        self, coop_id: str, head: ChainHead, tracking_name: str = TRACKING_NAME
    ) -> None:
        with self.transaction() as cursor:
            cursor.execute(
                "INSERT INTO replication_chain (coop_id, seq, hash) VALUES (?, ?, ?) "
                "ON CONFLICT (coop_id) DO UPDATE SET seq = excluded.seq, "
                "hash = excluded.hash",
                (coop_id, head.seq, head.hash),
            )
            self.insert_tracking_in(cursor, Tracking(tracking_name, head.position))


class ChainStore(Protocol):
    """Where a replicator keeps its chain head: the node's ``ReplicationLog``
    itself for its first consortium, a consortium's own rows in it for another
    (node.consortia)."""

    def head(self, coop_id: str) -> ChainHead: ...

    def is_restored(self, coop_id: str) -> bool: ...

    def record_checked(self, coop_id: str, head: ChainHead) -> None: ...

    def record_published(self, coop_id: str, head: ChainHead) -> None: ...


class Outgoing(NamedTuple):
    subject: str
    envelope: Envelope


class WireMessage(NamedTuple):
    """One NATS message: a single envelope, or a run of envelopes on one subject."""

    subject: str
    data: bytes
    signature: str

    @property
    def headers(self) -> dict[str, str]:
        coop_id = self.subject.split(".")[2]
        return {
            "Nats-Msg-Id": message_id(coop_id, self.data, self.signature),
            SIGNATURE_HEADER: self.signature,
        }


def pack(
    outgoing: Sequence[Outgoing], max_envelopes: int, signer: Signer
) -> list[WireMessage]:
    """Pack consecutive envelopes for the same subject into signed messages of at
    most ``max_envelopes``; one acknowledged publish then carries many."""
    messages = []
    run: list[Envelope] = []
    for index, item in enumerate(outgoing):
        run.append(item.envelope)
        following = outgoing[index + 1] if index + 1 < len(outgoing) else None
        if (
            following is None
            or following.subject != item.subject
            or len(run) == max_envelopes
        ):
            body = run[0] if len(run) == 1 else run
            data = msgspec.json.encode(body)
            messages.append(WireMessage(item.subject, data, signer.sign(data)))
            run = []
    return messages


def build_envelopes(
    coop_id: str,
    reader: SharedFieldReader,
    policy: SharingPolicy,
    head: ChainHead,
    notifications: Sequence[Notification],
    position: int,
) -> tuple[list[Outgoing], ChainHead]:
    """Wrap the shared events among ``notifications`` into chained envelopes;
    ``position`` is how far the log has been read once they are published."""
    outgoing = []
    seq, last_hash = head.seq, head.hash
    for notification in notifications:
        if notification.topic not in policy.topics:
            continue
        shared = policy.share(reader.read(notification))
        if shared is None:
            continue
        payload = encode_payload(shared.payload)
        envelope = Envelope(
            coop_id=coop_id,
            seq=seq + 1,
            prev_seq=seq,
            event_id=shared.event_id,
            occurred_at=shared.occurred_at,
            schema=shared.payload.SCHEMA,
            payload=msgspec.Raw(payload),
            prev_hash=last_hash,
            hash=chain_hash(last_hash, payload),
        )
        outgoing.append(Outgoing(subject(coop_id, shared.stream), envelope))
        seq, last_hash = envelope.seq, envelope.hash
    return outgoing, ChainHead(position, seq, last_hash)


class Replicator:
    """Runs beside the node as an asyncio task; survives broker outages."""

    def __init__(
        self,
        coop_node: CoopNode,
        policy: SharingPolicy,
        state: ChainStore,
        servers: Sequence[str],
        signer: Signer | None,
        *,
        connect_options: dict[str, object] | None = None,
        batch_size: int = 2000,
        envelopes_per_message: int = 250,
        max_in_flight: int = 1000,
        poll_interval: float = 0.1,
        ack_timeout: float = 5.0,
    ) -> None:
        self.coop_node = coop_node
        self.policy = policy
        self.reader = SharedFieldReader(coop_node.mapper, policy.topics)
        self.state = state
        self.signer = signer  # None: no key in node.toml, so nothing is published
        self.broker = BrokerConnection(
            servers, f"commonweal-node-{coop_node.coop_id}", connect_options
        )
        self.batch_size = batch_size
        self.envelopes_per_message = envelopes_per_message
        self.max_in_flight = max_in_flight
        self.poll_interval = poll_interval
        self.ack_timeout = ack_timeout
        self.published = state.head(coop_node.coop_id)
        self.envelopes_published = 0
        self.messages_published = 0
        self.duplicate_acks = 0  # the same bytes were in the stream already
        # Restored from a backup: read the stream before publishing anything.
        self.must_check_stream = state.is_restored(coop_node.coop_id)
        self.halted: str | None = None  # why nothing will be published
        self._wake = asyncio.Event()
        self._js: JetStreamContext | None = None

    @property
    def last_error(self) -> str | None:
        """The outage being waited out, if any."""
        return self.broker.last_error

    def wake(self) -> None:
        """Tell the replicator there is something new to publish."""
        self._wake.set()

    async def run(self) -> None:
        if self.signer is None:
            self.broker.last_error = NO_KEY
            log.error("replicator of %s: %s", self.coop_node.coop_id, NO_KEY)
            await asyncio.Event().wait()  # the node works on; nothing leaves it
        await self.broker.keep_running(
            self._replicate, f"replicator of {self.coop_node.coop_id}", log
        )

    async def _replicate(self, nc: NATS) -> None:
        self._js = nc.jetstream(timeout=self.ack_timeout)
        if self.must_check_stream:
            try:
                await self._continue_stream(nc)
            except StreamAhead as error:
                self.halted = str(error)
                self.broker.last_error = self.halted
                log.error("replicator of %s: %s", self.coop_node.coop_id, error)
                await asyncio.Event().wait()  # the node works on; nothing leaves it
        while True:
            page = self._next_page()
            if page is None:
                await self._idle()
                continue
            outgoing, head = build_envelopes(
                self.coop_node.coop_id,
                self.reader,
                self.policy,
                self.published,
                *page,
            )
            assert self.signer is not None
            messages = pack(outgoing, self.envelopes_per_message, self.signer)
            await self._publish(messages)
            self.state.record_published(self.coop_node.coop_id, head)
            self.published = head
            self.broker.note_error(None)
            self.envelopes_published += len(outgoing)
            self.messages_published += len(messages)

    async def _continue_stream(self, nc: NATS) -> None:
        """Find where the co-op's chain on the stream ends and continue from there
        (node.stream_check says why a restored store must)."""
        end = await stream_end(nc, self.coop_node.coop_id, self.ack_timeout)
        head = self.published
        if end is not None and end.seq > head.seq:
            head = self._rebuild_to(end)
        elif end is not None and end.seq == head.seq and end.hash != head.hash:
            raise StreamAhead(self._other_chain(end))
        self.state.record_checked(self.coop_node.coop_id, head)
        self.published = head
        self.must_check_stream = False

    def _rebuild_to(self, end: StreamEnd) -> ChainHead:
        """Walk this store's log from the chain head, building (not publishing)
        envelopes, to the one numbered ``end.seq``, which must have ``end.hash``."""
        head = self.published
        last = self.coop_node.recorder.max_notification_id() or 0
        while head.position < last:
            page = self.coop_node.recorder.select_notifications(
                start=head.position + 1,
                limit=self.batch_size,
                stop=last,
                topics=sorted(self.policy.topics),
            )
            if not page:
                break
            for notification in page:
                _, head = build_envelopes(
                    self.coop_node.coop_id,
                    self.reader,
                    self.policy,
                    head,
                    [notification],
                    notification.id,
                )
                if head.seq == end.seq:
                    if head.hash != end.hash:
                        raise StreamAhead(self._other_chain(end))
                    return head
        raise StreamAhead(
            "this store is older than what the consortium has already received: "
            f"the stream holds {self.coop_node.coop_id}'s envelopes up to "
            f"{end.seq}, this store's events make only {head.seq}. Nothing will be "
            "published; restore a backup taken after the node last published"
        )

    def _other_chain(self, end: StreamEnd) -> str:
        return (
            f"the stream's envelope {end.seq} of {self.coop_node.coop_id} is not "
            "the one this store makes: the chain on the broker came from other "
            "data. Nothing will be published; restore the co-op's newest backup"
        )

    async def _publish(self, messages: list[WireMessage]) -> None:
        """Publish messages in order, up to ``max_in_flight`` awaiting their acks at
        once, and return when every one is acknowledged."""
        assert self._js is not None
        pending: list[tuple[asyncio.Future[PubAck], WireMessage]] = []
        try:
            for message in messages:
                if len(pending) == self.max_in_flight:
                    await self._await_acks(pending)
                    pending = []
                ack = await self._js.publish_async(
                    message.subject, message.data, headers=message.headers
                )
                pending.append((ack, message))
            await self._await_acks(pending)
        finally:
            for ack, _ in pending:  # frees nats-py's pending slots after a failure
                ack.cancel()

    async def _await_acks(
        self, pending: list[tuple[asyncio.Future[PubAck], WireMessage]]
    ) -> None:
        if not pending:
            return
        _, late = await asyncio.wait(
            [ack for ack, _ in pending], timeout=self.ack_timeout
        )
        for ack, _ in pending:
            if ack.done() and not ack.cancelled():
                if ack.exception() is not None:
                    raise ack.exception()  # type: ignore[misc]
                if ack.result().duplicate:
                    self.duplicate_acks += 1
        if not late:
            return
        # nats-py loses some error replies to pipelined publishes (a full stream's
        # "maximum bytes exceeded" among them), leaving only silence. Publishing the
        # first unacknowledged message again, awaited, is a harmless retry (same
        # Nats-Msg-Id) that surfaces the broker's real reason.
        assert self._js is not None
        first = next(message for ack, message in pending if ack in late)
        await self._js.publish(first.subject, first.data, headers=first.headers)
        raise TimeoutError(f"{len(late)} publishes not acknowledged in time")

    def _next_page(self) -> tuple[list[Notification], int] | None:
        """The next shared notifications, and the log position they take us to."""
        last = self.coop_node.recorder.max_notification_id() or 0
        if last <= self.published.position:
            return None
        page = self.coop_node.recorder.select_notifications(
            start=self.published.position + 1,
            limit=self.batch_size,
            stop=last,
            topics=sorted(self.policy.topics),
        )
        # A short page means nothing more is shared up to ``last``: skip past it.
        position = page[-1].id if len(page) == self.batch_size else last
        return list(page), position

    async def _idle(self) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.poll_interval)
