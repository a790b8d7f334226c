"""Chaos for hours that travel between co-ops: no hours made or lost while the
broker, the consortium and both nodes (each a payer and a payee) are SIGKILLed at
random and restarted; every exchange ends confirmed or refunded."""

from pathlib import Path

import pytest

from tests.hours_chaos import HoursChaos


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hours_add_up_after_chaos(tmp_path: Path, seed: int) -> None:
    chaos = HoursChaos(tmp_path, seed)
    try:
        chaos.run(seconds=20)
        chaos.settle()
        assert chaos.differences() == []
        assert chaos.hours_differences() == []
        ended = chaos.exchanges()
    finally:
        chaos.shutdown()
    assert set(chaos.kills) == {"broker", "consortium", "node"}, chaos.kills
    assert all(worker.starts > 1 for worker in chaos.workers), "a node never died"
    # Hours really travelled both ways, and refusals really were refunded.
    assert ended.get("confirmed", 0) >= 10 and ended.get("refunded", 0) >= 2, ended
