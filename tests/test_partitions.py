"""A consortium split across aggregator processes (federation.partitions): the
broker puts each co-op where ``partition_of`` says, each aggregator applies only
its own co-ops into the shared PostgreSQL store, the report reads them all, and
what would move a co-op to another process is refused."""

import datetime as dt
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import msgspec
import nats
import pytest
from nats.js.api import ConsumerConfig

from commonweal.sample_activity import generate_membership
from federation.aggregator import stream_message
from federation.broker import FEDERATION_STREAM, NatsServer, ensure_federation_stream
from federation.config import ConsortiumConfig
from federation.ingest import ConsortiumViews
from federation.partitions import (
    PartitionsChanged,
    partition_of,
    partition_subjects,
    published_subject,
)
from federation.service import ConsortiumService
from node.config import NodeConfig, new_secret
from node.service import NodeService
from node.stream_check import stream_end
from tests.keys import coop_seed, register_coop_key
from tests.secured import SecuredHub
from tests.truth import membership_truth, reported_membership
from tests.waiting import wait_for, wait_until_caught_up
from toolkit.config import BrokerConfig, ConfigError, StoreConfig, load_config

START = dt.date(2025, 3, 1)
COOPS = [f"coop-{n}" for n in range(60)]


async def test_the_broker_puts_each_coop_in_the_partition_partition_of_names(
    nats_server: NatsServer,
) -> None:
    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jetstream()
        await ensure_federation_stream(js, partitions=3)
        for coop_id in COOPS:
            await js.publish(f"cw.coop.{coop_id}.membership", b"{}")
        stored: dict[str, int] = {}
        for partition in range(3):
            consumer = await js.pull_subscribe(
                partition_subjects(partition, 3), stream=FEDERATION_STREAM
            )
            for msg in await consumer.fetch(len(COOPS), timeout=1):
                assert msg.subject.endswith(f".{partition}")
                stored[published_subject(msg.subject, 3)] = partition
        # Every co-op once, in the partition both sides compute.
        assert stored == {f"cw.coop.{c}.membership": partition_of(c, 3) for c in COOPS}
        assert set(stored.values()) == {0, 1, 2}
    finally:
        await nc.close()


def test_a_partition_token_the_broker_did_not_write_is_not_taken_off() -> None:
    alpha = partition_of("alpha", 2)
    assert published_subject(f"cw.coop.alpha.care.{alpha}", 2) == "cw.coop.alpha.care"
    # A node that publishes five tokens itself, naming the other partition: the
    # subject stays as it is, which ingest refuses as not a co-op's.
    forged = f"cw.coop.alpha.care.{1 - alpha}"
    assert published_subject(forged, 2) == forged
    assert published_subject("cw.coop.alpha.care", 1) == "cw.coop.alpha.care"


async def test_a_stream_split_one_way_refuses_aggregators_set_another(
    nats_server: NatsServer,
) -> None:
    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jetstream()
        await ensure_federation_stream(js)  # a single aggregator's, at first
        await ensure_federation_stream(js, partitions=2)  # the consortium grew
        await ensure_federation_stream(js, partitions=2)  # every process agrees
        for wrong in (3, 1):
            with pytest.raises(PartitionsChanged, match="split into 2"):
                await ensure_federation_stream(js, partitions=wrong)
        info = await js.stream_info(FEDERATION_STREAM)
        assert info.config.subject_transform is not None
        assert "partition(2,1)" in (info.config.subject_transform.dest or "")
    finally:
        await nc.close()


