"""A limit on failures per client address in a sliding window: enough to stop a
script guessing sign-in tokens, never in the way of a person mistyping."""

import time
from collections import deque
from collections.abc import Callable


class FailureLimit:
    def __init__(
        self,
        failures: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures = failures
        self.window = window_seconds
        self.clock = clock
        self._seen: dict[str, deque[float]] = {}

    def blocked(self, address: str) -> bool:
        """Whether ``address`` has used up its failures in the current window."""
        recent = self._seen.get(address)
        if recent is None:
            return False
        cutoff = self.clock() - self.window
        while recent and recent[0] <= cutoff:
            recent.popleft()
        if not recent:
            del self._seen[address]  # a quiet address is forgotten
            return False
        return len(recent) >= self.failures

    def failed(self, address: str) -> None:
        self._seen.setdefault(address, deque()).append(self.clock())
