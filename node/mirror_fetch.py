"""Fetching this co-op's mirrors of the network from the consortium's broker.

The consortium keeps the latest mirror of each co-op and month in its mirror
stream; the node reads the ones of this month and the two before by a direct
get of the last message on its own mirror subject, so one it missed while it
was offline is read when it is back. On a secured hub that direct get is the
co-op's own renamed one (``cw.own-mirror.<subject>``, federation.credentials);
on an open broker, JetStream's.
"""

import asyncio
import contextlib
import datetime as dt
import logging
import threading
from collections import Counter
from collections.abc import Callable

from nats.aio.client import Client as NATS
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from node.network_mirror import NetworkMirrorCommands, Receipt
from schemas.mirror import mirror_subject
from toolkit.broker_connection import BrokerConnection
from toolkit.signing import SIGNATURE_HEADER, verify_key

log = logging.getLogger(__name__)

# federation.broker's names (the node may not import federation; a test checks).
MIRROR_STREAM = "CW_MIRROR"
OWN_MIRROR_PREFIX = "cw.own-mirror"
FETCH_EVERY_SECONDS = 3600.0
MONTHS_BACK = 3


def recent_periods(today: dt.date, months: int = MONTHS_BACK) -> list[str]:
    """This month and the ones before it, oldest first ("YYYY-MM")."""
    index = today.year * 12 + today.month - 1
    return [
        f"{(index - back) // 12:04d}-{(index - back) % 12 + 1:02d}"
        for back in reversed(range(months))
    ]


async def last_message(
    nc: NATS, subject: str, timeout: float = 5.0
) -> tuple[bytes, str] | None:
    """The last message on ``subject`` of the mirror stream and its signature,
    or None if there is none (or the broker lets us read none)."""
    return await direct_get(nc, MIRROR_STREAM, OWN_MIRROR_PREFIX, subject, timeout)


async def direct_get(
    nc: NATS, stream: str, own_prefix: str, subject: str, timeout: float = 5.0
) -> tuple[bytes, str] | None:
    """The last message on ``subject`` of ``stream`` and its signature, or None
    if there is none (or the broker lets us read none): asked first as the
    co-op's own renamed direct get (``<own_prefix>.<subject>``, a secured hub),
    then as JetStream's (an open broker)."""
    for request in (
        f"{own_prefix}.{subject}",
        f"$JS.API.DIRECT.GET.{stream}.{subject}",
    ):
        try:
            reply = await nc.request(request, b"", timeout=timeout)
        except (NoRespondersError, NatsTimeout):
            continue
        headers = reply.headers or {}
        status = headers.get("Status")
        if status == "404":
            return None
        if status:
            continue
        return bytes(reply.data), headers.get(SIGNATURE_HEADER, "")
    return None


async def fetch_mirrors(
    nc: NATS,
    coop_id: str,
    receive: Callable[[bytes, str], Receipt],
    today: dt.date,
) -> Counter[Receipt]:
    """Read this co-op's mirrors of the recent months and hand each to
    ``receive`` (in a thread: it writes to the store)."""
    receipts: Counter[Receipt] = Counter()
    for period in recent_periods(today):
        found = await last_message(nc, mirror_subject(coop_id, period))
        if found is not None:
            receipts[await asyncio.to_thread(receive, *found)] += 1
    return receipts


class MirrorFetcher:
    """Fetches the co-op's mirrors at start and then every hour."""

    def __init__(
        self,
        app: NetworkMirrorCommands,
        consortium_key: str,
        servers: list[str],
        connect_options: dict[str, object],
        *,
        every: float = FETCH_EVERY_SECONDS,
    ) -> None:
        self.app = app
        self.key = verify_key(consortium_key)
        self.every = every
        self.connection = BrokerConnection(servers, "mirror-fetcher", connect_options)
        self.received: Counter[Receipt] = Counter()
        self._wake = asyncio.Event()
        # Held while a mirror is stored in its thread: cancelling ``run`` does
        # not stop that thread, so the store must not be closed under it.
        self._receiving = threading.Lock()

    def _receive(self, data: bytes, signature: str) -> Receipt:
        with self._receiving:
            return self.app.receive_mirror(data, signature, self.key)

    def idle(self) -> None:
        """Wait until no mirror is being stored (after ``run`` is cancelled)."""
        with self._receiving:
            return

    def wake(self) -> None:
        """Fetch now rather than at the next hour."""
        self._wake.set()

    async def _fetch_then_wait(self, nc: NATS) -> None:
        today = dt.datetime.now(dt.UTC).date()
        self.received += await fetch_mirrors(nc, self.app.coop_id, self._receive, today)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.every)
        self._wake.clear()

    async def run(self) -> None:
        await self.connection.keep_running(
            self._fetch_then_wait, "fetching the network mirror", log
        )