def test_partitions_need_postgres_and_a_partition_that_exists(
    tmp_path: Path,
) -> None:
    with pytest.raises(ValueError, match="PostgreSQL"):
        ConsortiumConfig(partitions=2)
    postgres = StoreConfig(kind="postgres")
    with pytest.raises(ValueError, match="numbered 0 to 1"):
        ConsortiumConfig(store=postgres, partitions=2, partition=2)
    assert ConsortiumConfig(store=postgres, partitions=2, partition=1).consumer == (
        "consortium-1-of-2"
    )
    assert ConsortiumConfig().consumer == "consortium"  # as before partitions
    config = tmp_path / "consortium.toml"
    config.write_text('[store]\nkind = "postgres"\n')
    run = subprocess.run(
        [sys.executable, "-m", "commonweal", "consortium", "run", "--config",
         str(config), "--partition", "2", "--partitions", "2"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode != 0
    assert "partition 2 does not exist" in run.stderr


def node_for(coop_id: str, tmp_path: Path, servers: list[str]) -> NodeService:
    node = NodeService(
        NodeConfig(
            coop_id=coop_id,
            name=f"{coop_id.title()} Care",
            secret=new_secret(),
            profile="italy_type_a",
            store=StoreConfig(path=str(tmp_path / f"{coop_id}.db")),
            broker=BrokerConfig(servers=servers, nkey_seed=coop_seed(coop_id)),
        )
    )
    node.found_if_new()
    node.start()
    return node


@pytest.mark.postgres
async def test_two_aggregators_apply_only_their_coops_and_the_report_has_all(
    tmp_path: Path,
    nats_server: NatsServer,
    pg_store_factory: Callable[[], StoreConfig],
) -> None:
    store = pg_store_factory()
    config = ConsortiumConfig(
        store=store,
        registry=StoreConfig(path=str(tmp_path / "registry.db")),
        broker=BrokerConfig(servers=[nats_server.url]),
        partitions=2,
    )
    ConsortiumViews.construct(store.env()).factory.close()  # the tables, once
    services = [
        ConsortiumService(msgspec.structs.replace(config, partition=k)) for k in (0, 1)
    ]
    coops = ["alpha", "beta", "gamma", "delta"]
    assert {partition_of(c, 2) for c in coops} == {0, 1}
    for coop_id in coops:
        register_coop_key(services[0].registry, coop_id, f"{coop_id.title()} Care")
    for service in services:
        service.start()
    nodes = [node_for(c, tmp_path, [nats_server.url]) for c in coops]
    try:
        for seed, node in enumerate(nodes):
            generate_membership(node.coop_node, members=30, seed=seed, start=START)
            node.replicator.wake()
        await wait_until_caught_up(nodes, services[0], timeout=60)
        for k, service in enumerate(services):
            mine = [n for n in nodes if partition_of(n.config.coop_id, 2) == k]
            assert service.aggregator.totals.applied == sum(
                n.replicator.published.seq for n in mine
            )
            assert service.aggregator.totals.duplicates == 0
        # Either process reads the whole report from the shared store.
        for service in services:
            report = service.report()
            for node in nodes:
                assert reported_membership(report, node.config.coop_id) == (
                    membership_truth(node.coop_node)
                )
            assert report.dead_letters == 0
    finally:
        for node in nodes:
            await node.stop()
        for service in services:
            await service.stop()


@pytest.mark.postgres
async def test_a_partition_restarted_from_its_consumer_applies_nothing_twice(
    tmp_path: Path,
    nats_server: NatsServer,
    pg_store_factory: Callable[[], StoreConfig],
) -> None:
    """A partition's aggregator that fetched a batch and died before acknowledging
    it: the batch comes back, and its co-ops' positions make it change nothing."""
    store = pg_store_factory()
    config = ConsortiumConfig(
        store=store,
        registry=StoreConfig(path=str(tmp_path / "registry.db")),
        broker=BrokerConfig(servers=[nats_server.url]),
        partitions=2,
        partition=partition_of("alpha", 2),
    )
    service = ConsortiumService(config)
    register_coop_key(service.registry, "alpha", "Alpha Care")
    service.start()
    node = node_for("alpha", tmp_path, [nats_server.url])
    try:
        generate_membership(node.coop_node, members=20, seed=1, start=START)
        node.replicator.wake()
        await wait_until_caught_up([node], service, timeout=60)
        applied = service.aggregator.totals.applied
        # Replay the partition from its first message, as a new consumer would.
        nc = await nats.connect(nats_server.url)
        try:
            js = nc.jetstream()
            replay = await js.pull_subscribe(
                partition_subjects(config.partition, 2),
                stream=FEDERATION_STREAM,
                config=ConsumerConfig(),
            )
            fetched = await replay.fetch(10_000, timeout=1)
        finally:
            await nc.close()
        outcome = service.views.apply([stream_message(m, 2) for m in fetched])
        assert outcome.applied == 0 and outcome.dead_letters == 0
        assert outcome.duplicates == applied
        report = service.report()
        assert reported_membership(report, "alpha") == membership_truth(node.coop_node)
    finally:
        await node.stop()
        await service.stop()


async def test_a_restored_node_reads_its_last_envelope_from_a_partitioned_hub(
    tmp_path: Path, secured_hub: SecuredHub
) -> None:
    """Through the hub's users file, with nothing but the node's own credentials:
    the stream stores the co-op's subjects with its partition after them."""
    consortium = secured_hub.consortium.broker
    nc = await nats.connect(secured_hub.server.url, **consortium.connect_options())
    try:
        await ensure_federation_stream(nc.jetstream(), partitions=2)
    finally:
        await nc.close()
    broker = secured_hub.register("alpha")
    node = NodeService(
        NodeConfig(
            coop_id="alpha",
            name="Alpha Care",
            secret=new_secret(),
            profile="italy_type_a",
            store=StoreConfig(path=str(tmp_path / "alpha.db")),
            broker=broker,
        )
    )
    node.found_if_new()
    node.start()
    try:
        generate_membership(node.coop_node, members=5, seed=1, start=START)
        node.replicator.wake()
        await wait_for(lambda: node.caught_up, 30, "the node to publish")
        head = node.replicator.published
        node_nc = await nats.connect(secured_hub.server.url, **broker.connect_options())
        try:
            end = await stream_end(node_nc, "alpha")
        finally:
            await node_nc.close()
        assert end is not None and (end.seq, end.hash) == (head.seq, head.hash)
    finally:
        await node.stop()


def test_the_example_config_loads_with_partitions(tmp_path: Path) -> None:
    config = tmp_path / "consortium.toml"
    config.write_text('partitions = 4\npartition = 3\n[store]\nkind = "postgres"\n')
    loaded = load_config(config, ConsortiumConfig)
    assert (loaded.partitions, loaded.consumer) == (4, "consortium-3-of-4")
    config.write_text("partitions = 4\n")
    with pytest.raises(ConfigError, match="PostgreSQL"):
        load_config(config, ConsortiumConfig)


def test_each_partition_of_one_config_serves_http_on_a_port_of_its_own(
    tmp_path: Path,
) -> None:
    from commonweal.cli import _parser, _partitioned

    config = tmp_path / "consortium.toml"
    config.write_text(
        'partitions = 3\n[store]\nkind = "postgres"\n[http]\nport = 8090\n'
    )
    loaded = load_config(config, ConsortiumConfig)

    def run(*extra: str) -> ConsortiumConfig:
        argv = ["consortium", "run", "--config", str(config), *extra]
        return _partitioned(loaded, _parser().parse_args(argv))

    assert [run("--partition", str(k)).http.port for k in range(3)] == [
        8090,
        8091,
        8092,
    ]
    assert run("--partition", "2").consumer == "consortium-2-of-3"
    assert run("--partition", "1", "--port", "9000").http.port == 9000


@pytest.mark.postgres
async def test_a_second_process_for_a_partition_stands_by_until_the_first_is_gone(
    tmp_path: Path,
    nats_server: NatsServer,
    pg_store_factory: Callable[[], StoreConfig],
) -> None:
    """Two processes of one partition would share its consumer and could count
    a redelivered message twice: the second waits, and takes over when the
    first stops."""
    config = ConsortiumConfig(
        store=pg_store_factory(),
        registry=StoreConfig(path=str(tmp_path / "registry.db")),
        broker=BrokerConfig(servers=[nats_server.url]),
        partitions=2,
        partition=partition_of("alpha", 2),
    )
    first, second = ConsortiumService(config), ConsortiumService(config)
    register_coop_key(first.registry, "alpha", "Alpha Care")
    first.start()
    await wait_for(lambda: first.aggregator.ready, 20, "the first to start")
    second.start()
    node = node_for("alpha", tmp_path, [nats_server.url])
    try:
        generate_membership(node.coop_node, members=10, seed=1, start=START)
        node.replicator.wake()
        await wait_until_caught_up([node], first, timeout=60)
        assert second.lock is not None and not second.lock.held
        assert not second.aggregator.ready and second.aggregator.totals.applied == 0
        await first.stop()
        await wait_for(lambda: second.aggregator.ready, 20, "the standby to start")
        generate_membership(node.coop_node, members=10, seed=2, start=START)
        node.replicator.wake()
        await wait_until_caught_up([node], second, timeout=60)
        assert second.aggregator.totals.applied > 0
        assert reported_membership(second.report(), "alpha") == membership_truth(
            node.coop_node
        )
    finally:
        await node.stop()
        await first.stop()
        await second.stop()
