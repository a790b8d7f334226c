"""A restored node, a moved node and a restored consortium carry the co-op's chain
on with a real broker: nothing lost, nothing applied twice, no dead letters, and a
backup older than what the consortium has received publishes nothing."""

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import msgspec
import nats
import pytest
from nats.errors import NoRespondersError

from commonweal.backup import (
    backup_consortium,
    backup_node,
    restore_consortium,
    restore_node,
)
from commonweal.backup_secrets import PASSPHRASE_ENV
from commonweal.cli import main
from federation.broker import FEDERATION_STREAM, NatsServer
from federation.config import ConsortiumConfig
from federation.service import ConsortiumService
from node.application import CoopNode
from node.config import NodeConfig
from node.service import NodeService
from tests.configs import node_config
from tests.secured import SecuredHub
from tests.test_broker_attacks import start_leaf
from tests.truth import membership_truth, reported_membership
from tests.waiting import wait_for, wait_until_caught_up, writing
from toolkit.config import StoreConfig, load_config, write_config
from toolkit.retry import stop_task

pytestmark = pytest.mark.slow

PASSPHRASE = "correct horse battery staple"
DAY = dt.date(2026, 2, 10)
NodeFactory = Callable[..., NodeService]
ConsortiumFactory = Callable[..., ConsortiumService]
Service = NodeService | ConsortiumService


def join(app: CoopNode, *numbers: int) -> None:
    """Member n applies, is admitted and buys 100 + n shares, for each n."""
    for n in numbers:
        member_id = app.apply_for_membership(
            name=f"Member {n}", email=f"m{n}@example.org", member_class="worker"
        )
        app.admit_member(member_id, DAY)
        # Applied twice, the capital would show.
        app.buy_shares(member_id, 100 + n, DAY)


@pytest.fixture
async def started() -> AsyncIterator[list[Service]]:
    """Services a test starts from restored configs; stopped at the end."""
    services: list[Service] = []
    yield services
    for service in services:
        await service.stop()


def start_node(config_path: Path, started: list[Service]) -> NodeService:
    node = NodeService(load_config(config_path, NodeConfig))
    node.found_if_new()
    node.start()
    started.append(node)
    return node


def config_file(node: NodeService, folder: Path) -> Path:
    path = folder / f"{node.config.coop_id}.toml"
    write_config(path, node.config)
    return path


async def pause_replicator(node: NodeService) -> None:
    await stop_task(node._task)


def exact(consortium: ConsortiumService, node: NodeService) -> None:
    report = consortium.report()
    assert reported_membership(report, node.config.coop_id) == membership_truth(
        node.coop_node
    )
    assert consortium.views.dead_letters() == []
    assert consortium.aggregator.totals.dead_letters == 0


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_a_backup_taken_during_writes_restores_and_replicates_on(
    backend: str,
    tmp_path: Path,
    nats_server: NatsServer,
    make_node: NodeFactory,
    make_consortium: ConsortiumFactory,
    started: list[Service],
    pg_store_factory: Callable[[], StoreConfig],
) -> None:
    postgres = backend == "postgres"
    consortium = make_consortium([nats_server.url])
    alpha = make_node(
        "alpha", [nats_server.url], store=pg_store_factory() if postgres else None
    )
    join(alpha.coop_node, *range(10))
    await wait_until_caught_up([alpha], consortium)
    # The broker is out of reach while members join and the backup is taken: the
    # snapshot holds writes the consortium has not had yet.
    await pause_replicator(alpha)
    with writing(lambda n: join(alpha.coop_node, n), first=100) as written:
        await wait_for(lambda: len(written) >= 3, what="writes under way")
        manifest = await asyncio.to_thread(
            backup_node, config_file(alpha, tmp_path), tmp_path / "backup", PASSPHRASE
        )
        count = len(written)
        await wait_for(lambda: len(written) >= count + 3, what="writes after it")
    await alpha.stop()  # the node dies; what it wrote after the backup is lost

    schema = pg_store_factory().schema if postgres else None
    restored = start_node(
        restore_node(tmp_path / "backup", tmp_path / "new", PASSPHRASE, schema=schema),
        started,
    )
    assert restored.coop_node.recorder.max_notification_id() == (
        manifest.stores["store"].last_notification_id
    )
    join(restored.coop_node, *range(500, 505))
    await wait_until_caught_up([restored], consortium)
    exact(consortium, restored)
    assert restored.replicator.halted is None
    assert consortium.aggregator.totals.duplicates == 0


