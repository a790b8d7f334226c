"""A long-lived connection to the NATS broker, for tasks that run forever beside a
service: the node's replicator, the consortium's aggregator and its lag poller.

nats-py reconnects on its own while a connection lives; this opens a new one when
the last has closed, keeps nats-py's error callback quiet (an outage is ours to
report, once, not a traceback per reconnect attempt) and remembers the outage
being waited out, for health checks.
"""

import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

import nats
from nats.aio.client import Client as NATS

from toolkit.retry import describe, retry_forever

log = logging.getLogger(__name__)


class BrokerConnection:
    def __init__(
        self,
        servers: Sequence[str],
        name: str,
        options: Mapping[str, object] | None = None,
    ) -> None:
        self.servers = list(servers)
        self.name = name
        self.options = dict(options or {})  # credentials, TLS (BrokerConfig)
        self.client: NATS | None = None
        self.last_error: str | None = None  # the outage being waited out, if any

    async def connect(self) -> NATS:
        """The open connection, or a new one if there is none."""
        if self.client is None or self.client.is_closed:
            self.client = await nats.connect(
                self.servers,
                name=self.name,
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.2,
                connect_timeout=2,
                error_cb=_quiet,
                **self.options,
            )
        return self.client

    @property
    def connected(self) -> bool:
        """Whether the broker can be reached now (for health checks)."""
        return self.client is not None and self.client.is_connected

    def note_error(self, error: BaseException | None) -> None:
        """Remember ``error`` as the outage being waited out; None: it is over."""
        self.last_error = None if error is None else describe(error)

    async def keep_running(
        self,
        work: Callable[[NATS], Awaitable[None]],
        what: str,
        logger: logging.Logger,
    ) -> None:
        """Run ``work`` over the connection for ever, through outages (see
        ``toolkit.retry.retry_forever``); close the connection when stopped."""

        async def connect_and_work() -> None:
            await work(await self.connect())

        try:
            await retry_forever(connect_and_work, what, logger, self.note_error)
        finally:
            await self.close()

    async def close(self) -> None:
        if self.client is not None and not self.client.is_closed:
            # The broker may have dropped us already (e.g. revoked credentials).
            with contextlib.suppress(nats.errors.Error, OSError):
                await self.client.close()


async def _quiet(error: Exception) -> None:
    # Without this callback nats-py logs every failed reconnect attempt as an
    # error with its traceback.
    log.debug("nats: %r", error)
