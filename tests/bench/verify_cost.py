"""What checking signatures costs the consortium's ingest.

Run: python -m tests.bench.verify_cost --coops 5 --members 100 --runs 5

Co-ops with a realistic history (membership, six weeks of care, a general
meeting; ``commonweal.sample_activity``) replicate through their real, signing
``Replicator``s to a real nats-server, twice: packed as a node catching up packs
(up to 250 envelopes a message) and one envelope a message (a node publishing
as things happen: one signature to check per envelope, the worst case). Each
stream is then ingested into a fresh consortium store (SQLite), alternately with
the keyring checking every signature and with a keyring that checks nothing, two
ways:

- aggregator: the real ``Aggregator`` over the stream (fetch, apply, acknowledge
  each message), timed from its consumer being ready to the last envelope
  applied: the consortium's ingest rate;
- in memory: the messages, read back once with their signature headers and store
  times, applied in batches of 500 by ``ConsortiumViews.apply`` alone. Leaving the
  broker out makes verification's share larger, not smaller.
"""

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import nats
from nats.js.api import AckPolicy, ConsumerConfig

from commonweal.sample_activity import (
    generate_care,
    generate_governance,
    generate_membership,
)
from federation.aggregator import Aggregator, stream_message
from federation.broker import FEDERATION_STREAM, NatsServer, ensure_federation_stream
from federation.ingest import ConsortiumViews, Message
from federation.keyring import Keyring
from node.service import NodeService
from tests.configs import node_config
from tests.keys import keyring_for
from toolkit.config import StoreConfig
from toolkit.retry import stop_task

BATCH = 500
SHARED = ["membership", "governance", "care", "timebank"]


class TrustingKeyring(Keyring):
    """Takes every message as signed: ingest as it was before signatures."""

    def check(
        self, coop_id: str, data: bytes, signature: str, stored_at: dt.datetime
    ) -> int | None:
        return None


def generate(folder: Path, coops: int, members: int) -> list[str]:
    coop_ids = [f"bench-{n}" for n in range(coops)]
    for n, coop_id in enumerate(coop_ids):
        store = StoreConfig(path=str(folder / f"{coop_id}.db"))
        node = NodeService(node_config(coop_id, store, ["nats://127.0.0.1:1"]))
        node.found_if_new()
        app = node.coop_node
        generate_membership(app, members=members, seed=n, start=dt.date(2025, 1, 1))
        generate_care(app, seed=n, start=dt.date(2026, 6, 1), days=45)
        generate_governance(app, seed=n, day=dt.date(2026, 7, 20))
        app.close()
        node.replication_log.factory.close()
    return coop_ids


async def replicate(
    server: NatsServer, folder: Path, coop_ids: list[str], per_message: int
) -> list[Message]:
    """The co-ops' stores published from the start to ``server``; returns what the
    stream holds, as the aggregator hands it over."""
    nc = await nats.connect(server.url)
    js = nc.jetstream()
    await ensure_federation_stream(js)
    for coop_id in coop_ids:
        # A copy per run: the replicator records what it has published.
        source = folder / f"{coop_id}.db"
        copy = folder / f"{coop_id}-{per_message}.db"
        copy.write_bytes(source.read_bytes())
        store = StoreConfig(path=str(copy))
        node = NodeService(
            node_config(
                coop_id,
                store,
                [server.url],
                share=["membership", "governance", "care", "timebank"],
            )
        )
        node.replicator.envelopes_per_message = per_message
        node.start()
        while not node.caught_up:
            await asyncio.sleep(0.02)
        await node.stop()
    subscription = await js.pull_subscribe(
        "cw.coop.>",
        durable="read",
        stream=FEDERATION_STREAM,
        config=ConsumerConfig(ack_policy=AckPolicy.NONE),
    )
    messages: list[Message] = []
    while True:
        try:
            fetched = await subscription.fetch(1000, timeout=1)
        except TimeoutError:
            break
        messages += [stream_message(msg) for msg in fetched]
    await nc.close()
    return messages


async def aggregated(url: str, keyring: Keyring, envelopes: int) -> float:
    """Seconds for an Aggregator to apply the whole stream to a fresh store."""
    store = StoreConfig(path=str(Path(tempfile.mkdtemp()) / "views.db"))
    views = ConsortiumViews.construct(store.env())
    views.keyring = keyring
    aggregator = Aggregator(views, [url], durable=f"timed{uuid.uuid4().hex[:6]}")
    task = asyncio.create_task(aggregator.run())
    while not aggregator.ready:
        await asyncio.sleep(0.001)
    started = time.perf_counter()
    while aggregator.totals.applied < envelopes:
        if aggregator.totals.dead_letters or aggregator.last_error:
            raise RuntimeError(f"ingest failed: {aggregator.totals}")
        await asyncio.sleep(0.002)
    elapsed = time.perf_counter() - started
    await stop_task(task)
    views.factory.close()
    return elapsed


def ingest(
    folder: Path, messages: list[Message], keyring: Keyring
) -> tuple[float, int]:
    """Seconds to apply ``messages`` to a fresh store, and envelopes applied."""
    store = StoreConfig(path=str(folder / f"views-{uuid.uuid4().hex[:8]}.db"))
    views = ConsortiumViews.construct(store.env())
    views.keyring = keyring
    applied = 0
    started = time.perf_counter()
    for start in range(0, len(messages), BATCH):
        outcome = views.apply(messages[start : start + BATCH])
        if outcome.dead_letters:
            raise RuntimeError(f"dead letters: {outcome.reasons[:3]}")
        applied += outcome.applied
    elapsed = time.perf_counter() - started
    views.factory.close()
    return elapsed, applied


def measure(folder: Path, coop_ids: list[str], per_message: int, runs: int) -> None:
    server = NatsServer(folder / f"broker-{per_message}").start()
    try:
        messages = asyncio.run(replicate(server, folder, coop_ids, per_message))
        envelopes = ingest(folder, messages, keyring_for(*coop_ids))[1]
        costs: dict[tuple[str, str], list[float]] = {}
        for _ in range(runs):  # alternate, so drift hits both alike
            for verified, keyring in (
                ("without", TrustingKeyring()),
                ("with", keyring_for(*coop_ids)),
            ):
                seconds = asyncio.run(aggregated(server.url, keyring, envelopes))
                costs.setdefault(("aggregator", verified), []).append(seconds)
                seconds = ingest(folder, messages, keyring)[0]
                costs.setdefault(("in memory", verified), []).append(seconds)
    finally:
        server.kill()
    print(
        f"{per_message} envelope(s) a message: {len(messages)} messages, "
        f"{envelopes} envelopes; medians of {runs} runs",
        flush=True,
    )
    for path in ("aggregator", "in memory"):
        before = statistics.median(costs[(path, "without")]) * 1e6 / envelopes
        after = statistics.median(costs[(path, "with")]) * 1e6 / envelopes
        print(
            f"  {path}: {before:.1f} -> {after:.1f} us per envelope "
            f"(+{(after / before - 1) * 100:.1f}%); ingest rate "
            f"{1e6 / before:,.0f} -> {1e6 / after:,.0f} envelopes/s "
            f"(-{(1 - before / after) * 100:.1f}%)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--coops", type=int, default=5)
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        coop_ids = generate(folder, args.coops, args.members)
        for per_message in (250, 1):
            measure(folder, coop_ids, per_message, args.runs)


if __name__ == "__main__":
    main()
