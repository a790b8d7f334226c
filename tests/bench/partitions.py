"""Ingest split across 1, 2 and 4 aggregator processes (federation.partitions).

Run: python -m tests.bench.partitions --coops 48 --rounds 3

The co-ops' real stores (tests.bench.scale generates them once into
``--stores``) are replicated once by their real replicators to a nats-server;
the messages are read back and, for each number of aggregators N, published
again into a fresh federation stream split N ways, under the co-ops' own
signatures. Then N aggregator processes (one per partition, each with its own
durable consumer and PostgreSQL connection) are released together and the clock
runs until every co-op's tracked position in the shared PostgreSQL store is its
last seq. Rounds alternate 1, 2, 4, 1, 2, 4, ... so the machine's other load
falls on each alike; the median of the rounds is reported.
"""

import argparse
import asyncio
import multiprocessing
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import NamedTuple

import nats

from federation.aggregator import Aggregator
from federation.broker import FEDERATION_STREAM, NatsServer, ensure_federation_stream
from federation.ingest import ConsortiumViews
from federation.partitions import partition_of
from tests.bench.scale import coop_id_of, ensure_stores, replicate
from tests.keys import keyring_for
from tests.postgres import ENV_VAR, Postgres, named, private_postgres
from toolkit.config import StoreConfig
from toolkit.signing import SIGNATURE_HEADER


class Stored(NamedTuple):
    subject: str
    data: bytes
    signature: str


async def read_stream(url: str) -> list[Stored]:
    """Every message of the federation stream, in order, as it was published."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(FEDERATION_STREAM)
        reader = await js.pull_subscribe("cw.coop.>", stream=FEDERATION_STREAM)
        stored: list[Stored] = []
        while len(stored) < info.state.messages:
            for msg in await reader.fetch(1000, timeout=2):
                headers = msg.headers or {}
                stored.append(
                    Stored(msg.subject, msg.data, headers.get(SIGNATURE_HEADER, ""))
                )
                await msg.ack()
        return stored
    finally:
        await nc.close()


async def publish_split(url: str, messages: list[Stored], partitions: int) -> None:
    """A fresh federation stream split ``partitions`` ways, holding ``messages``."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        with suppress(nats.js.errors.NotFoundError):
            await js.delete_stream(FEDERATION_STREAM)
        await ensure_federation_stream(js, partitions=partitions)
        for start in range(0, len(messages), 500):
            await asyncio.gather(
                *(
                    js.publish(subject, data, headers={SIGNATURE_HEADER: sig})
                    for subject, data, sig in messages[start : start + 500]
                )
            )
    finally:
        await nc.close()


def aggregate(
    url: str,
    env: dict[str, str],
    coop_ids: list[str],
    partition: int,
    partitions: int,
    start: Barrier,
) -> None:
    """One partition's aggregator process: ready, then released with the others."""
    views = ConsortiumViews.construct(env)
    views.keyring = keyring_for(*coop_ids)
    aggregator = Aggregator(
        views, [url], durable="bench", partition=partition, partitions=partitions
    )
    start.wait()
    asyncio.run(aggregator.run())


def tracked(views: ConsortiumViews, coop_ids: list[str]) -> dict[str, int]:
    """The co-ops' tracked positions (the table also tracks schema migrations)."""
    with views.transaction() as cursor:
        rows = cursor.execute(
            f"SELECT application_name, notification_id FROM {views.tracking_table}"
        ).fetchall()
    positions = {row["application_name"]: row["notification_id"] for row in rows}
    return {coop_id: positions.get(coop_id, 0) for coop_id in coop_ids}


class Run(NamedTuple):
    seconds: float
    # CPU seconds each part spent while the clock ran.
    aggregators: float
    postgres: float
    broker: float


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User and system CPU of each live process, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return used


def backends(views: ConsortiumViews) -> list[int]:
    """The PostgreSQL server processes of every other connection to the store."""
    with views.transaction() as cursor:
        rows = cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
    return [row["pid"] for row in rows]


