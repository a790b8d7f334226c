"""Keeping a long-running task alive through outages: broker down, database busy.

The node's replicator and the consortium's aggregator both run forever and must
survive anything the outside world does to them; this is the one loop they share.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import nats.errors
from eventsourcing.persistence import PersistenceError

# Outages we expect and wait out: the broker restarting, a stream not yet created,
# the database locked, restarted or unreachable.
ROUTINE = (nats.errors.Error, OSError, TimeoutError, PersistenceError)
MAX_BACKOFF = 2.0


def describe(error: BaseException) -> str:
    """An error as people need it: nats-py's reprs drop the broker's reason."""
    text = str(error)
    name = type(error).__name__
    return f"{name}: {text}" if text and name not in text else text or name


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
            log.log(level, "%s: %s; retrying in %.1fs", what, describe(error), backoff)
            on_error(error)
        except Exception as error:  # a bug must not silently stop replication
            log.exception("%s failed unexpectedly; retrying in %.1fs", what, backoff)
            on_error(error)
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, MAX_BACKOFF)


async def stop_task(task: asyncio.Task[None] | None) -> None:
    """Cancel a long-running task and wait until it has really ended.

    nats-py swallows a cancellation that lands inside some of its awaits (a
    publish's flush, a fetch), and ``retry_forever`` would then carry on: so one
    cancel() may be lost, and this repeats it until the task is done.
    """
    if task is None:
        return
    while not task.done():
        task.cancel()
        await asyncio.wait([task], timeout=0.5)
    with contextlib.suppress(asyncio.CancelledError):
        await task
