"""A co-op node whose members keep earning hours and sending them to the other
co-op until it is killed: the hours chaos test's victim (tests.hours_chaos).

Run: python -m tests.hours_worker NODE_TOML SEED
"""

import asyncio
import contextlib
import random
import sys
from pathlib import Path
from uuid import UUID

import msgspec

from node.application import CoopNode
from node.config import NodeConfig
from node.errors import DomainError
from node.service import NodeService
from node.timebank import time_account_id
from schemas.hours import MAX_MINUTES
from tests.hours_chaos import CODES
from toolkit.config import load_config

# Sent to a co-op no consortium knows, and with a code no member holds: both
# must come back as refunds.
NOWHERE = "coop-nowhere"
NO_ONE = "ZZZZ-ZZZZ"


def earn(
    app: CoopNode, rng: random.Random, members: list[UUID], _: str, __: list[str]
) -> None:
    app.transfer_time(
        time_account_id(None),
        time_account_id(rng.choice(members)),
        rng.randrange(30, 600),
        "volunteering",
    )


def send(
    app: CoopNode,
    rng: random.Random,
    members: list[UUID],
    partner: str,
    codes: list[str],
) -> None:
    roll = rng.random()
    payee, reference = partner, rng.choice(codes)
    if roll < 0.1:
        reference = ""  # to the partner's pool
    elif roll < 0.15:
        reference = NO_ONE
    elif roll < 0.2:
        payee = NOWHERE
    minutes = rng.randrange(15, 240) if rng.random() < 0.9 else MAX_MINUTES
    app.send_hours(rng.choice(members), payee, minutes, reference)


async def work(config: NodeConfig, seed: int) -> None:
    node = NodeService(config)
    node.start()
    app = node.coop_node
    partner = "coop-1" if config.coop_id == "coop-0" else "coop-0"
    codes = msgspec.json.decode(
        config.path(CODES.format(coop_id=partner)).read_bytes(), type=list[str]
    )
    members = [m.id for m in app.members() if m.status == "admitted"]
    rng = random.Random(seed)
    while True:
        action = rng.choice([earn, send, send])
        # A refused command (not enough hours) writes nothing; carry on.
        with contextlib.suppress(DomainError):
            action(app, rng, members, partner, codes)
        node.wake_replicators()
        await asyncio.sleep(rng.uniform(0.01, 0.05))


if __name__ == "__main__":
    path, seed = Path(sys.argv[1]), int(sys.argv[2])
    asyncio.run(work(load_config(path, NodeConfig), seed))