def timed_ingest(
    url: str,
    broker_pid: int,
    store: StoreConfig,
    last_seq: dict[str, int],
    partitions: int,
) -> Run:
    """Seconds from releasing ``partitions`` aggregator processes to every co-op
    applied to its last seq, and the CPU the aggregators, PostgreSQL and the
    broker spent meanwhile."""
    views = ConsortiumViews.construct(store.env())  # the tables, made once
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(partitions + 1)
    workers = [
        context.Process(
            target=aggregate,
            args=(url, store.env(), sorted(last_seq), k, partitions, start),
        )
        for k in range(partitions)
    ]
    for worker in workers:
        worker.start()
    try:
        start.wait(timeout=120)
        started = time.perf_counter()
        pids = [w.pid for w in workers if w.pid is not None]
        before = cpu_seconds([*pids, *backends(views), broker_pid])
        while tracked(views, list(last_seq)) != last_seq:
            if not all(worker.is_alive() for worker in workers):
                raise RuntimeError("an aggregator process died")
            time.sleep(0.01)
        seconds = time.perf_counter() - started
        server_pids = backends(views)
        after = cpu_seconds([*pids, *server_pids, broker_pid])

        def spent(of: list[int]) -> float:
            return sum(after.get(pid, 0) - before.get(pid, 0) for pid in of)

        return Run(seconds, spent(pids), spent(server_pids), spent([broker_pid]))
    finally:
        for worker in workers:
            worker.kill()
            worker.join()
        views.factory.close()


@contextmanager
def postgres() -> Iterator[Postgres]:
    url = os.environ.get(ENV_VAR)
    if url:
        yield named(url)
    else:
        with private_postgres() as server:
            yield server


def fresh_store(server: Postgres) -> StoreConfig:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with server.connect() as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return server.store(schema=schema)


def drop(server: Postgres, store: StoreConfig) -> None:
    with server.connect() as conn:
        conn.execute(f'DROP SCHEMA "{store.schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--coops", type=int, default=48)
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--aggregators", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--stores", type=Path, default=Path("/var/tmp/cw-part-stores"))
    args = parser.parse_args()
    ensure_stores(args.stores, args.coops, args.members)
    coop_ids = [coop_id_of(n) for n in range(args.coops)]
    with tempfile.TemporaryDirectory(prefix="cw-partitions-") as tmp:
        work = Path(tmp)
        for coop_id in coop_ids:
            for suffix in (".db", ".toml"):
                shutil.copy(args.stores / f"{coop_id}{suffix}", work)
        with NatsServer(work / "broker") as broker, postgres() as server:
            published = asyncio.run(replicate(work, broker.url, coop_ids))
            last_seq = {c: seq for c, (_, seq) in published.items()}
            envelopes = sum(count for count, _ in published.values())
            messages = asyncio.run(read_stream(broker.url))
            print(
                f"{args.coops} co-ops, {envelopes:,} envelopes in "
                f"{len(messages):,} messages; load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            runs: dict[int, list[Run]] = {n: [] for n in args.aggregators}
            for _ in range(args.rounds):
                for n in args.aggregators:
                    asyncio.run(publish_split(broker.url, messages, n))
                    store = fresh_store(server)
                    assert broker.process is not None
                    try:
                        run = timed_ingest(
                            broker.url, broker.process.pid, store, last_seq, n
                        )
                    finally:
                        drop(server, store)
                    runs[n].append(run)
                    print(f"  {n} aggregator(s): {run}", flush=True)
    report(runs, envelopes, published)


def report(
    runs: dict[int, list[Run]],
    envelopes: int,
    published: dict[str, tuple[int, int]],
) -> None:
    """Medians of the rounds. CPU per envelope is what the design costs whatever
    the cores: on enough cores, N aggregators would run N times as fast as one
    for as long as the largest partition's share and the CPU of PostgreSQL and
    the broker allow."""
    one = statistics.median(r.seconds for r in runs[min(runs)])
    print(
        "| aggregators | envelopes/s | speed-up | spread (s) | CPU us/envelope: "
        "aggregators + PostgreSQL + broker | largest partition |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for n, rounds in runs.items():
        median = statistics.median(r.seconds for r in rounds)
        shares = Counter[int]()
        for coop_id, (count, _) in published.items():
            shares[partition_of(coop_id, n)] += count
        largest = max(shares.values()) / envelopes

        def per_envelope(part: str, rounds: list[Run] = rounds) -> float:
            median = statistics.median(float(getattr(r, part)) for r in rounds)
            return median * 1e6 / envelopes

        cpu = [per_envelope(part) for part in ("aggregators", "postgres", "broker")]
        print(
            f"| {n} | {envelopes / median:,.0f} | {one / median:.2f}x | "
            f"{min(r.seconds for r in rounds):.2f} to "
            f"{max(r.seconds for r in rounds):.2f} | "
            f"{sum(cpu):.0f} = {cpu[0]:.0f} + {cpu[1]:.0f} + {cpu[2]:.0f} | "
            f"{largest:.0%} |"
        )


if __name__ == "__main__":
    main()
