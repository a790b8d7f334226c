"""Catch-up throughput: a node with a large store replicates to a fresh consortium.

Run: python -m tests.bench.catchup --events 200000

Shared events per second from the node's store to the consortium's projections,
with the node's replicator in its own process (as in production) and the consortium
in this one. The reference, measured in the same run on a copy of the same store, is
the naive design: one awaited publish per envelope and one consortium transaction
per envelope. Beside both, what a user would pick instead of a broker:
eventsourcing's own follower projecting the same store's membership counts
(tests.bench.follower).

Two clocks: from launching the node's process (its imports and opening its store
count), and from its replicator's start (the follower's first read).
"""

import argparse
import asyncio
import datetime as dt
import multiprocessing
import random
import shutil
import tempfile
import time
from multiprocessing import Queue
from pathlib import Path
from typing import NamedTuple

from commonweal.sample_activity import MemberGenerator
from federation.aggregator import Aggregator
from federation.broker import NatsServer
from federation.config import ConsortiumConfig
from federation.service import ConsortiumService
from node.config import NodeConfig, new_secret
from node.membership import Member
from node.rules import profile_named
from node.service import NodeService
from tests.bench.follower import follow
from tests.keys import coop_seed, register_coop_key
from toolkit.config import BrokerConfig, StoreConfig

SECRET = new_secret()


def node_config(path: Path, servers: list[str]) -> NodeConfig:
    return NodeConfig(
        coop_id="bench",
        name="Bench Care",
        secret=SECRET,
        store=StoreConfig(path=str(path)),
        broker=BrokerConfig(servers=servers, nkey_seed=coop_seed("bench")),
    )


def generate_store(path: Path, events: int, seed: int = 1) -> int:
    """Write about ``events`` membership events, many aggregates per transaction."""
    node = NodeService(node_config(path, ["nats://127.0.0.1:1"]))
    node.coop_node.found_coop("Bench Care", profile_named("uk_multi_stakeholder"))
    people = MemberGenerator(seed)
    rng = random.Random(seed)
    classes = node.coop_node.coop().profile.class_names
    day = dt.date(2024, 1, 1)
    while (node.coop_node.recorder.max_notification_id() or 0) < events:
        chunk = []
        for _ in range(250):
            joins_as, moves_to = rng.sample(classes, 2)
            member = Member(member_class=joins_as, applied_on=day, **people.person())
            member.admit(day)
            member.buy_shares(rng.choice([100, 500, 1000]), day)
            if rng.random() < 0.3:
                member.change_class(moves_to, day)
            if rng.random() < 0.2:
                member.withdraw(day)
            chunk.append(member)
        node.coop_node.save(*chunk)
    total = node.coop_node.recorder.max_notification_id() or 0
    # A running node's notifier composed each event's mail as it was written: the
    # backlog is the replicator's alone (as after a broker outage), not 16,000
    # welcome emails to compose beside it.
    node.outbox.queue([], total)
    node.coop_node.close()
    node.outbox.close()
    node.replication_log.factory.close()
    return total


def shared_seqs(node_db: Path) -> tuple[int, int]:
    """How many envelopes the store will give, and the seq of the last one
    (dense: their number)."""
    node = NodeService(node_config(node_db, ["nats://127.0.0.1:1"]))
    ids = []
    start = 1
    while page := node.coop_node.recorder.select_notifications(
        start=start, limit=10_000, topics=sorted(node.policy.topics)
    ):
        ids += [n.id for n in page]
        start = page[-1].id + 1
    node.coop_node.close()
    node.replication_log.factory.close()
    return len(ids), len(ids)


def run_replicator(
    node_db: str, servers: list[str], naive: bool, started: "Queue[float]"
) -> None:
    """The node's side, in its own process; puts when its replicator starts."""

    async def run() -> None:
        node = NodeService(node_config(Path(node_db), servers))
        if naive:
            node.replicator.envelopes_per_message = 1
            node.replicator.max_in_flight = 1
        started.put(time.monotonic())  # the same clock in every process
        node.start()
        while not node.caught_up:
            await asyncio.sleep(0.01)
        await node.stop()

    asyncio.run(run())


class Run(NamedTuple):
    envelopes: int
    seconds: float  # from launching the node's process
    replicating: float  # from its replicator's start (imports and store opened)


async def replicate(store: Path, work: Path, *, naive: bool) -> Run:
    """Replicate a copy of ``store`` to a fresh consortium."""
    work.mkdir()
    node_db = work / "node.db"
    shutil.copy(store, node_db)
    envelopes, last_seq = shared_seqs(node_db)
    with NatsServer(work / "broker") as server:
        consortium = ConsortiumService(
            ConsortiumConfig(
                store=StoreConfig(path=str(work / "consortium.db")),
                registry=StoreConfig(path=str(work / "registry.db")),
                broker=BrokerConfig(servers=[server.url]),
            )
        )
        register_coop_key(consortium.registry, "bench", "Bench Care")
        if naive:
            consortium.aggregator = Aggregator(
                consortium.views, [server.url], batch_size=1
            )
        consortium.start()
        await asyncio.sleep(0.5)  # the stream exists before the clock starts
        spawn = multiprocessing.get_context("spawn")
        replicator_started: Queue[float] = spawn.Queue()
        node = spawn.Process(
            target=run_replicator,
            args=(str(node_db), [server.url], naive, replicator_started),
        )
        launched = time.monotonic()
        node.start()
        while consortium.views.position("bench") < last_seq:
            await asyncio.sleep(0.005)
        done = time.monotonic()
        node.join()
        await consortium.stop()
    started = replicator_started.get()
    return Run(envelopes, done - launched, done - started)


async def main(events: int) -> None:
    with tempfile.TemporaryDirectory(prefix="cw-bench-") as tmp:
        base = Path(tmp)
        written = time.perf_counter()
        total = generate_store(base / "store.db", events)
        written = time.perf_counter() - written
        print(f"store: {total} events written in {written:.1f}s")
        batched = await replicate(base / "store.db", base / "batched", naive=False)
        follower = followed(base / "store.db", base / "follower")
        naive = await replicate(base / "store.db", base / "naive", naive=True)
    print("design: events, then events/s from launching the node's process, and")
    print("from its replicator's (the follower's) first read")
    for name, run in (("batched", batched), ("naive", naive)):
        print(
            f"{name:9} {run.envelopes} envelopes: "
            f"{run.envelopes / run.seconds:,.0f}/s in {run.seconds:.2f}s, "
            f"{run.envelopes / run.replicating:,.0f}/s in {run.replicating:.2f}s"
        )
    events, seconds = follower
    print(
        f"follower  {events} events, eventsourcing Projection reading the node's "
        f"SQLite store directly: {events / seconds:,.0f}/s in {seconds:.2f}s"
    )
    print(f"batched / naive: {naive.seconds / batched.seconds:.1f}x")
    print(f"batched / follower: {seconds / batched.replicating:.2f}x (per event)")


def followed(store: Path, work: Path) -> tuple[int, float]:
    """eventsourcing's own follower, on a copy of the same store."""
    work.mkdir()
    shutil.copy(store, work / "node.db")
    return follow(work / "node.db", work / "view.db")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    asyncio.run(main(parser.parse_args().events))
