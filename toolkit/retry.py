"""Keeping a long-running task alive through outages: broker down, database busy.

The node's replicator and the consortium's aggregator both run forever and must
survive anything the outside world does to them; this is the one loop they share.
"""

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable

import nats.errors
from eventsourcing.persistence import PersistenceError

# Outages we expect and wait out: the broker restarting, a stream not yet created,
# the database locked, restarted or unreachable.
ROUTINE = (nats.errors.Error, OSError, TimeoutError, PersistenceError)
MIN_BACKOFF = 0.1
MAX_BACKOFF = 2.0
# Failures in a row said at info level before they are worth a warning.
QUIET_FAILURES = 5


class Backoff:
    """Delays between retries with "decorrelated jitter": each one is drawn at
    random between the shortest and three times the last, capped. After a broker
    restart a thousand nodes then come back spread out, not all in the same
    instant, and each still backs off while the outage lasts."""

    def __init__(
        self,
        shortest: float = MIN_BACKOFF,
        longest: float = MAX_BACKOFF,
        rng: random.Random | None = None,
    ) -> None:
        self.shortest = shortest
        self.longest = longest
        self.rng = rng or random.Random()
        self.last = shortest

    def next(self) -> float:
        self.last = min(self.longest, self.rng.uniform(self.shortest, self.last * 3))
        return self.last

    def reset(self) -> None:
        self.last = self.shortest


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
    backoff = Backoff()
    failures = 0
    while True:
        try:
            await work()
            on_error(None)
            backoff.reset()
            failures = 0
            continue
        except ROUTINE as error:
            delay = backoff.next()
            failures += 1
            # Short outages are routine: say so quietly until one lasts.
            level = logging.WARNING if failures > QUIET_FAILURES else logging.INFO
            log.log(level, "%s: %s; retrying in %.1fs", what, describe(error), delay)
            on_error(error)
        except Exception as error:  # a bug must not silently stop replication
            delay = backoff.next()
            log.exception("%s failed unexpectedly; retrying in %.1fs", what, delay)
            on_error(error)
        await asyncio.sleep(delay)


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
