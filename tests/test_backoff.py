"""Retries after an outage are spread out: many processes backing off from the
same broker restart do not all come back in the same instant."""

import random
import statistics
from collections import Counter

from toolkit.retry import MAX_BACKOFF, MIN_BACKOFF, Backoff


def delays(seed: int, count: int = 8) -> list[float]:
    backoff = Backoff(rng=random.Random(seed))
    return [backoff.next() for _ in range(count)]


def test_delays_stay_within_bounds() -> None:
    for seed in range(1000):
        assert all(MIN_BACKOFF <= d <= MAX_BACKOFF for d in delays(seed))


def test_a_thousand_processes_retry_at_different_moments() -> None:
    runs = [delays(seed) for seed in range(1000)]
    for attempt in range(1, 9):
        # When each process makes its attempt-th retry, counted from the outage.
        moments = [sum(run[:attempt]) for run in runs]
        # No millisecond holds more than 2% of the processes, and they are
        # spread out rather than bunched around one instant.
        busiest = Counter(round(m, 3) for m in moments).most_common(1)[0][1]
        assert busiest <= 20
        assert statistics.pstdev(moments) > 0.05
    assert max(sum(run[:5]) for run in runs) - min(sum(run[:5]) for run in runs) > 3


def test_delays_grow_while_the_outage_lasts_and_start_short_again() -> None:
    runs = [delays(seed) for seed in range(1000)]
    first = statistics.mean(run[0] for run in runs)
    later = statistics.mean(run[6] for run in runs)
    assert first < 0.25 < 1.0 < later

    backoff = Backoff(rng=random.Random(7))
    for _ in range(10):
        backoff.next()
    backoff.reset()
    assert backoff.next() <= 3 * MIN_BACKOFF
