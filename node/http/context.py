"""What every handler of the node's app reaches through ``request.app``."""

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

import jinja2
from aiohttp import web

from node.service import NodeService
from toolkit.web.rate_limit import FailureLimit

T = TypeVar("T")


class Runner:
    """Runs the node's synchronous store commands.

    With workers, off the event loop in a small thread pool (eventsourcing's
    connection pools are thread-safe), so a slow disk or a PostgreSQL round trip
    does not stall other requests or the replicator; with 0 workers, on the loop.
    tests/bench/bench_http.py measures both.
    """

    def __init__(self, workers: int) -> None:
        self._executor = (
            ThreadPoolExecutor(workers, thread_name_prefix="node-cmd")
            if workers
            else None
        )

    async def __call__(self, fn: Callable[..., T], *args: object) -> T:
        if self._executor is None:
            return fn(*args)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(fn, *args))

    def close(self) -> None:
        if self._executor is not None:
            with contextlib.suppress(RuntimeError):
                self._executor.shutdown(wait=True)


NODE = web.AppKey("node", NodeService)
RUNNER = web.AppKey("runner", Runner)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
# Wrong sign-in tokens per client address (node.http.pages).
SIGN_IN_LIMIT = web.AppKey("sign_in_limit", FailureLimit)


async def run(request: web.Request, fn: Callable[..., T], *args: object) -> T:
    return await request.app[RUNNER](fn, *args)


async def write(request: web.Request, fn: Callable[..., T], *args: object) -> T:
    """Run a command that writes, then wake the replicator and the notifier: every
    write route goes through here, so none can forget to."""
    result = await run(request, fn, *args)
    written(request)
    return result


def written(request: web.Request) -> None:
    """After a write: let the replicator publish it now rather than at its next poll."""
    request.app[NODE].wake_replicators()
    request.app[NODE].notifier.wake()
