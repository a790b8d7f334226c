"""Shared fixtures: real nats-server processes, real SQLite files, real PostgreSQL.

PostgreSQL tests (marked ``postgres``) run against the server that tests/postgres.py
finds or starts, once per session, each test in schemas of its own that are dropped
afterwards. They are never skipped. Tests without the mark never touch PostgreSQL:
the server starts only when a marked test first asks for it.
"""

import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import msgspec
import pytest

from federation.broker import NatsServer
from federation.config import ConsortiumConfig
from federation.ingest import ConsortiumViews
from federation.service import ConsortiumService
from node.application import CoopNode
from node.rules import profile_named
from node.service import NodeService
from tests.browser import CHROMIUM
from tests.configs import node_config
from tests.keys import KeyBook, keyring_for
from tests.postgres import ENV_VAR, Postgres, named, private_postgres
from tests.secured import SecuredHub, start_secured_hub
from tests.smtp import SmtpServer
from tests.web import LiveNode, live_node
from toolkit.config import BrokerConfig, StoreConfig


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    with NatsServer(tmp_path / "broker") as server:
        yield server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    """The server named by the environment, or a private one for this session."""
    url = os.environ.get(ENV_VAR)
    if url:
        yield named(url)
        return
    with private_postgres() as server:
        yield server


@pytest.fixture
def postgres(request: pytest.FixtureRequest) -> Postgres:
    """The session's PostgreSQL server, for tests marked ``postgres`` only."""
    if request.node.get_closest_marker("postgres") is None:
        pytest.fail(f"{request.node.nodeid} uses PostgreSQL: mark it `postgres`")
    server: Postgres = request.getfixturevalue("postgres_server")
    return server


@pytest.fixture
def pg_schema_factory(request: pytest.FixtureRequest) -> Iterator[Callable[[], str]]:
    """Fresh PostgreSQL schemas, one per call, all dropped after the test.

    The server is asked for only when a schema is made, so fixtures that merely
    may need one (``make_node``) never start it for SQLite tests.
    """
    made: list[tuple[Postgres, str]] = []

    def make() -> str:
        postgres: Postgres = request.getfixturevalue("postgres")
        schema = f"cw_{uuid.uuid4().hex[:12]}"
        with postgres.connect() as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        made.append((postgres, schema))
        return schema

    yield make
    for postgres, schema in made:
        with postgres.connect() as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def pg_store_factory(
    request: pytest.FixtureRequest, pg_schema_factory: Callable[[], str]
) -> Callable[[], StoreConfig]:
    """PostgreSQL stores, each in a fresh schema dropped after the test."""

    def make() -> StoreConfig:
        postgres: Postgres = request.getfixturevalue("postgres")
        store = postgres.store(schema=pg_schema_factory())
        # Its key file (node.personal_keys) in the test's folder, gone with it.
        folder: Path = request.getfixturevalue("tmp_path")
        keys = str(folder / f"{store.schema}.keys.db")
        return msgspec.structs.replace(store, keys_path=keys)

    return make


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreConfig:
    """A store of each kind: every test that takes it runs on both backends."""
    if request.param == "sqlite":
        return StoreConfig(path=str(tmp_path / "store.db"))
    make: Callable[[], StoreConfig] = request.getfixturevalue("pg_store_factory")
    return make()


@pytest.fixture
def app(store: StoreConfig) -> Iterator[CoopNode]:
    """A co-op founded on 2 March 2026 (Alpha Care, the UK multi-stakeholder
    profile) in a store of each kind."""
    app = CoopNode("alpha", store.env())
    app.found_coop(
        "Alpha Care", profile_named("uk_multi_stakeholder"), dt.date(2026, 3, 2)
    )
    yield app
    app.close()


@pytest.fixture
def key_book() -> KeyBook:
    """The test's co-ops, each registered with its key in each of its consortiums."""
    return KeyBook()


@pytest.fixture
async def make_node(
    tmp_path: Path, pg_schema_factory: object, key_book: KeyBook
) -> AsyncIterator[Callable[..., NodeService]]:
    """Build started nodes with SQLite stores in tmp_path; all stopped at the end.
    Every consortium of the test knows their keys (``key_book``).

    Taking ``pg_schema_factory`` makes its teardown, dropping any schema a node
    was given, come after the nodes have stopped.
    """
    nodes: list[NodeService] = []

    def make(coop_id: str, servers: list[str], **kwargs: object) -> NodeService:
        store = kwargs.pop("store", None) or StoreConfig(
            path=str(tmp_path / f"{coop_id}.db")
        )
        node = NodeService(node_config(coop_id, store, servers, **kwargs))  # type: ignore[arg-type]
        key_book.add_coop(coop_id, node.config.name)
        node.found_if_new()
        node.start()
        nodes.append(node)
        return node

    yield make
    for node in nodes:
        await node.stop()


@pytest.fixture
async def make_consortium(
    tmp_path: Path, pg_schema_factory: object, key_book: KeyBook
) -> AsyncIterator[Callable[..., ConsortiumService]]:
    """Build started consortiums (SQLite by default); all stopped at the end, before
    ``pg_schema_factory`` drops their schemas."""
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
        key_book.add_registry(service.registry)
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


@pytest.fixture
def secured_hub(tmp_path: Path) -> Iterator[SecuredHub]:
    """A broker that admits only registered co-ops and the consortium (nkey users)."""
    hub = start_secured_hub(tmp_path / "hub")
    yield hub
    hub.server.kill()


@pytest.fixture
def views(store: StoreConfig) -> Iterator[ConsortiumViews]:
    """Consortium views on each backend that know alpha's and beta's test keys."""
    views = ConsortiumViews.construct(store.env())
    views.keyring = keyring_for("alpha", "beta")
    yield views
    views.factory.close()


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    """A real SMTP server on a free loopback port, keeping what it receives."""
    server = SmtpServer(tmp_path)
    server.start()
    yield server
    server.stop()


# Browser tests drive Debian's chromium (tests/browser.py). A machine without it
# (a fresh one has only Python) leaves them out and says so; CI installs it and
# sets COMMONWEAL_REQUIRE_BROWSER, so there they run or fail, never skip.
REQUIRE_BROWSER = "COMMONWEAL_REQUIRE_BROWSER"


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    if Path(CHROMIUM).exists() or os.environ.get(REQUIRE_BROWSER):
        return
    absent = pytest.mark.skip(
        reason=f"{CHROMIUM} is not installed (apt-get install chromium); "
        f"CI installs it and runs these with {REQUIRE_BROWSER}=1"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(absent)
