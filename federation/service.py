"""A running consortium: views and aggregator, built from a ConsortiumConfig."""

import asyncio
import datetime as dt

from federation.activity import Silence, last_applied, silences
from federation.aggregator import Aggregator
from federation.config import ConsortiumConfig
from federation.ingest import ConsortiumViews
from federation.keyring import Keyring
from federation.mirror_publisher import MirrorPublisher, can_sign
from federation.partition_lock import PartitionLock
from federation.registry import ConsortiumRegistry
from federation.relay import RelayPublisher
from federation.report import ConsortiumReport, build_report
from federation.statement_key import statement_signer
from federation.upward import UpwardPublisher
from federation.upward_log import UpwardLog
from toolkit.broker_connection import BrokerConnection
from toolkit.retry import stop_task


class ConsortiumService:
    def __init__(self, config: ConsortiumConfig) -> None:
        self.config = config
        self.views = ConsortiumViews.construct(config.store_env())
        self.registry = ConsortiumRegistry(config.registry_env())
        self.views.keyring = Keyring(self.registry.signing_keys, self._registry_version)
        self.aggregator = Aggregator(
            self.views,
            config.broker.servers,
            durable=config.durable,
            partition=config.partition,
            partitions=config.partitions,
            connect_options=config.broker.connect_options(),
            stream_options={
                "replicas": config.stream_replicas,
                "max_bytes": config.stream_max_bytes or None,
            },
        )
        self.mirrors = MirrorPublisher(config, self.views, self.registry)
        self._task: asyncio.Task[None] | None = None
        # A member of a federation of consortia: shares its report upward. In a
        # partitioned consortium one process does (partition 0): the envelopes
        # form one chain, which two writers would fork.
        self.upward: UpwardPublisher | None = None
        self._upward_task: asyncio.Task[None] | None = None
        if config.upward is not None and config.partition == 0:
            self.upward = UpwardPublisher(
                self.views,
                self.registry.lineage,
                UpwardLog(self.views),
                config.upward,
            )
        # Hours between co-ops are relayed by one process too (partition 0), and
        # only by a consortium that can sign what it relays.
        self.relay: RelayPublisher | None = None
        self._relay_task: asyncio.Task[None] | None = None
        if config.partition == 0 and can_sign(config):
            self.relay = RelayPublisher(
                self.views,
                lambda coop_id: self.registry.find(coop_id) is not None,
                statement_signer(config),
                BrokerConnection(
                    config.broker.servers,
                    "commonweal-relay",
                    config.broker.connect_options(),
                ),
                replicas=config.stream_replicas,
            )
        self.aggregator.on_applied = self._applied
        self._mirror_task: asyncio.Task[None] | None = None
        # A partition is applied by one process at a time (federation.partition_lock).
        self.lock = (
            PartitionLock(config.store, config.partition)
            if config.partitions > 1
            else None
        )

    def start(self) -> None:
        self._task = asyncio.create_task(self._aggregate(), name="aggregator")
        if self.upward is not None:
            self._upward_task = asyncio.create_task(self.upward.run(), name="upward")
        # Every process reads the same views; one publishes the mirrors.
        if self.config.partition == 0 and can_sign(self.config):
            self._mirror_task = asyncio.create_task(
                self.mirrors.run(), name="mirror-publisher"
            )
        if self.relay is not None:
            self._relay_task = asyncio.create_task(self.relay.run(), name="relay")

    def _applied(self) -> None:
        """A batch was applied: tell whoever publishes from the views."""
        if self.upward is not None:
            self.upward.wake()
        if self.relay is not None:
            self.relay.wake()

    async def _aggregate(self) -> None:
        if self.lock is not None:
            await self.lock.acquire()
        await self.aggregator.run()

    def report(self, as_of: dt.date | None = None) -> ConsortiumReport:
        return build_report(self.views, self.registry.lineage(), as_of)

    def _registry_version(self) -> int:
        """The registry's last event: it changes whenever the registry does."""
        return self.registry.recorder.max_notification_id() or 0

    def silent_coops(self) -> list[Silence]:
        """Registered co-ops not heard from for ``silent_after_seconds``."""
        with self.views.transaction() as cursor:
            applied = last_applied(cursor)
        registered = [
            (c.coop_id, c.name, c.registered_on) for c in self.registry.coops()
        ]
        return silences(registered, applied, self.config.silent_after_seconds)

    async def stop(self) -> None:
        await stop_task(self._upward_task)
        await stop_task(self._task)
        await stop_task(self._mirror_task)
        await stop_task(self._relay_task)
        if self.lock is not None:
            self.lock.release()
        self.views.factory.close()
        self.registry.close()
