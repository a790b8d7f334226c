"""Live latency and offline catch-up.

Run: python -m tests.bench.latency --nodes 50 --seconds 20

Live: ``--nodes`` nodes (each a real NodeService: own SQLite store, own replicator
and broker connection) write an admission every 0.5 s on average (2 events/s each)
while a consortium aggregator runs; latency is from an event's commit at its node
to the commit of the consortium transaction that applied it.

Offline: a 100-member co-op works through a week with the broker down (about 1,000
events: admissions, share purchases, withdrawals); the clock starts when the broker
comes back and stops when the consortium has applied everything.
"""

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

import msgspec

from commonweal.sample_activity import MemberGenerator
from federation.aggregator import Aggregator
from federation.broker import NatsServer
from federation.ingest import ConsortiumViews, Message, Outcome
from node.config import NodeConfig, new_secret
from node.errors import DomainError
from node.service import NodeService
from schemas.envelope import WireBody
from tests.keys import coop_seed, keyring_for
from toolkit.config import BrokerConfig, StoreConfig


class TimedViews(ConsortiumViews):
    """Notes when each (co-op, seq) was committed at the consortium."""

    applied_at: dict[tuple[str, int], float]

    def apply(self, messages: list[Message]) -> Outcome:
        outcome = super().apply(messages)
        now = time.perf_counter()
        for message in messages:
            body = msgspec.json.decode(message.data, type=WireBody)
            for envelope in body if isinstance(body, list) else [body]:
                self.applied_at.setdefault((envelope.coop_id, envelope.seq), now)
        return outcome


def make_node(work: Path, coop_id: str, url: str) -> NodeService:
    node = NodeService(
        NodeConfig(
            coop_id=coop_id,
            name=f"Co-op {coop_id}",
            secret=new_secret(),
            store=StoreConfig(path=str(work / f"{coop_id}.db")),
            broker=BrokerConfig(servers=[url], nkey_seed=coop_seed(coop_id)),
        )
    )
    node.found_if_new()
    return node


def shared(node: NodeService) -> int:
    """How many envelopes the node's store gives: the seq of its last (dense)."""
    topics = sorted(node.policy.topics)
    return len(node.coop_node.recorder.select_notifications(1, 10**9, topics=topics))


def admit(node: NodeService, people: MemberGenerator) -> None:
    member_id = node.coop_node.apply_for_membership(
        member_class="worker", **people.person()
    )
    node.coop_node.admit_member(member_id)
    node.replicator.wake()


async def live(work: Path, nodes: int, seconds: float) -> list[float]:
    with NatsServer(work / "broker") as server:
        views = TimedViews.construct({"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                         "SQLITE_DBNAME": str(work / "consortium.db")}
        )  # fmt: skip
        views.applied_at = {}
        views.keyring = keyring_for(*(f"n{n:03d}" for n in range(nodes)))
        aggregator = Aggregator(views, [server.url])
        consortium = asyncio.create_task(aggregator.run())
        while not aggregator.ready:
            await asyncio.sleep(0.01)
        services = [make_node(work, f"n{n:03d}", server.url) for n in range(nodes)]
        for node in services:
            node.start()
        committed: dict[tuple[str, int], float] = {}

        async def write(node: NodeService, seed: int) -> None:
            rng, people = random.Random(seed), MemberGenerator(seed)
            deadline = time.perf_counter() + seconds
            seq = shared(node)
            while time.perf_counter() < deadline:
                await asyncio.sleep(rng.expovariate(2.0))
                admit(node, people)
                seq += 1  # one admission, one envelope
                committed[(node.config.coop_id, seq)] = time.perf_counter()

        await asyncio.gather(*(write(node, n) for n, node in enumerate(services)))
        while any(key not in views.applied_at for key in committed):
            await asyncio.sleep(0.05)
        for node in services:
            await node.stop()
        consortium.cancel()
        latencies = [views.applied_at[key] - t for key, t in committed.items()]
        views.factory.close()
    return latencies


async def offline(work: Path) -> tuple[int, float]:
    server = NatsServer(work / "offline-broker").start()
    views = ConsortiumViews.construct({"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                          "SQLITE_DBNAME": str(work / "offline-consortium.db")}
    )  # fmt: skip
    views.keyring = keyring_for("offline")
    aggregator = Aggregator(views, [server.url])
    consortium = asyncio.create_task(aggregator.run())
    node = make_node(work, "offline", server.url)
    node.start()
    people, rng = MemberGenerator(1), random.Random(1)
    members = []
    for _ in range(100):  # the co-op as it was, replicated
        members.append(
            node.coop_node.apply_for_membership(
                member_class="worker", **people.person()
            )
        )
        node.coop_node.admit_member(members[-1])
    while views.position("offline") < shared(node):
        await asyncio.sleep(0.05)
    server.kill()
    before = node.coop_node.recorder.max_notification_id() or 0
    while (
        node.coop_node.recorder.max_notification_id() or 0
    ) - before < 1000:  # a week
        try:
            if rng.random() < 0.3:
                members.append(
                    node.coop_node.apply_for_membership(
                        member_class="worker", **people.person()
                    )
                )
                node.coop_node.admit_member(members[-1])
            elif rng.random() < 0.9:
                node.coop_node.buy_shares(rng.choice(members), 100)
            else:
                node.coop_node.withdraw_member(rng.choice(members))
        except DomainError:
            pass
    await asyncio.sleep(3)  # the replicator is well into its retries
    events = (node.coop_node.recorder.max_notification_id() or 0) - before
    server.start()
    started = time.perf_counter()
    last = shared(node)
    while views.position("offline") < last:
        await asyncio.sleep(0.005)
    elapsed = time.perf_counter() - started
    await node.stop()
    consortium.cancel()
    server.kill()
    return events, elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cw-latency-") as tmp:
        latencies = asyncio.run(live(Path(tmp), args.nodes, args.seconds))
        q = statistics.quantiles(latencies, n=100)
        print(
            f"live: {args.nodes} nodes, {len(latencies)} events: "
            f"p50 {q[49] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms"
        )
        events, seconds = asyncio.run(offline(Path(tmp)))
        print(
            f"offline: {events} events caught up {seconds:.2f} s "
            "after the broker returned"
        )


if __name__ == "__main__":
    main()
