"""Consortium scale and footprint.

Run: python -m tests.bench.scale --coops 10 100 1000 --members 100

For each size: that many co-ops, each with its own real SQLite store (100 members
with a realistic membership history) and its own hash chain, built by the node's own
sharing policy and envelope code and published to a real nats-server; then a
consortium process (`commonweal consortium run`) ingests the stream from the start.
Reported: ingest cost per envelope, the consortium process's RSS once caught up,
and report query p95 over the projections on SQLite and on PostgreSQL. Also the
RSS of one idle node process (`commonweal node run`).
"""

import argparse
import asyncio
import contextlib
import datetime as dt
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import msgspec
import nats
import psycopg

from commonweal.activity import MemberGenerator
from commonweal.config import BrokerConfig, HttpConfig, StoreConfig, write_config
from commonweal.storage import construct_tracked_tables
from federation.aggregator import Aggregator
from federation.broker import NatsServer, ensure_federation_stream
from federation.config import ConsortiumConfig
from federation.report import build_report
from federation.views import ConsortiumViews
from node.config import NodeConfig, new_secret
from node.membership import Member
from node.replicator import ChainHead, build_envelopes, pack
from node.rules import profile_named
from node.service import NodeService
from schemas import GENESIS_HASH
from schemas.envelope import WireBody

POSTGRES = {"host": "127.0.0.1", "port": 5432, "dbname": "test", "user": "postgres"}


def node_config(coop_id: str, path: Path, servers: list[str]) -> NodeConfig:
    return NodeConfig(
        coop_id=coop_id,
        name=f"Co-op {coop_id}",
        secret=new_secret(),
        store=StoreConfig(path=str(path)),
        broker=BrokerConfig(servers=servers),
        http=HttpConfig(port=0),
    )


def build_coop(
    coop_id: str, path: Path, members: int, seed: int
) -> tuple[list[bytes], int]:
    """A co-op's store with ``members`` members, and its envelopes packed as the
    replicator packs them; returns the message bodies (subject is per co-op)."""
    node = NodeService(node_config(coop_id, path, ["nats://127.0.0.1:1"]))
    node.app.found_coop(f"Co-op {coop_id}", profile_named("uk_multi_stakeholder"))
    people = MemberGenerator(seed)
    rng = random.Random(seed)
    classes = list(node.app.coop().profile.class_names)
    day = dt.date(2025, 1, 1)
    chunk = []
    for n in range(members):
        member = Member(
            member_class=rng.choice(classes[:2]),
            applied_on=day + dt.timedelta(days=n),
            **people.person(),
        )
        member.admit(day + dt.timedelta(days=n + 3))
        member.buy_shares(rng.choice([100, 500]), day)
        if rng.random() < 0.1:
            member.withdraw(day + dt.timedelta(days=n + 90))
        chunk.append(member)
    node.app.save(*chunk)
    notifications = node.app.recorder.select_notifications(start=1, limit=100_000)
    outgoing, _ = build_envelopes(
        node.app,
        node.policy,
        ChainHead(0, 0, GENESIS_HASH),
        notifications,
        notifications[-1].id,
    )
    node.app.close()
    node.replication_log.factory.close()
    return [m.data for m in pack(outgoing, 250)], len(outgoing)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def publish_all(url: str, coops: dict[str, list[bytes]]) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream(timeout=10)
    await ensure_federation_stream(js)
    for coop_id, bodies in coops.items():
        acks = [
            await js.publish_async(f"cw.coop.{coop_id}.membership", body)
            for body in bodies
        ]
        await asyncio.gather(*acks)
    await nc.close()


def report_p95(store: StoreConfig, runs: int = 60) -> float:
    views = construct_tracked_tables(ConsortiumViews, store.env())
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        build_report(views)
        timings.append(time.perf_counter() - started)
    views.factory.close()
    return statistics.quantiles(timings, n=20)[18] * 1000


def ingest(
    work: Path,
    url: str,
    store: StoreConfig,
    coop_ids: list[str],
    last_seq: dict[str, int],
) -> tuple[float, float]:
    """Run a consortium process until it has applied everything: (seconds, RSS MB)."""
    config = ConsortiumConfig(
        store=store,
        registry=StoreConfig(path=str(work / f"registry-{uuid.uuid4().hex[:6]}.db")),
        broker=BrokerConfig(servers=[url]),
        durable=f"bench{uuid.uuid4().hex[:6]}",
        http=HttpConfig(port=0),
    )
    path = work / f"{config.durable}.toml"
    write_config(path, config)
    views = construct_tracked_tables(ConsortiumViews, store.env())
    started = time.perf_counter()
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
        pending = list(coop_ids)
        while pending:
            pending = [c for c in pending if views.position(c) < last_seq[c]]
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        rss = rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait()
        views.factory.close()
    return elapsed, rss


async def ingest_in_process(url: str, store: StoreConfig, envelopes: int) -> float:
    """Seconds for an aggregator (in this process) to apply the whole stream."""
    views = construct_tracked_tables(ConsortiumViews, store.env())
    aggregator = Aggregator(views, [url], durable=f"timed{uuid.uuid4().hex[:6]}")
    task = asyncio.create_task(aggregator.run())
    while not aggregator.ready:  # connected, stream checked: start the clock
        await asyncio.sleep(0.001)
    started = time.perf_counter()
    while aggregator.totals.applied < envelopes:
        await asyncio.sleep(0.002)
    elapsed = time.perf_counter() - started
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    views.factory.close()
    return elapsed


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


def drop(store: StoreConfig) -> None:
    with psycopg.connect(**POSTGRES, autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute(f'DROP SCHEMA "{store.schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--coops", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--members", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cw-scale-") as tmp:
        work = Path(tmp)
        print(f"idle node RSS: {idle_node_rss(work):.1f} MB")
        for size in args.coops:
            run = work / f"run{size}"
            run.mkdir()
            bodies: dict[str, list[bytes]] = {}
            last_seq: dict[str, int] = {}
            envelopes = 0
            for n in range(size):
                coop_id = f"c{n:04d}"
                data, count = build_coop(
                    coop_id, run / f"{coop_id}.db", args.members, n
                )
                bodies[coop_id] = data
                envelopes += count
                last = msgspec.json.decode(data[-1], type=WireBody)
                last_seq[coop_id] = (last[-1] if isinstance(last, list) else last).seq
            with NatsServer(run / "broker") as server:
                asyncio.run(publish_all(server.url, bodies))
                sqlite = StoreConfig(path=str(run / "consortium.db"))
                seconds, rss = ingest(run, server.url, sqlite, list(bodies), last_seq)
                sqlite_p95 = report_p95(sqlite)
                postgres = pg_store()
                try:
                    pg_seconds, _ = ingest(
                        run, server.url, postgres, list(bodies), last_seq
                    )
                    pg_p95 = report_p95(postgres)
                finally:
                    drop(postgres)
            print(
                f"{size:5} co-ops, {envelopes} envelopes: SQLite ingest "
                f"{seconds * 1e6 / envelopes:.1f} us/envelope "
                f"({envelopes / seconds:,.0f}/s), consortium RSS {rss:.0f} MB, "
                f"report p95 {sqlite_p95:.1f} ms; PostgreSQL ingest "
                f"{pg_seconds * 1e6 / envelopes:.1f} us/envelope, report p95 "
                f"{pg_p95:.1f} ms",
                flush=True,
            )


if __name__ == "__main__":
    main()
