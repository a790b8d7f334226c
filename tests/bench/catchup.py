"""Catch-up throughput: a node with a large store replicates to a fresh consortium.

Run: python -m tests.bench.catchup --events 200000
Shared events per second from node store to consortium projection, for the batched
design and for the naive one (one awaited publish per envelope, one consortium
transaction per envelope), measured in the same run on the same store.
"""

import argparse
import asyncio
import datetime as dt
import random
import shutil
import tempfile
import time
from pathlib import Path

from commonweal.activity import MemberGenerator
from commonweal.config import BrokerConfig, StoreConfig
from commonweal.demo import wait_until_caught_up
from federation.aggregator import Aggregator
from federation.broker import NatsServer
from federation.config import ConsortiumConfig
from federation.service import ConsortiumService
from node.config import NodeConfig, new_secret
from node.membership import Member
from node.rules import profile_named
from node.service import NodeService

SECRET = new_secret()


def node_config(path: Path, servers: list[str]) -> NodeConfig:
    return NodeConfig(
        coop_id="bench",
        name="Bench Care",
        secret=SECRET,
        store=StoreConfig(path=str(path)),
        broker=BrokerConfig(servers=servers),
    )


def generate_store(path: Path, events: int, seed: int = 1) -> int:
    """Write about ``events`` membership events, many aggregates per transaction."""
    node = NodeService(node_config(path, ["nats://127.0.0.1:1"]))
    node.app.found_coop("Bench Care", profile_named("uk_multi_stakeholder"))
    gen = MemberGenerator(seed)
    rng = random.Random(seed)
    classes = node.app.coop().profile.class_names
    day = dt.date(2024, 1, 1)
    written = 1
    while written < events:
        chunk = []
        for _ in range(250):
            member = Member(
                member_class=rng.choice(classes), applied_on=day, **gen.person()
            )
            member.admit(day)
            member.buy_shares(rng.choice([100, 500, 1000]), day)
            if rng.random() < 0.3:
                member.change_class(
                    rng.choice([c for c in classes if c != member.member_class]), day
                )
            if rng.random() < 0.2:
                member.withdraw(day)
            chunk.append(member)
        recordings = node.app.save(*chunk)
        written += len(recordings)
    total = node.app.recorder.max_notification_id()
    node.app.close()
    node.replication_log.factory.close()
    return total


async def replicate(
    store: Path, work: Path, *, naive: bool, timeout: float = 900
) -> tuple[int, float]:
    """Replicate a copy of ``store`` to a fresh consortium; (envelopes, seconds)."""
    work.mkdir()
    node_db = work / "node.db"
    shutil.copy(store, node_db)
    with NatsServer(work / "broker") as server:
        consortium = ConsortiumService(
            ConsortiumConfig(
                store=StoreConfig(path=str(work / "consortium.db")),
                broker=BrokerConfig(servers=[server.url]),
            )
        )
        node = NodeService(node_config(node_db, [server.url]))
        if naive:
            node.replicator.envelopes_per_message = 1
            node.replicator.max_in_flight = 1
            consortium.aggregator = Aggregator(
                consortium.views, [server.url], batch_size=1
            )
        consortium.start()
        await asyncio.sleep(0.5)  # let the stream exist before the clock starts
        started = time.perf_counter()
        node.start()
        await wait_until_caught_up([node], consortium, timeout=timeout)
        elapsed = time.perf_counter() - started
        envelopes = node.replicator.envelopes_published
        await node.stop()
        await consortium.stop()
    return envelopes, elapsed


async def main(events: int) -> None:
    with tempfile.TemporaryDirectory(prefix="cw-bench-") as tmp:
        base = Path(tmp)
        t0 = time.perf_counter()
        total = generate_store(base / "store.db", events)
        print(f"store: {total} events written in {time.perf_counter() - t0:.1f}s")
        batched = await replicate(base / "store.db", base / "batched", naive=False)
        naive = await replicate(base / "store.db", base / "naive", naive=True)
    for name, (envelopes, seconds) in (("batched", batched), ("naive", naive)):
        print(
            f"{name:8} {envelopes} envelopes in {seconds:.2f}s = {envelopes / seconds:,.0f}/s"
        )
    print(f"ratio batched/naive: {naive[1] / batched[1]:.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    asyncio.run(main(parser.parse_args().events))
