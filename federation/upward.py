"""A consortium shares its published report upward, to its federation.

The consortium is a member of the federation as a co-op is of a consortium: it
has its own id and nkey there, and it publishes signed, hash-chained, versioned
envelopes (``schemas.envelope``) on ``cw.coop.<its id>.consortium`` at the
federation's broker, which the federation's aggregator (this package's own,
``federation.aggregator``) applies exactly once. Each envelope carries a whole
snapshot (``schemas.consortium``), so the federation keeps the latest.

A snapshot is made when the aggregator has applied new data (after a quiet
``debounce_seconds``) and every ``interval_seconds``; one whose figures equal the
last one sent is not sent again. ``federation.upward_log`` says why a restart
neither loses nor repeats an envelope.
"""

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import NamedTuple

import msgspec
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from federation.config import UpwardConfig
from federation.ingest import ConsortiumViews
from federation.registry import Lineage
from federation.report import build_report
from federation.upward_log import Staged, UpwardLog
from federation.upward_snapshot import upward_snapshot
from schemas import GENESIS_HASH, Envelope, chain_hash, encode_payload
from schemas.consortium import UPWARD_STREAM
from toolkit.broker_connection import BrokerConnection
from toolkit.signing import SIGNATURE_HEADER, Signer, message_id

log = logging.getLogger(__name__)


class UpwardStatus(NamedTuple):
    member_id: str
    seq: int  # the last report made (0: none yet)
    acknowledged: bool
    last_error: str | None  # the outage being waited out, if any


class UpwardPublisher:
    """Runs beside the consortium's aggregator as an asyncio task."""

    def __init__(
        self,
        views: ConsortiumViews,
        lineage: Callable[[], Sequence[Lineage]],
        state: UpwardLog,
        config: UpwardConfig,
        *,
        ack_timeout: float = 5.0,
    ) -> None:
        self.views = views
        self.lineage = lineage
        self.state = state
        self.config = config
        self.member_id = config.member_id
        self.subject = f"cw.coop.{config.member_id}.{UPWARD_STREAM}"
        self.signer = Signer(config.broker.nkey_seed)
        self.broker = BrokerConnection(
            config.broker.servers,
            f"commonweal-upward-{config.member_id}",
            config.broker.connect_options(),
        )
        self.ack_timeout = ack_timeout
        self.published = 0  # envelopes acknowledged by this process
        self._wake = asyncio.Event()

    @property
    def last_error(self) -> str | None:
        return self.broker.last_error

    def status(self) -> "UpwardStatus":
        """What the operations page shows: the last report made, and whether
        the federation's broker has acknowledged it."""
        last = self.state.last(self.member_id)
        return UpwardStatus(
            member_id=self.member_id,
            seq=0 if last is None else last.seq,
            acknowledged=last is not None and last.acknowledged,
            last_error=self.last_error,
        )

    def wake(self) -> None:
        """New data was applied: publish after a quiet moment."""
        self._wake.set()

    async def run(self) -> None:
        await self.broker.keep_running(self._publish_forever, "upward publisher", log)

    async def _publish_forever(self, nc: NATS) -> None:
        js = nc.jetstream(timeout=self.ack_timeout)
        while True:
            await self.publish_once(js)
            self.broker.note_error(None)
            await self._next_round()

    async def _next_round(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.config.interval_seconds)
        # More batches usually follow the first: one snapshot for all of them.
        await asyncio.sleep(self.config.debounce_seconds)

    async def publish_once(self, js: JetStreamContext) -> int | None:
        """Send what the federation has not acknowledged yet: the staged envelope
        first, if a crash left one, then a new snapshot if the figures changed.
        Returns the seq of the last envelope acknowledged now (None: nothing to
        send)."""
        self._wake.clear()  # what is applied from here on wakes the next round
        sent = None
        staged = await asyncio.to_thread(self.state.last, self.member_id)
        if staged is not None and not staged.acknowledged:
            sent = await self._send(js, staged)
        fresh = await asyncio.to_thread(self._stage_snapshot)
        if fresh is not None:
            sent = await self._send(js, fresh)
        return sent

    def _stage_snapshot(self) -> Staged | None:
        """The next envelope, written to the log before it is sent; None when the
        figures are those of the last envelope."""
        today = dt.datetime.now(dt.UTC).date()
        report = build_report(self.views, self.lineage(), today)
        payload_type = upward_snapshot(report, today)
        payload = encode_payload(payload_type)
        last = self.state.last(self.member_id)
        if last is not None and last.payload == payload:
            return None
        seq, prev_hash = (0, GENESIS_HASH) if last is None else (last.seq, last.hash)
        envelope = Envelope(
            coop_id=self.member_id,
            seq=seq + 1,
            prev_seq=seq,
            event_id=f"{self.member_id}:report:{seq + 1}",
            occurred_at=today,
            schema=payload_type.SCHEMA,
            payload=msgspec.Raw(payload),
            prev_hash=prev_hash,
            hash=chain_hash(prev_hash, payload),
        )
        data = msgspec.json.encode(envelope)
        staged = Staged(
            envelope.seq,
            envelope.hash,
            payload,
            self.subject,
            data,
            self.signer.sign(data),
            acknowledged=False,
        )
        self.state.stage(self.member_id, staged)
        return staged

    async def _send(self, js: JetStreamContext, staged: Staged) -> int:
        await js.publish(
            staged.subject,
            staged.data,
            headers={
                "Nats-Msg-Id": message_id(
                    self.member_id, staged.data, staged.signature
                ),
                SIGNATURE_HEADER: staged.signature,
            },
        )
        await asyncio.to_thread(self.state.acknowledge, self.member_id, staged.seq)
        self.published += 1
        log.info("shared report %d upward as %s", staged.seq, self.member_id)
        return staged.seq


async def publish_upward_once(publisher: UpwardPublisher) -> int | None:
    """Connect, send what is due, and close (``commonweal consortium
    publish-upward``)."""
    nc = await publisher.broker.connect()
    try:
        return await publisher.publish_once(nc.jetstream(timeout=publisher.ack_timeout))
    finally:
        await publisher.broker.close()
