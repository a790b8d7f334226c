"""Chaos: nothing is lost and nothing counted twice while the broker, node processes
and the consortium aggregator are killed with SIGKILL at random and restarted."""

from pathlib import Path

import pytest

from tests.chaos import Chaos


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reports_are_exact_after_chaos(tmp_path: Path, seed: int) -> None:
    chaos = Chaos(tmp_path, seed)
    try:
        chaos.run(seconds=15)
        chaos.settle()
        assert chaos.differences() == []
    finally:
        chaos.shutdown()
    # The run really was chaotic: every kind of process was killed at least once.
    assert set(chaos.kills) == {"broker", "consortium", "node"}, chaos.kills
