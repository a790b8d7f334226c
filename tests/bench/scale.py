"""Consortium scale and footprint.

Run: python -m tests.bench.scale --coops 10 100 1000 --stores /var/tmp/cw-stores

Each co-op is a real node store (SQLite) with 100 members and a realistic history
written through the node's own commands: membership over 18 months, six weeks of
care (visits, care plans, workforce, time-bank transfers, expenses) and a general
meeting with secret and open ballots and a board election. Stores are generated
once into ``--stores`` (in parallel, one process per core) and reused by later runs.

For each size: the stores are copied (so each run replicates from the start), the
co-ops' real ``Replicator``s run as asyncio tasks in this process, a hundred at a
time, each with its own store, chain and NATS connection, and publish everything
to a real nats-server. Then, with the stream full and nothing else running:

- ingest cost per envelope: an aggregator in this process applies the whole stream
  to a fresh consortium store, timed from the consumer being ready to the last
  envelope applied (median of five runs below 100,000 envelopes), on SQLite and
  on PostgreSQL;
- consortium RSS: a ``commonweal consortium run`` process ingests the same stream,
  and its RSS is read once it has caught up;
- report query p95: ``build_report`` over the projections, on SQLite and PostgreSQL.

Also the RSS of one idle node process (``commonweal node run``).
"""

import argparse
import asyncio
import datetime as dt
import multiprocessing
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import nats
import psycopg
from msgspec.structs import replace

from commonweal.sample_activity import (
    generate_care,
    generate_governance,
    generate_membership,
)
from federation.aggregator import Aggregator
from federation.broker import NatsServer, ensure_federation_stream
from federation.care import care_report
from federation.config import ConsortiumConfig
from federation.governance import governance_report
from federation.growth import growth_report
from federation.ingest import ConsortiumViews
from federation.membership import membership_report
from federation.registry import ConsortiumRegistry
from federation.report import build_report
from federation.timebank import timebank_report
from federation.workforce import workforce_report
from node.config import NodeConfig, new_secret
from node.service import NodeService
from tests.keys import coop_seed, keyring_for, register_coop_key
from toolkit.config import (
    BrokerConfig,
    HttpConfig,
    StoreConfig,
    load_config,
    write_config,
)
from toolkit.retry import stop_task
from toolkit.storage import Cursor

POSTGRES = {"host": "127.0.0.1", "port": 5432, "dbname": "test", "user": "postgres"}
MEMBERS_FROM = dt.date(2025, 1, 1)
CARE_FROM = dt.date(2026, 6, 1)  # once most members have been admitted
MEETING_ON = dt.date(2026, 7, 20)
REPLICATING_AT_ONCE = 100


def node_config(coop_id: str, path: Path, servers: list[str]) -> NodeConfig:
    return NodeConfig(
        coop_id=coop_id,
        name=f"Co-op {coop_id}",
        secret=new_secret(),
        store=StoreConfig(path=str(path)),
        broker=BrokerConfig(servers=servers, nkey_seed=coop_seed(coop_id)),
        http=HttpConfig(port=0),
    )


def coop_id_of(n: int) -> str:
    return f"c{n:04d}"


def generate_coop(job: tuple[Path, int, int]) -> None:
    """One co-op's store and config in ``stores``, written through its commands."""
    stores, n, members = job
    coop_id = coop_id_of(n)
    config = node_config(coop_id, Path(f"{coop_id}.db"), ["nats://127.0.0.1:1"])
    partial = stores / f"{coop_id}.db.partial"
    partial.unlink(missing_ok=True)
    node = NodeService(replace(config, store=StoreConfig(path=str(partial))))
    node.found_if_new()
    generate_membership(node.coop_node, members=members, seed=n, start=MEMBERS_FROM)
    generate_care(node.coop_node, seed=n, start=CARE_FROM, days=45)
    generate_governance(node.coop_node, seed=n, day=MEETING_ON)
    node.coop_node.close()
    node.replication_log.factory.close()
    write_config(stores / f"{coop_id}.toml", config)
    partial.rename(stores / f"{coop_id}.db")  # complete, or not there at all