async def test_a_backup_taken_before_its_writes_were_published_sends_nothing_twice(
    tmp_path: Path,
    nats_server: NatsServer,
    make_node: NodeFactory,
    make_consortium: ConsortiumFactory,
    started: list[Service],
) -> None:
    consortium = make_consortium([nats_server.url])
    alpha = make_node("alpha", [nats_server.url])
    join(alpha.coop_node, 0)
    await wait_until_caught_up([alpha], consortium)
    await pause_replicator(alpha)
    join(alpha.coop_node, *range(1, 8))
    backup_node(config_file(alpha, tmp_path), tmp_path / "backup", PASSPHRASE)
    # Then the old node published what the backup holds, and died.
    alpha._task = asyncio.create_task(alpha.replicator.run())
    await wait_until_caught_up([alpha], consortium)
    published = alpha.replicator.published.seq
    await alpha.stop()

    restored = start_node(
        restore_node(tmp_path / "backup", tmp_path / "new", PASSPHRASE), started
    )
    await wait_for(lambda: not restored.replicator.must_check_stream, what="check")
    assert restored.replicator.published.seq == published
    join(restored.coop_node, 8)
    await wait_until_caught_up([restored], consortium)
    exact(consortium, restored)
    assert consortium.aggregator.totals.duplicates == 0  # it resent nothing
    # Two shared events per member: admitted, shares bought (applying is not shared).
    assert restored.replicator.published.seq == published + 2


async def test_a_backup_older_than_what_the_consortium_has_publishes_nothing(
    tmp_path: Path,
    nats_server: NatsServer,
    make_node: NodeFactory,
    make_consortium: ConsortiumFactory,
    started: list[Service],
) -> None:
    consortium = make_consortium([nats_server.url])
    alpha = make_node("alpha", [nats_server.url])
    join(alpha.coop_node, *range(3))
    backup_node(config_file(alpha, tmp_path), tmp_path / "backup", PASSPHRASE)
    join(alpha.coop_node, *range(3, 6))
    await wait_until_caught_up([alpha], consortium)
    received = consortium.report()
    await alpha.stop()

    restored = start_node(
        restore_node(tmp_path / "backup", tmp_path / "new", PASSPHRASE), started
    )
    join(restored.coop_node, 99)
    await wait_for(lambda: restored.replicator.halted is not None, what="the refusal")
    assert "older than what the consortium has already received" in str(
        restored.replicator.halted
    )
    assert restored.replicator.last_error == restored.replicator.halted
    await asyncio.sleep(0.5)
    assert restored.replicator.envelopes_published == 0
    assert consortium.report().membership == received.membership
    assert consortium.views.dead_letters() == []


