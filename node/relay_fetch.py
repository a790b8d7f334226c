"""Reading what the consortium relays to this co-op (schemas.hours): hours
offered to it by another co-op, and answers to the hours it sent.

The consortium puts message n for this co-op on ``cw.relay.<own id>.<n>``, n
dense from 1. The node reads the one after the last it applied, by a direct
get (node.mirror_fetch.direct_get), until there is none, and applies each in the
same save as its new position (node.hours_exchange.apply_relayed): stopped
anywhere, it applies each message once. A message whose signature is not the
consortium's, that does not decode, or that is not the next one for this
co-op, is not applied and the position stays: only the consortium can publish
there, so it means a wrong key or a fault, which the coordinators' page shows
(``error``) and the next poll tries again.
"""

import asyncio
import contextlib
import logging
import threading
from collections import Counter
from collections.abc import Callable

import msgspec
from nats.aio.client import Client as NATS

from node.hours_exchange import Applied, HoursExchangeCommands
from node.mirror_fetch import direct_get
from schemas.hours import (
    OWN_RELAY_PREFIX,
    RELAY_STREAM,
    Relayed,
    decode_relayed,
    relay_subject,
)
from toolkit.broker_connection import BrokerConnection
from toolkit.signing import is_signed_by, verify_key

log = logging.getLogger(__name__)
FETCH_EVERY_SECONDS = 3.0


class RelayRefused(Exception):
    """A relayed message that is not applied: why, in words for the page."""


def checked(data: bytes, signature: str, fetcher: "RelayFetcher", n: int) -> Relayed:
    if not is_signed_by(fetcher.key, data, signature):
        raise RelayRefused(f"message {n} is not signed with the consortium's key")
    try:
        message = decode_relayed(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise RelayRefused(f"message {n} cannot be read: {error}") from None
    if message.recipient != fetcher.app.coop_id:
        raise RelayRefused(f"message {n} is for co-op {message.recipient}")
    if message.n != n:
        raise RelayRefused(f"message {n} says it is number {message.n}")
    return message


class RelayFetcher:
    """Reads and applies the co-op's relayed messages every ``every`` seconds
    and when woken."""

    def __init__(
        self,
        app: HoursExchangeCommands,
        consortium_key: str,
        servers: list[str],
        connect_options: dict[str, object],
        *,
        every: float = FETCH_EVERY_SECONDS,
        on_applied: Callable[[], None] = lambda: None,
    ) -> None:
        self.app = app
        self.key = verify_key(consortium_key)
        self.every = every
        self.on_applied = on_applied
        self.connection = BrokerConnection(servers, "relay-fetcher", connect_options)
        self.applied: Counter[Applied] = Counter()
        # Why the next message was not applied, for the coordinators' page.
        self.error: str | None = None
        self._wake = asyncio.Event()
        # Held while a message is applied in its thread: cancelling ``run``
        # does not stop that thread, so the store must not be closed under it.
        self._applying = threading.Lock()

    def _apply(self, message: Relayed) -> Applied:
        with self._applying:
            return self.app.apply_relayed(message)

    def idle(self) -> None:
        """Wait until no message is being applied (after ``run`` is cancelled)."""
        with self._applying:
            return

    def wake(self) -> None:
        self._wake.set()

    async def fetch(self, nc: NATS) -> int:
        """Apply every message there is after the position; how many."""
        count = 0
        while True:
            n = await asyncio.to_thread(self.app.relay_position) + 1
            subject = relay_subject(self.app.coop_id, n)
            found = await direct_get(nc, RELAY_STREAM, OWN_RELAY_PREFIX, subject)
            if found is None:
                return count
            try:
                message = checked(*found, self, n)
                applied = await asyncio.to_thread(self._apply, message)
            except RelayRefused as refused:
                self._refuse(str(refused))
                return count
            except Exception as error:  # a conflicting write, say: next poll
                self._refuse(f"message {n} could not be applied: {error!r}")
                return count
            self.applied[applied] += 1
            self.error = None
            count += 1
            self.on_applied()

    def _refuse(self, error: str) -> None:
        if error != self.error:
            log.warning("relayed hours not applied: %s", error)
        self.error = error

    async def _fetch_then_wait(self, nc: NATS) -> None:
        await self.fetch(nc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.every)
        self._wake.clear()

    async def run(self) -> None:
        await self.connection.keep_running(
            self._fetch_then_wait, "fetching relayed hours", log
        )