def ensure_stores(stores: Path, size: int, members: int) -> None:
    stores.mkdir(parents=True, exist_ok=True)
    missing = [
        (stores, n, members)
        for n in range(size)
        if not (stores / f"{coop_id_of(n)}.db").exists()
    ]
    if not missing:
        return
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        for done, _ in enumerate(pool.imap_unordered(generate_coop, missing), 1):
            if done % 100 == 0:
                print(f"  generated {done}/{len(missing)} stores", flush=True)
    print(
        f"  generated {len(missing)} stores in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


async def replicate(
    run: Path, url: str, coop_ids: list[str]
) -> dict[str, tuple[int, int]]:
    """Run the co-ops' replicators until each has published its whole store;
    returns for each co-op how many envelopes it published and the sequence
    number its chain ended at (the position the consortium will track)."""
    nc = await nats.connect(url)
    await ensure_federation_stream(nc.jetstream())
    await nc.close()
    published: dict[str, tuple[int, int]] = {}
    for start in range(0, len(coop_ids), REPLICATING_AT_ONCE):
        group = coop_ids[start : start + REPLICATING_AT_ONCE]
        nodes = [
            NodeService(
                replace(
                    load_config(run / f"{c}.toml", NodeConfig),
                    store=StoreConfig(path=str(run / f"{c}.db")),
                    broker=BrokerConfig(servers=[url], nkey_seed=coop_seed(c)),
                )
            )
            for c in group
        ]
        for node in nodes:
            node.start()
        while not all(node.caught_up for node in nodes):
            await asyncio.sleep(0.05)
        for node in nodes:
            published[node.config.coop_id] = (
                node.replicator.envelopes_published,
                node.replicator.published.seq,
            )
            await node.stop()
            node.coop_node.close()
            node.replication_log.factory.close()
    return published


async def timed_ingest(
    url: str, store: StoreConfig, last_seq: dict[str, int]
) -> tuple[float, int]:
    """Seconds for an aggregator (in this process) to apply the whole stream, and
    how many envelopes it applied. The clock stops at the last envelope applied;
    once nothing more comes, the co-ops' tracked positions are checked (one
    query), so the wait does not compete with the work it times."""
    views = ConsortiumViews.construct(store.env())
    views.keyring = keyring_for(*last_seq)
    aggregator = Aggregator(views, [url], durable=f"timed{uuid.uuid4().hex[:6]}")
    task = asyncio.create_task(aggregator.run())
    while not aggregator.ready:  # connected, stream checked: start the clock
        await asyncio.sleep(0.001)
    started = last_change = time.perf_counter()
    applied = 0
    while True:
        await asyncio.sleep(0.005)
        if aggregator.totals.dead_letters or aggregator.last_error:
            failure = aggregator.last_error or aggregator.totals
            raise RuntimeError(f"ingest failed: {failure}")
        if aggregator.totals.applied != applied:
            applied, last_change = aggregator.totals.applied, time.perf_counter()
        elif time.perf_counter() - last_change > 1 and caught_up(views, last_seq):
            break
    elapsed = last_change - started
    await stop_task(task)  # nats-py can swallow a single cancel
    views.factory.close()
    return elapsed, applied


def ingest_cost(
    url: str,
    make_store: Callable[[], StoreConfig],
    last_seq: dict[str, int],
    envelopes: int,
) -> tuple[float, StoreConfig]:
    """Microseconds per envelope (median of 5 runs for small streams), and the
    store of the last run, left for the report queries. Every run must apply
    exactly ``envelopes``."""
    costs = []
    for _ in range(5 if envelopes < 100_000 else 1):
        store = make_store()
        seconds, applied = asyncio.run(timed_ingest(url, store, last_seq))
        if applied != envelopes:
            raise RuntimeError(f"applied {applied} envelopes, not {envelopes}")
        costs.append(seconds * 1e6 / applied)
    return statistics.median(costs), store


def shared_envelopes(store: Path) -> int:
    """How many events in a node's store its sharing policy turns into envelopes."""
    node = NodeService(node_config(store.stem, store, ["nats://127.0.0.1:1"]))
    last = node.coop_node.recorder.max_notification_id() or 0
    topics = sorted(node.policy.topics)
    count = len(
        node.coop_node.recorder.select_notifications(1, last, stop=last, topics=topics)
    )
    node.coop_node.close()
    node.replication_log.factory.close()
    return count


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def consortium_rss(work: Path, url: str, last_seq: dict[str, int]) -> float:
    """RSS of a ``commonweal consortium run`` process once it has applied the
    whole stream (every co-op tracked at its last position)."""
    store = StoreConfig(path=str(work / f"rss-{uuid.uuid4().hex[:6]}.db"))
    config = ConsortiumConfig(
        store=store,
        registry=StoreConfig(path=str(work / f"registry-{uuid.uuid4().hex[:6]}.db")),
        broker=BrokerConfig(servers=[url]),
        durable=f"rss{uuid.uuid4().hex[:6]}",
        http=HttpConfig(port=0),
    )
    path = work / f"{config.durable}.toml"
    write_config(path, config)
    registry = ConsortiumRegistry(config.registry_env())
    for coop_id in last_seq:
        register_coop_key(registry, coop_id, f"Co-op {coop_id}")
    registry.close()
    views = ConsortiumViews.construct(store.env())
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "commonweal",
            "consortium",
            "run",
            "--config",
            str(path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not caught_up(views, last_seq):
            time.sleep(0.5)
        return rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait()
        views.factory.close()


def caught_up(views: ConsortiumViews, last_seq: dict[str, int]) -> bool:
    """Whether the consortium has applied every co-op to its last position: one
    query, so that waiting does not compete with the process it waits for."""
    with views.transaction() as cursor:
        rows = cursor.execute(
            "SELECT application_name, MAX(notification_id) AS position "
            f"FROM {views.tracking_table} GROUP BY application_name"
        ).fetchall()
    positions = {row["application_name"]: row["position"] for row in rows}
    return all(positions.get(c) == seq for c, seq in last_seq.items())


def report_p95(store: StoreConfig, runs: int = 40) -> tuple[float, str]:
    """p95 of ``build_report`` in ms, and each section's median share of it."""
    views = ConsortiumViews.construct(store.env())
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        build_report(views)
        timings.append(time.perf_counter() - started)
    today = dt.date.today()
    sections: dict[str, Callable[[Cursor], object]] = {
        "membership": membership_report,
        "governance": governance_report,
        "growth": lambda cursor: growth_report(cursor, ()),
        "care": care_report,
        "workforce": lambda cursor: workforce_report(cursor, today),
        "timebank": lambda cursor: timebank_report(cursor, today),
    }
    spent: dict[str, list[float]] = {name: [] for name in sections}
    for _ in range(10):
        with views.transaction() as cursor:
            for name, section in sections.items():
                started = time.perf_counter()
                section(cursor)
                spent[name].append(time.perf_counter() - started)
    views.factory.close()
    breakdown = ", ".join(
        f"{name} {statistics.median(t) * 1000:.1f}" for name, t in spent.items()
    )
    return statistics.quantiles(timings, n=20)[18] * 1000, breakdown


def idle_node_rss(work: Path) -> float:
    with NatsServer(work / "idle-broker") as server:
        config = node_config("idle", work / "idle.db", [server.url])
        path = work / "idle.toml"
        write_config(path, config)
        process = subprocess.Popen(
            [sys.executable, "-m", "commonweal", "node", "run", "--config", str(path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(4)
        rss = rss_mb(process.pid)
        process.terminate()
        process.wait()
    return rss


def pg_store() -> StoreConfig:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**POSTGRES, autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return StoreConfig(kind="postgres", dbname="test", user="postgres", schema=schema)


def drop_bench_schemas() -> None:
    with psycopg.connect(**POSTGRES, autocommit=True) as conn:  # type: ignore[arg-type]
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench\\_%'"
        ).fetchall()
        for (schema,) in rows:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def measure(work: Path, stores: Path, size: int) -> None:
    run = work / f"run{size}"
    run.mkdir()
    coop_ids = [coop_id_of(n) for n in range(size)]
    for coop_id in coop_ids:
        for suffix in (".db", ".toml"):
            shutil.copy(stores / f"{coop_id}{suffix}", run / f"{coop_id}{suffix}")
    with NatsServer(run / "broker") as server:
        started = time.perf_counter()
        published = asyncio.run(replicate(run, server.url, coop_ids))
        last_seq = {c: seq for c, (_, seq) in published.items()}
        # What the stores hold: a replicator that republished after an ack
        # timeout counted some twice (the broker dropped the copies by id).
        envelopes = sum(shared_envelopes(run / f"{c}.db") for c in coop_ids)
        publish_seconds = time.perf_counter() - started
        counter = iter(range(10))

        def sqlite_store() -> StoreConfig:
            return StoreConfig(path=str(run / f"consortium{next(counter)}.db"))

        sqlite_us, sqlite = ingest_cost(server.url, sqlite_store, last_seq, envelopes)
        sqlite_p95, sqlite_sections = report_p95(sqlite)
        pg_us, postgres = ingest_cost(server.url, pg_store, last_seq, envelopes)
        pg_p95, pg_sections = report_p95(postgres)
        drop_bench_schemas()
        rss = consortium_rss(run, server.url, last_seq)
    print(
        f"| {size:,} | {envelopes:,} | {publish_seconds:.1f} s | {sqlite_us:.1f} "
        f"| {pg_us:.1f} | {sqlite_p95:.1f} | {pg_p95:.1f} | {rss:.0f} |",
        flush=True,
    )
    print(f"  report sections, median ms: SQLite {sqlite_sections}", flush=True)
    print(f"  report sections, median ms: PostgreSQL {pg_sections}", flush=True)
    shutil.rmtree(run)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--coops", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument(
        "--stores", type=Path, default=Path(tempfile.gettempdir()) / "cw-stores"
    )
    args = parser.parse_args()
    ensure_stores(args.stores, max(args.coops), args.members)
    with tempfile.TemporaryDirectory(prefix="cw-scale-") as tmp:
        work = Path(tmp)
        print(f"idle node RSS: {idle_node_rss(work):.1f} MB")
        print(
            "| co-ops | envelopes | replicators publish | ingest us/env SQLite "
            "| ingest us/env PostgreSQL | report p95 ms SQLite "
            "| report p95 ms PostgreSQL | consortium RSS MB |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for size in args.coops:
            measure(work, args.stores, size)


if __name__ == "__main__":
    main()
