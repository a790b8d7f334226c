"""The consortium aggregator: a durable JetStream pull consumer feeding the views.

Each fetched batch is applied in one transaction and acknowledged only after it
commits; a crash in between means redelivery, which the per-co-op tracking
position turns into a no-op. In a partitioned consortium each aggregator reads
one partition of the co-ops (``federation.partitions``).
"""

import contextlib
import logging
from collections.abc import Callable, Sequence

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from federation.broker import FEDERATION_STREAM, ensure_federation_stream
from federation.ingest import ConsortiumViews, Message, Outcome
from federation.partitions import (
    consumer_name,
    partition_subjects,
    published_subject,
)
from toolkit.broker_connection import BrokerConnection
from toolkit.signing import SIGNATURE_HEADER

log = logging.getLogger(__name__)

# How long a fetch waits for more messages once one has arrived.
TOP_UP_SECONDS = 0.02


class Aggregator:
    def __init__(
        self,
        views: ConsortiumViews,
        servers: Sequence[str],
        *,
        durable: str = "consortium",
        partition: int = 0,
        partitions: int = 1,
        connect_options: dict[str, object] | None = None,
        batch_size: int = 500,
        fetch_timeout: float = 1.0,
        stream_options: dict[str, object] | None = None,
    ) -> None:
        self.views = views
        self.partition = partition
        self.partitions = partitions
        self.durable = consumer_name(durable, partition, partitions)
        self.broker = BrokerConnection(
            servers, f"commonweal-consortium-{self.durable}", connect_options
        )
        self.batch_size = batch_size
        self.fetch_timeout = fetch_timeout
        self.stream_options = stream_options or {}
        self.totals = Outcome()
        self.batches = 0
        self.ready = False  # the stream exists and the consumer is about to start
        # Told after a batch that applied something (the upward publisher).
        self.on_applied: Callable[[], None] | None = None

    @property
    def last_error(self) -> str | None:
        """The outage being waited out, if any."""
        return self.broker.last_error

    async def run(self) -> None:
        await self.broker.keep_running(self._consume, "aggregator", log)

    async def _consume(self, nc: NATS) -> None:
        js = nc.jetstream()
        await ensure_federation_stream(
            js,
            partitions=self.partitions,
            **self.stream_options,  # type: ignore[arg-type]
        )
        self.ready = True
        subscription = await js.pull_subscribe(
            partition_subjects(self.partition, self.partitions),
            durable=self.durable,
            stream=FEDERATION_STREAM,
            config=ConsumerConfig(
                # Explicit, per message: with AckPolicy.ALL, acknowledging a batch
                # would also acknowledge older messages that a killed aggregator
                # fetched and never applied, and they would never come back.
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                # A batch fetched by an aggregator that then died comes back after
                # this long; duplicates are harmless, so keep it short.
                ack_wait=5,
                max_ack_pending=20_000,
            ),
        )
        while True:
            # Wait for the first message, then take whatever else is there at
            # once: nats-py's fetch of a batch waits out its whole timeout when
            # fewer messages than the batch are available, which would add that
            # much latency to every quiet moment.
            try:
                fetched = await subscription.fetch(1, timeout=self.fetch_timeout)
            except TimeoutError:
                continue
            if self.batch_size > 1:
                with contextlib.suppress(TimeoutError):
                    fetched += await subscription.fetch(
                        self.batch_size - 1, timeout=TOP_UP_SECONDS
                    )
            messages = [stream_message(msg, self.partitions) for msg in fetched]
            outcome = self.views.apply(messages)
            self.broker.note_error(None)
            for msg in fetched:
                await msg.ack()
            self._count(outcome)

    def _count(self, outcome: Outcome) -> None:
        self.batches += 1
        self.totals.applied += outcome.applied
        self.totals.duplicates += outcome.duplicates
        self.totals.held += outcome.held
        self.totals.dead_letters += outcome.dead_letters
        for reason in outcome.reasons:
            log.warning("dead letter: %s", reason)
        if outcome.applied and self.on_applied is not None:
            self.on_applied()


def stream_message(msg: Msg, partitions: int = 1) -> Message:
    """A JetStream message as the views take it: under the subject it was
    published on."""
    return Message(
        published_subject(msg.subject, partitions),
        msg.data,
        msg.metadata.sequence.stream,
        (msg.headers or {}).get(SIGNATURE_HEADER, ""),
        msg.metadata.timestamp,
    )
