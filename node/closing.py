"""The node's clock for ballots: at a motion's closing time the node closes and
counts its ballot by itself (``MotionCommands.close_due``), and on start it
closes every one whose time passed while it was down.

One tick reads the time and closes what is due; ticks are safe to repeat (a
ballot closes once), so the loop only has to run often enough.
"""

import asyncio
import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Callable
from uuid import UUID

from node.motions import MotionCommands, now_utc

log = logging.getLogger(__name__)
INTERVAL = 15.0  # seconds between ticks: a ballot closes at most this late


class ClosingClock:
    def __init__(
        self,
        coop_node: MotionCommands,
        *,
        interval: float = INTERVAL,
        clock: Callable[[], dt.datetime] = now_utc,
        on_closed: Callable[[], None] = lambda: None,
    ) -> None:
        self.coop_node = coop_node
        self.interval = interval
        self.clock = clock
        self.on_closed = on_closed
        self._wake = asyncio.Event()
        # Held while a tick runs in its thread: cancelling ``run`` does not stop
        # that thread, so the store must not be closed under it (``idle``).
        self._ticking = threading.Lock()

    def tick(self) -> list[UUID]:
        """Close what is due now; the motions counted."""
        with self._ticking:
            return self.coop_node.close_due(self.clock())

    def idle(self) -> None:
        """Wait until no tick is running (after ``run`` is cancelled)."""
        with self._ticking:
            return

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                counted = await asyncio.to_thread(self.tick)
            except Exception:  # a store hiccup: try again at the next tick
                log.exception("closing ballots due failed")
                counted = []
            if counted:
                self.on_closed()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()