async def test_a_moved_coop_carries_its_chain_on(
    tmp_path: Path,
    nats_server: NatsServer,
    make_node: NodeFactory,
    make_consortium: ConsortiumFactory,
    started: list[Service],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    consortium = make_consortium([nats_server.url])
    alpha = make_node("alpha", [nats_server.url])
    join(alpha.coop_node, *range(5))
    await wait_until_caught_up([alpha], consortium)
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    export = ["node", "export", "--config", str(config_file(alpha, tmp_path))]
    assert main([*export, "--to", str(tmp_path / "moving")]) == 0
    await alpha.stop()
    new_home = tmp_path / "other-machine" / "alpha"
    imported = ["node", "import", "--from", str(tmp_path / "moving")]
    assert main([*imported, "--to", str(new_home), "--broker", nats_server.url]) == 0

    moved = start_node(new_home / "node.toml", started)
    join(moved.coop_node, *range(5, 9))
    await wait_until_caught_up([moved], consortium)
    exact(consortium, moved)
    assert moved.replicator.published.seq == 1 + 9 * 2  # founding, 2 per member
    assert consortium.aggregator.totals.duplicates == 0


async def test_a_restored_consortium_ingests_on_exactly_once(
    tmp_path: Path,
    nats_server: NatsServer,
    make_node: NodeFactory,
    make_consortium: ConsortiumFactory,
    started: list[Service],
) -> None:
    first = make_consortium([nats_server.url])
    alpha = make_node("alpha", [nats_server.url])
    join(alpha.coop_node, *range(5))
    await wait_until_caught_up([alpha], first)
    folder = tmp_path / "consortium"
    write_config(folder / "consortium.toml", first.config)

    # Taken while the aggregator applies what the node goes on writing.
    def more_members() -> None:
        join(alpha.coop_node, *range(5, 15))

    writes = asyncio.create_task(asyncio.to_thread(more_members))
    await asyncio.to_thread(
        backup_consortium, folder / "consortium.toml", tmp_path / "backup", PASSPHRASE
    )
    await writes
    await wait_until_caught_up([alpha], first)
    await first.stop()

    config = restore_consortium(tmp_path / "backup", tmp_path / "new", PASSPHRASE)
    second = ConsortiumService(load_config(config, ConsortiumConfig))
    second.start()
    started.append(second)
    join(alpha.coop_node, *range(15, 18))
    await wait_until_caught_up([alpha], second)
    exact(second, alpha)
    assert second.views.position("alpha") == alpha.replicator.published.seq


async def test_under_coop_credentials_a_restored_node_reads_its_own_chain_only(
    secured_hub: SecuredHub,
    tmp_path: Path,
    started: list[Service],
) -> None:
    consortium = ConsortiumService(secured_hub.consortium)
    consortium.start()
    started.append(consortium)
    nodes = {}
    for coop_id in ("alpha", "beta"):
        broker = secured_hub.register(coop_id)
        store = StoreConfig(path=str(tmp_path / f"{coop_id}.db"))
        config = msgspec.structs.replace(
            node_config(coop_id, store, broker.servers), broker=broker
        )
        nodes[coop_id] = node = NodeService(config)
        node.found_if_new()
        node.start()
        started.append(node)
        join(node.coop_node, 1)
    alpha = nodes["alpha"]
    await wait_until_caught_up(list(nodes.values()), consortium, timeout=30)
    backup_node(config_file(alpha, tmp_path), tmp_path / "backup", PASSPHRASE)
    await alpha.stop()
    started.remove(alpha)

    # Restored on a machine where a leaf broker (deploy/nats/leaf.conf) carries
    # the co-op's traffic to the hub under its own key.
    assert alpha.config.broker.nkey_seed
    leaf = start_leaf(secured_hub, alpha.config.broker.nkey_seed, tmp_path / "leaf")
    try:
        path = restore_node(
            tmp_path / "backup", tmp_path / "new", PASSPHRASE, servers=[leaf.url]
        )
        restored = start_node(path, started)
        await wait_for(lambda: not restored.replicator.must_check_stream, what="check")
        assert restored.replicator.halted is None
        join(restored.coop_node, 2)
        await wait_until_caught_up([restored], consortium, timeout=30)
        exact(consortium, restored)
        await restored.stop()
        started.remove(restored)
    finally:
        leaf.kill()

    # What the hub lets alpha's key read: its own subjects' last envelopes, not
    # beta's, nor through JetStream's API.
    options = alpha.config.broker.connect_options()
    nc = await nats.connect(secured_hub.server.url, **options)  # type: ignore[arg-type]
    try:
        own = await nc.request("cw.last.cw.coop.alpha.membership", b"", timeout=2)
        assert b'"coop_id":"alpha"' in own.data
        for request in (
            "cw.last.cw.coop.beta.membership",
            f"$JS.API.DIRECT.GET.{FEDERATION_STREAM}.cw.coop.beta.membership",
        ):
            with pytest.raises((NoRespondersError, nats.errors.TimeoutError)):
                await nc.request(request, b"", timeout=1)
        with pytest.raises((NoRespondersError, nats.errors.TimeoutError)):
            await nc.jetstream(timeout=1).get_last_msg(
                FEDERATION_STREAM, "cw.coop.beta.membership"
            )
    finally:
        await nc.close()
