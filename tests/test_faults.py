"""Disk and store faults: each gives a clear error or a logged retry, loses nothing,
counts nothing twice, and leaves the stores whole."""

import asyncio
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import nats
import pytest
from eventsourcing.persistence import OperationalError

from federation.broker import NatsServer, ensure_federation_stream
from federation.service import ConsortiumService
from node.service import NodeService
from tests.postgres import Postgres
from tests.truth import membership_truth, reported_membership
from tests.waiting import wait_for, wait_until_caught_up
from toolkit.config import StoreConfig

NodeFactory = Callable[..., NodeService]
ConsortiumFactory = Callable[..., ConsortiumService]


def join(node: NodeService, n: int) -> None:
    member_id = node.coop_node.apply_for_membership(
        name=f"Member {n}", email=f"m{n}@example.org", member_class="worker"
    )
    node.coop_node.admit_member(member_id)
    node.replicator.wake()


async def test_a_locked_node_store_refuses_clearly_and_loses_nothing(
    tmp_path: Path,
    nats_server: NatsServer,
    make_node: NodeFactory,
    make_consortium: ConsortiumFactory,
) -> None:
    path = tmp_path / "alpha.db"
    consortium = make_consortium([nats_server.url])
    node = make_node(
        "alpha", [nats_server.url], store=StoreConfig(path=str(path), lock_timeout=1)
    )
    for n in range(5):
        join(node, n)
    # Another process takes the write lock (a backup tool, a careless sqlite3 shell).
    locker = subprocess.Popen(
        [
            sys.executable, "-c",
            "import sqlite3, sys; db = sqlite3.connect(sys.argv[1], "
            "isolation_level=None); db.execute('BEGIN EXCLUSIVE'); "
            "print('locked', flush=True); sys.stdin.read()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert locker.stdout is not None
        assert locker.stdout.readline() == b"locked\n"
        with pytest.raises(OperationalError, match="locked"):
            join(node, 99)
    finally:
        assert locker.stdin is not None
        locker.stdin.close()
        locker.wait(timeout=10)
    for n in range(5, 8):
        join(node, n)
    await wait_until_caught_up([node], consortium)
    truth = membership_truth(node.coop_node)
    assert truth["members"] == 8  # the refused admission wrote nothing at all
    assert reported_membership(consortium.report(), "alpha") == truth


@pytest.fixture
def pg_database(postgres: Postgres) -> Iterator[str]:
    """A database of its own, so its connections can be cut without touching others."""
    name = f"cw_fault_{uuid.uuid4().hex[:10]}"
    with postgres.connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with postgres.connect() as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def cut_connections(postgres: Postgres, database: str) -> int:
    """What the consortium sees when its PostgreSQL restarts: every connection gone."""
    with postgres.connect() as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
    return len(rows)


@pytest.mark.slow
@pytest.mark.postgres
async def test_consortium_postgres_connections_cut_under_load(
    postgres: Postgres,
    pg_database: str,
    nats_server: NatsServer,
    make_node: NodeFactory,
    make_consortium: ConsortiumFactory,
) -> None:
    store = postgres.store(dbname=pg_database)
    consortium = make_consortium([nats_server.url], store=store)
    nodes = [make_node(f"coop-{n}", [nats_server.url]) for n in range(2)]
    cuts = 0
    for round_ in range(6):
        for node in nodes:
            for n in range(20):
                join(node, round_ * 100 + n)
        await asyncio.sleep(0.2)
        cuts += cut_connections(postgres, pg_database)
    assert cuts >= 3
    await wait_until_caught_up(nodes, consortium, timeout=60)
    report = consortium.report()
    for node in nodes:
        assert reported_membership(report, node.config.coop_id) == membership_truth(
            node.coop_node
        )
    assert report.dead_letters == 0


@pytest.mark.slow
async def test_jetstream_storage_full_refuses_then_catches_up(
    nats_server: NatsServer,
    make_node: NodeFactory,
    make_consortium: ConsortiumFactory,
) -> None:
    consortium = make_consortium([nats_server.url], stream_max_bytes=256 * 1024)
    await wait_for(lambda: consortium.aggregator.ready, what="the capped stream")
    node = make_node("alpha", [nats_server.url])
    for n in range(1200):
        join(node, n)
    await wait_for(
        lambda: "maximum bytes" in (node.replicator.last_error or ""),
        what="the broker to refuse for lack of space",
    )
    # The co-op carries on while its envelopes wait.
    join(node, 1000)
    assert not node.caught_up
    # The operator gives the stream more room; nothing was lost meanwhile.
    nc = await nats.connect(nats_server.url)
    await ensure_federation_stream(nc.jetstream(), max_bytes=64 * 1024 * 1024)
    await nc.close()
    await wait_until_caught_up([node], consortium, timeout=30)
    report = consortium.report()
    assert reported_membership(report, "alpha") == membership_truth(node.coop_node)
    assert report.membership.members == 1201
