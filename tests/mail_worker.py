"""A node that only notifies, until it is killed: the mail crash test's victim.

Run: python -m tests.mail_worker NODE_TOML
"""

import asyncio
import sys
from pathlib import Path

from node.config import NodeConfig
from node.service import NodeService
from toolkit.config import load_config


async def work(config: NodeConfig) -> None:
    node = NodeService(config)
    node.start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(work(load_config(Path(sys.argv[1]), NodeConfig)))
