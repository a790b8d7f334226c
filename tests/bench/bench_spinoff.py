"""Benchmark: from `commonweal spinoff` to the new co-op's first event in the
consortium (target under 5 s). Run: python -m tests.bench.bench_spinoff [runs]"""

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from federation.service import ConsortiumService
from node.service import NodeService
from tests.commands import commonweal
from tests.secured import start_secured_hub
from tests.spinoff_parent import load_node, prepare_parent, write_parent


async def one_run(base: Path) -> tuple[float, float]:
    """(seconds command -> first event, seconds the command itself took)"""
    hub = start_secured_hub(base / "hub")
    consortium = ConsortiumService(hub.consortium)
    consortium.start()
    parent_path = write_parent(base, [hub.server.url])
    hub.register("alpha", "Alpha Care")
    registered = load_node(parent_path)
    parent = NodeService(registered)
    parent.found_if_new()
    spinoff, _ = prepare_parent(parent.coop_node)
    parent.coop_node.close()
    new_node = None
    try:
        started = time.monotonic()
        run = commonweal(
            "spinoff", "--parent-config", str(parent_path), "--spinoff", str(spinoff),
            "--consortium-config", str(hub.config_path), "--out", str(base / "nodes"),
        )  # fmt: skip
        command_done = time.monotonic() - started
        assert run.returncode == 0, run.stderr
        new_node = NodeService(
            load_node(base / "nodes" / "riverside-care" / "node.toml")
        )
        new_node.found_if_new()
        new_node.start()
        while consortium.views.position("riverside-care") == 0:
            await asyncio.sleep(0.01)
        return time.monotonic() - started, command_done
    finally:
        if new_node is not None:
            await new_node.stop()
        await consortium.stop()
        hub.server.kill()


def main(runs: int = 5) -> None:
    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="cw-bench-") as tmp:
            results.append(asyncio.run(one_run(Path(tmp))))
    first = [r[0] for r in results]
    command = [r[1] for r in results]
    print(f"spinoff command -> first event in consortium, {runs} runs:")
    print(f"  median {statistics.median(first):.2f} s, max {max(first):.2f} s")
    print(f"  of which the command itself: median {statistics.median(command):.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
