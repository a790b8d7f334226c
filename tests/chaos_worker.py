"""A co-op node that keeps working until it is killed: the chaos test's victim.

Run: python -m tests.chaos_worker NODE_TOML SEED
Each run continues the co-op in the store (found on first start), performing one
random command every few milliseconds while its replicator publishes.
"""

import asyncio
import contextlib
import random
import sys
from pathlib import Path

from node.config import NodeConfig
from node.errors import DomainError
from node.service import NodeService
from tests.chaos_actions import ACTIONS
from toolkit.config import load_config


async def work(config: NodeConfig, seed: int) -> None:
    node = NodeService(config)
    node.found_if_new()
    node.start()
    rng = random.Random(seed)
    while True:
        action = rng.choice(ACTIONS)
        # A refused command writes nothing, as it should; the node carries on.
        with contextlib.suppress(DomainError):
            action(node.coop_node, rng)
        node.replicator.wake()
        await asyncio.sleep(rng.uniform(0.001, 0.01))


if __name__ == "__main__":
    path, seed = Path(sys.argv[1]), int(sys.argv[2])
    asyncio.run(work(load_config(path, NodeConfig), seed))
