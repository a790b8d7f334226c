"""The replicator: follows the node's notification log and publishes what it shares.

Each shared event becomes a hash-chained Envelope on ``cw.coop.<id>.<stream>``. The
position in the log and the chain head are written to the node's own store (an
eventsourcing tracking record plus one row) only after JetStream has acknowledged
every envelope up to that position, so a crash or a broker outage at any moment
leads to republishing, never to loss; republished envelopes carry the same
Nats-Msg-Id and the consortium's per-co-op position ignores them anyway.
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import NamedTuple

import msgspec
import nats
from eventsourcing.persistence import Notification, Tracking
from nats.aio.client import Client as NATS

from commonweal.storage import TrackedTables
from node.application import CoopNode
from node.sharing import SharingPolicy
from schemas import (
    GENESIS_HASH,
    Envelope,
    chain_hash,
    encode_payload,
    message_id,
    subject,
)

log = logging.getLogger(__name__)

TRACKING_NAME = "replicator"


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
    )

    def head(self, coop_id: str) -> ChainHead:
        position = self.max_tracking_id(TRACKING_NAME) or 0
        with self.transaction() as cursor:
            row = cursor.execute(
                "SELECT seq, hash FROM replication_chain WHERE coop_id = ?", (coop_id,)
            ).fetchone()
        if row is None:
            return ChainHead(position, 0, GENESIS_HASH)
        return ChainHead(position, row["seq"], row["hash"])

    def record_published(self, coop_id: str, head: ChainHead) -> None:
        with self.transaction() as cursor:
            cursor.execute(
                "INSERT INTO replication_chain (coop_id, seq, hash) VALUES (?, ?, ?) "
                "ON CONFLICT (coop_id) DO UPDATE SET seq = excluded.seq, "
                "hash = excluded.hash",
                (coop_id, head.seq, head.hash),
            )
            self.insert_tracking_in(cursor, Tracking(TRACKING_NAME, head.position))


class Outgoing(NamedTuple):
    subject: str
    envelope: Envelope


def build_envelopes(
    app: CoopNode,
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
        shared = policy.share(app.mapper.to_domain_event(notification))
        if shared is None:
            continue
        payload = encode_payload(shared.payload)
        envelope = Envelope(
            coop_id=app.coop_id,
            seq=notification.id,
            prev_seq=seq,
            event_id=shared.event_id,
            occurred_at=shared.occurred_at,
            schema=shared.payload.SCHEMA,
            payload=msgspec.Raw(payload),
            prev_hash=last_hash,
            hash=chain_hash(last_hash, payload),
        )
        outgoing.append(Outgoing(subject(app.coop_id, shared.stream), envelope))
        seq, last_hash = envelope.seq, envelope.hash
    return outgoing, ChainHead(position, seq, last_hash)


class Replicator:
    """Runs beside the node as an asyncio task; survives broker outages."""

    def __init__(
        self,
        app: CoopNode,
        policy: SharingPolicy,
        state: ReplicationLog,
        servers: Sequence[str],
        *,
        connect_options: dict[str, object] | None = None,
        batch_size: int = 500,
        poll_interval: float = 0.1,
        ack_timeout: float = 2.0,
    ) -> None:
        self.app = app
        self.policy = policy
        self.state = state
        self.servers = list(servers)
        self.connect_options = connect_options or {}
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.ack_timeout = ack_timeout
        self.published = state.head(app.coop_id)
        self.envelopes_published = 0
        self._wake = asyncio.Event()
        self._nc: NATS | None = None

    def wake(self) -> None:
        """Tell the replicator there is something new to publish."""
        self._wake.set()

    async def run(self) -> None:
        backoff = 0.1
        try:
            while True:
                try:
                    await self._connect()
                    await self._replicate()
                    backoff = 0.1
                except (nats.errors.Error, OSError, TimeoutError) as error:
                    # A short outage is routine (broker restarting, stream being
                    # created): say so quietly until it lasts.
                    level = logging.WARNING if backoff >= 2.0 else logging.INFO
                    log.log(
                        level, "replicator of %s: %r; retrying", self.app.coop_id, error
                    )
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 2.0)
        finally:
            if self._nc is not None and not self._nc.is_closed:
                # The broker may have dropped us (e.g. revoked credentials).
                with contextlib.suppress(nats.errors.Error, OSError):
                    await self._nc.close()

    async def _connect(self) -> None:
        if self._nc is not None and not self._nc.is_closed:
            return
        self._nc = await nats.connect(
            self.servers,
            name=f"commonweal-node-{self.app.coop_id}",
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.2,
            connect_timeout=2,
            error_cb=_quiet,
            **self.connect_options,  # type: ignore[arg-type]
        )

    async def _replicate(self) -> None:
        assert self._nc is not None
        js = self._nc.jetstream(timeout=self.ack_timeout)
        while True:
            page = self._next_page()
            if page is None:
                await self._idle()
                continue
            outgoing, head = build_envelopes(
                self.app, self.policy, self.published, *page
            )
            for item in outgoing:
                env = item.envelope
                await js.publish(
                    item.subject,
                    msgspec.json.encode(env),
                    headers={"Nats-Msg-Id": message_id(env.coop_id, env.seq)},
                )
            self.state.record_published(self.app.coop_id, head)
            self.published = head
            self.envelopes_published += len(outgoing)

    def _next_page(self) -> tuple[list[Notification], int] | None:
        """The next shared notifications, and the log position they take us to."""
        last = self.app.recorder.max_notification_id() or 0
        if last <= self.published.position:
            return None
        page = self.app.recorder.select_notifications(
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


async def _quiet(error: Exception) -> None:
    log.debug("nats: %r", error)
