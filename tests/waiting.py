"""Waiting for something that happens in the background: a condition, or a
consortium catching up with its nodes; and writes kept going in a thread of
their own while a test does something else (a backup)."""

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from federation.service import ConsortiumService
from node.service import NodeService


async def wait_for(
    condition: Callable[[], bool], timeout: float = 20.0, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@contextmanager
def writing(write: Callable[[int], None], first: int = 0) -> Iterator[list[int]]:
    """``write(first)``, ``write(first + 1)``, ... in a thread of its own while
    the block runs; yields the numbers written so far, a list that grows."""
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        n = first
        while not stop.is_set():
            write(n)
            written.append(n)
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        yield written
    finally:
        stop.set()
        thread.join()


def caught_up(nodes: list[NodeService], consortium: ConsortiumService) -> bool:
    """Every node has published all it holds and the consortium has applied it."""
    return all(
        node.caught_up
        and consortium.views.position(node.config.coop_id)
        >= node.replicator.published.seq
        for node in nodes
    )


async def wait_until_caught_up(
    nodes: list[NodeService], consortium: ConsortiumService, timeout: float = 20.0
) -> None:
    await wait_for(
        lambda: caught_up(nodes, consortium),
        timeout,
        what="the consortium to catch up with its nodes",
    )
