"""A running node: the application and its replicator, built from a NodeConfig."""

import asyncio
import datetime as dt
from collections.abc import Callable
from functools import partial
from pathlib import Path

import msgspec

from node.application import CoopNode
from node.closing import ClosingClock
from node.config import NodeConfig
from node.consortia import ConsortiaStatus, consortia_status, replications
from node.erasure_file import (
    ERASURE_FILE,
    append_destroyed,
    destroy_listed,
    read_destroyed,
)
from node.mirror_fetch import MirrorFetcher
from node.notifier import Notifier
from node.outbox import Outbox
from node.relay_fetch import RelayFetcher
from node.replicator import ReplicationLog
from node.rules import profile_named
from node.spinoff import FoundingMember
from toolkit.retry import stop_task


class NodeService:
    def __init__(self, config: NodeConfig) -> None:
        self.config = config
        env = config.store_env()
        self.coop_node = CoopNode(config.coop_id, env)
        self.coop_node.retention = config.retention
        self.coop_node.hours_secret = config.secret_bytes
        if config.base_dir:
            self._keep_erasure_register(config.path(ERASURE_FILE))
        self.replication_log = ReplicationLog.construct(env)
        self.replications = replications(self.coop_node, config, self.replication_log)
        # The [broker] consortium's, as before a node could belong to two.
        self.policy = self.replications[0].policy
        self.replicator = self.replications[0].replicator
        self.outbox = Outbox(env)
        self.notifier = Notifier(
            self.coop_node, self.outbox, config.mail, config.locale
        )
        self.closing = ClosingClock(self.coop_node, on_closed=self._closed)
        # The consortium's comparison of this co-op with the network, if the
        # node knows the key it is signed with.
        self.mirrors = (
            MirrorFetcher(
                self.coop_node,
                config.consortium_key,
                config.broker.servers,
                config.broker.connect_options(),
            )
            if config.consortium_key
            else None
        )
        # Hours relayed to this co-op by its first consortium, which signs
        # them with the same key.
        self.relay = (
            RelayFetcher(
                self.coop_node,
                config.consortium_key,
                config.broker.servers,
                config.broker.connect_options(),
                every=config.relay_every,
                on_applied=self.wake_replicators,
            )
            if config.consortium_key
            else None
        )
        # What time it is where the co-op is, for pages that judge by the
        # clock (a visit is late): a test sets it to a moment of its choosing.
        self.clock: Callable[[dt.tzinfo], dt.datetime] = dt.datetime.now
        self._task: asyncio.Task[None] | None = None  # the first consortium's
        self._further_tasks: list[asyncio.Task[None]] = []
        self._notifier_task: asyncio.Task[None] | None = None
        self._closing_task: asyncio.Task[None] | None = None
        self._mirror_task: asyncio.Task[None] | None = None
        self._relay_task: asyncio.Task[None] | None = None

    def _keep_erasure_register(self, path: Path) -> None:
        """Destroy again the keys the register file lists (this node's store and
        key file may be restored from before an erasure), list in it those only
        the key file has, and have every key destroyed from now on listed."""
        keys = self.coop_node.keys
        destroy_listed(keys, read_destroyed(path))
        for destroyed in keys.destroyed():
            append_destroyed(path, destroyed)
        self.coop_node.on_destroyed = partial(append_destroyed, path)

    def _closed(self) -> None:
        # Results to publish and to tell the members about.
        self.wake_replicators()
        self.notifier.wake()

    def wake_replicators(self) -> None:
        """Something new to publish: every consortium's replicator looks now."""
        for replication in self.replications:
            replication.replicator.wake()

    def consortia_status(self) -> ConsortiaStatus:
        return consortia_status(self.coop_node, self.replications)

    def found_if_new(self) -> None:
        """Found the co-op in its store the first time the node starts; a spin-off's
        runners (the founders file) become its founding members in the same save."""
        if not self.coop_node.is_founded:
            profile = profile_named(self.config.profile)
            if self.config.founders:
                founders = msgspec.json.decode(
                    self.config.path(self.config.founders).read_bytes(),
                    type=list[FoundingMember],
                )
                self.coop_node.found_with_founders(self.config.name, profile, founders)
            else:
                self.coop_node.found_coop(self.config.name, profile)
        if self.config.founders:
            # Their details are in the store now; no second copy stays on disk.
            self.config.path(self.config.founders).unlink(missing_ok=True)

    def start(self) -> None:
        self._task = asyncio.create_task(self.replicator.run(), name="replicator")
        self._further_tasks = [
            asyncio.create_task(
                replication.replicator.run(),
                name=f"replicator of {replication.link.name}",
            )
            for replication in self.replications[1:]
        ]
        self._notifier_task = asyncio.create_task(self.notifier.run(), name="notifier")
        # Its first tick closes what fell due while the node was down.
        self._closing_task = asyncio.create_task(self.closing.run(), name="closing")
        if self.mirrors is not None:
            self._mirror_task = asyncio.create_task(
                self.mirrors.run(), name="mirror-fetcher"
            )
        if self.relay is not None:
            self._relay_task = asyncio.create_task(
                self.relay.run(), name="relay-fetcher"
            )

    @property
    def caught_up(self) -> bool:
        """Everything in the store so far has been published to every consortium
        and acknowledged."""
        last = self.coop_node.recorder.max_notification_id() or 0
        return all(
            replication.replicator.published.position >= last
            for replication in self.replications
        )

    async def stop(self) -> None:
        await stop_task(self._task)
        for task in self._further_tasks:
            await stop_task(task)
        await stop_task(self._notifier_task)
        await stop_task(self._closing_task)
        await stop_task(self._mirror_task)
        await stop_task(self._relay_task)
        # A tick may still run in its thread: closing the store under it crashed.
        await asyncio.to_thread(self.closing.idle)
        if self.mirrors is not None:
            await asyncio.to_thread(self.mirrors.idle)
        if self.relay is not None:
            await asyncio.to_thread(self.relay.idle)
        self.coop_node.close()
        self.outbox.close()
        self.replication_log.factory.close()
