"""Publishing each co-op's mirror (federation.mirror) where only it can read it.

The mirrors go to their own JetStream stream, ``CW_MIRROR``, one subject per
co-op and month (``schemas.mirror.mirror_subject``) keeping the latest message
of each: a node that was offline when one was published reads it when it comes
back. Co-ops have no JetStream of their own: the hub's users file
(federation.credentials) gives each co-op's user a direct get of the last
message on its own subjects only, renamed ``cw.own-mirror.<subject>``, as it does
for a restored node's last envelope.

Each mirror is signed with the consortium's statement key
(federation.statement_key) in the same header a node signs its envelopes with,
so the node checks it came from the consortium before it reads it.
"""

import asyncio
import datetime as dt
import logging
from pathlib import Path

import msgspec
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from federation.broker import ensure_mirror_stream
from federation.config import ConsortiumConfig
from federation.ingest import ConsortiumViews
from federation.mirror import network_mirrors
from federation.registry import ConsortiumRegistry
from federation.statement_key import statement_signer
from schemas.mirror import NetworkMirror, mirror_subject
from toolkit.broker_connection import BrokerConnection
from toolkit.signing import SIGNATURE_HEADER, Signer

log = logging.getLogger(__name__)

PUBLISH_EVERY_SECONDS = 86400.0


def signed(mirror: NetworkMirror, signer: Signer) -> tuple[bytes, dict[str, str]]:
    data = msgspec.json.encode(mirror)
    return data, {SIGNATURE_HEADER: signer.sign(data)}


async def publish(
    js: JetStreamContext, mirrors: list[NetworkMirror], signer: Signer
) -> int:
    """Publish each mirror on its co-op's subject; how many the stream took."""
    for mirror in mirrors:
        data, headers = signed(mirror, signer)
        await js.publish(
            mirror_subject(mirror.coop_id, mirror.period), data, headers=headers
        )
    return len(mirrors)


def current_mirrors(
    views: ConsortiumViews, registry: ConsortiumRegistry, issued_at: dt.datetime
) -> list[NetworkMirror]:
    """Every registered co-op's mirror as the views stand now."""
    coop_ids = [coop.coop_id for coop in registry.coops()]
    with views.transaction() as cursor:
        return network_mirrors(cursor, coop_ids, issued_at)


async def publish_mirrors(
    nc: NATS,
    config: ConsortiumConfig,
    views: ConsortiumViews,
    registry: ConsortiumRegistry,
) -> int:
    """Compute and publish every registered co-op's mirror now."""
    js = nc.jetstream(timeout=10)
    await ensure_mirror_stream(js, replicas=config.stream_replicas)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    mirrors = await asyncio.to_thread(current_mirrors, views, registry, now)
    return await publish(js, mirrors, statement_signer(config))


def can_sign(config: ConsortiumConfig) -> bool:
    """Whether the config says where the statement key is kept: one built in
    code with no folder (embedded in a test) has nowhere, and publishes no
    mirrors rather than failing to, day after day."""
    return bool(config.base_dir) or Path(config.statement_key_file).is_absolute()


class MirrorPublisher:
    """Publishes every co-op's mirror once at start and then every day."""

    def __init__(
        self,
        config: ConsortiumConfig,
        views: ConsortiumViews,
        registry: ConsortiumRegistry,
        *,
        every: float = PUBLISH_EVERY_SECONDS,
    ) -> None:
        self.config = config
        self.views = views
        self.registry = registry
        self.every = every
        self.connection = BrokerConnection(
            config.broker.servers, "mirror-publisher", config.broker.connect_options()
        )
        self.published = 0  # mirrors published since start

    async def publish_now(self) -> int:
        """Publish every co-op's mirror at once (the demo, once its data is in)."""
        nc = await self.connection.connect()
        published = await publish_mirrors(nc, self.config, self.views, self.registry)
        self.published += published
        return published

    async def _publish_then_wait(self, nc: NATS) -> None:
        self.published += await publish_mirrors(
            nc, self.config, self.views, self.registry
        )
        log.info("published %d network mirrors", self.published)
        await asyncio.sleep(self.every)

    async def run(self) -> None:
        await self.connection.keep_running(
            self._publish_then_wait, "publishing network mirrors", log
        )
