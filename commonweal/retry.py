"""Keeping a long-running task alive through outages: broker down, database busy.

The node's replicator and the consortium's aggregator both run forever and must
survive anything the outside world does to them; this is the one loop they share.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

import nats.errors
from eventsourcing.persistence import PersistenceError

# Outages we expect and wait out: the broker restarting, a stream not yet created,
# the database locked, restarted or unreachable.
ROUTINE = (nats.errors.Error, OSError, TimeoutError, PersistenceError)
MAX_BACKOFF = 2.0


async def retry_forever(
    work: Callable[[], Awaitable[None]],
    what: str,
    log: logging.Logger,
    on_error: Callable[[BaseException | None], None] = lambda _: None,
) -> None:
    """Run ``work`` again and again, backing off after each failure.

    ``on_error`` hears of every failure (and of None once work ran cleanly) so the
    owner can report its health.
    """
    backoff = 0.1
    while True:
        try:
            await work()
            on_error(None)
            backoff = 0.1
            continue
        except ROUTINE as error:
            # Short outages are routine: say so quietly until one lasts.
            level = logging.WARNING if backoff >= MAX_BACKOFF else logging.INFO
            log.log(level, "%s: %r; retrying in %.1fs", what, error, backoff)
            on_error(error)
        except Exception as error:  # a bug must not silently stop replication
            log.exception("%s failed unexpectedly; retrying in %.1fs", what, backoff)
            on_error(error)
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, MAX_BACKOFF)
