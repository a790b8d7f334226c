"""Chaos with the consortium split in two: the broker, node processes and each
partition's aggregator process are killed with SIGKILL at random and restarted,
and the report read from the shared PostgreSQL store is still exact."""

from collections.abc import Callable
from pathlib import Path

import pytest

from federation.partitions import partition_of
from tests.chaos import Chaos
from toolkit.config import StoreConfig


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_partitioned_reports_are_exact_after_chaos(
    tmp_path: Path, seed: int, pg_store_factory: Callable[[], StoreConfig]
) -> None:
    chaos = Chaos(tmp_path, seed, partitions=2, store=pg_store_factory())
    # The co-ops fall in both partitions, so both processes have work to lose.
    assert {partition_of(f"coop-{n}", 2) for n in range(chaos.nodes)} == {0, 1}
    try:
        chaos.run(seconds=15)
        chaos.settle()
        assert chaos.differences() == []
    finally:
        chaos.shutdown()
    assert set(chaos.kills) == {"broker", "partition-0", "partition-1", "node"}, (
        chaos.kills
    )
