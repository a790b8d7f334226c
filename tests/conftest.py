"""Shared fixtures: real nats-server processes, real SQLite files, real PostgreSQL.

PostgreSQL tests run against 127.0.0.1:5432 (database ``test``, user postgres, trust
auth), each in a schema of its own that is dropped afterwards. They are never
skipped: a machine without that server fails them, which is the point.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from federation.broker import NatsServer
from federation.config import ConsortiumConfig
from federation.service import ConsortiumService
from node.config import NodeConfig, new_secret
from node.service import NodeService
from tests.secured import SecuredHub, start_secured_hub
from tests.web import LiveNode, live_node
from toolkit.config import BrokerConfig, StoreConfig

POSTGRES = {"host": "127.0.0.1", "port": 5432, "dbname": "test", "user": "postgres"}


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    with NatsServer(tmp_path / "broker") as server:
        yield server


@pytest.fixture
def pg_schema_factory() -> Iterator[Callable[[], str]]:
    """Fresh PostgreSQL schemas, one per call, all dropped after the test."""
    made: list[str] = []

    def make() -> str:
        schema = f"cw_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(**POSTGRES, autocommit=True) as conn:  # type: ignore[arg-type]
            conn.execute(f'CREATE SCHEMA "{schema}"')
        made.append(schema)
        return schema

    yield make
    with psycopg.connect(**POSTGRES, autocommit=True) as conn:  # type: ignore[arg-type]
        for schema in made:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def postgres_store(schema: str) -> StoreConfig:
    return StoreConfig(
        kind="postgres",
        dbname=POSTGRES["dbname"],  # type: ignore[arg-type]
        host=POSTGRES["host"],  # type: ignore[arg-type]
        user=POSTGRES["user"],  # type: ignore[arg-type]
        schema=schema,
    )


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreConfig:
    """A store of each kind: every test that takes it runs on both backends."""
    if request.param == "sqlite":
        return StoreConfig(path=str(tmp_path / "store.db"))
    return postgres_store(request.getfixturevalue("pg_schema_factory")())


def node_config(
    coop_id: str,
    store: StoreConfig,
    servers: list[str],
    *,
    profile: str = "uk_multi_stakeholder",
    share: list[str] | None = None,
) -> NodeConfig:
    return NodeConfig(
        coop_id=coop_id,
        name=f"{coop_id.title()} Care Co-op",
        secret=new_secret(),
        profile=profile,
        share=share or ["membership"],
        store=store,
        broker=BrokerConfig(servers=servers),
    )


@pytest.fixture
async def make_node(
    tmp_path: Path, pg_schema_factory: object
) -> AsyncIterator[Callable[..., NodeService]]:
    """Build started nodes with SQLite stores in tmp_path; all stopped at the end."""
    nodes: list[NodeService] = []

    def make(coop_id: str, servers: list[str], **kwargs: object) -> NodeService:
        store = kwargs.pop("store", None) or StoreConfig(
            path=str(tmp_path / f"{coop_id}.db")
        )
        node = NodeService(node_config(coop_id, store, servers, **kwargs))  # type: ignore[arg-type]
        node.found_if_new()
        node.start()
        nodes.append(node)
        return node

    yield make
    for node in nodes:
        await node.stop()


@pytest.fixture
async def make_consortium(
    tmp_path: Path, pg_schema_factory: object
) -> AsyncIterator[Callable[..., ConsortiumService]]:
    services: list[ConsortiumService] = []

    def make(
        servers: list[str],
        store: StoreConfig | None = None,
        durable: str = "consortium",
        **options: object,
    ) -> ConsortiumService:
        store = store or StoreConfig(path=str(tmp_path / "consortium.db"))
        config = ConsortiumConfig(
            store=store,
            registry=StoreConfig(path=str(tmp_path / f"registry-{durable}.db")),
            broker=BrokerConfig(servers=servers),
            durable=durable,
            **options,  # type: ignore[arg-type]
        )
        service = ConsortiumService(config)
        service.start()
        services.append(service)
        return service

    yield make
    for service in services:
        await service.stop()


@pytest.fixture
async def http_node(tmp_path: Path, nats_server: NatsServer) -> AsyncIterator[LiveNode]:
    """A node on a real SQLite file and broker, served over HTTP on a free port."""
    store = StoreConfig(path=str(tmp_path / "http-node.db"))
    async with live_node(node_config("alpha", store, [nats_server.url])) as live:
        yield live


async def wait_for(
    condition: Callable[[], bool], timeout: float = 20.0, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def secured_hub(tmp_path: Path) -> Iterator[SecuredHub]:
    """A broker that admits only registered co-ops and the consortium (nkey users)."""
    hub = start_secured_hub(tmp_path / "hub")
    yield hub
    hub.server.kill()
