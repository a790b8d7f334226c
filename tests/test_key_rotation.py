"""`commonweal consortium rotate-key`: a co-op's new key, with an overlap in which
the old one still signs, against a real nats-server and a real node."""

import datetime as dt
from pathlib import Path

import pytest

from commonweal.provisioning import register_existing
from federation.broker import NatsServer
from federation.config import ConsortiumConfig
from federation.errors import DuplicateCoop
from federation.registry import ConsortiumRegistry
from federation.service import ConsortiumService
from node.config import NodeConfig
from node.replicator import ChainHead
from node.service import NodeService
from tests.commands import commonweal
from tests.configs import node_config
from tests.keys import coop_public_key
from tests.truth import membership_truth, reported_membership
from tests.waiting import wait_for, wait_until_caught_up
from toolkit.config import StoreConfig, load_config, write_config
from toolkit.signing import Signer

CONSORTIUM_TOML = """\
[store]
path = "consortium.db"
[broker]
servers = ["{url}"]
"""


def admit(node: NodeService, n: int) -> None:
    for _ in range(n):
        member = node.coop_node.apply_for_membership(
            name="Ann Example", email="ann@example.org", member_class="worker"
        )
        node.coop_node.admit_member(member)
    node.replicator.wake()


def started(path: Path) -> NodeService:
    node = NodeService(load_config(path, NodeConfig))
    node.start()
    return node


def key_of(path: Path) -> str:
    return Signer(load_config(path, NodeConfig).broker.nkey_seed).public_key


async def test_the_old_key_signs_until_the_overlap_ends(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    (tmp_path / "consortium.toml").write_text(
        CONSORTIUM_TOML.format(url=nats_server.url)
    )
    init = commonweal(
        "node", "init", "--config", "alpha/node.toml", "--coop-id", "alpha",
        "--name", "Alpha Care", "--broker", nats_server.url, cwd=tmp_path,
    )  # fmt: skip
    assert init.returncode == 0, init.stderr
    node_toml = tmp_path / "alpha" / "node.toml"
    register = commonweal(
        "consortium", "register", "--config", "consortium.toml",
        "--node-config", "alpha/node.toml", cwd=tmp_path,
    )  # fmt: skip
    assert register.returncode == 0, register.stderr
    first_key = key_of(node_toml)
    assert register.stdout.split()[-1] == first_key

    consortium = ConsortiumService(
        load_config(tmp_path / "consortium.toml", ConsortiumConfig)
    )
    consortium.start()
    node = started(node_toml)
    try:
        admit(node, 2)
        await wait_until_caught_up([node], consortium)

        rotate = commonweal(
            "consortium", "rotate-key", "--config", "consortium.toml",
            "--node-config", "alpha/node.toml", "--overlap-hours", "1", cwd=tmp_path,
        )  # fmt: skip
        assert rotate.returncode == 0, rotate.stderr
        second_key = key_of(node_toml)
        assert second_key != first_key and second_key in rotate.stdout
        keys = dict(consortium.registry.signing_keys()["alpha"].keys)
        ends = keys[first_key]
        assert ends is not None and keys[second_key] is None
        in_an_hour = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        assert abs((ends - in_an_hour).total_seconds()) < 120

        # The running node still signs with the old key: inside the overlap.
        admit(node, 2)
        await wait_until_caught_up([node], consortium)
        await node.stop()
        node = started(node_toml)  # restarted, it signs with the new key
        assert node.replicator.signer is not None
        assert node.replicator.signer.public_key == second_key
        admit(node, 2)
        await wait_until_caught_up([node], consortium)
        report = consortium.report()
        assert report.dead_letters == 0
        assert reported_membership(report, "alpha") == membership_truth(node.coop_node)

        # With no overlap the second key stops at once: what it signs now is
        # nobody's, and moves nothing.
        position = consortium.views.position("alpha")
        rotate = commonweal(
            "consortium", "rotate-key", "--config", "consortium.toml",
            "--node-config", "alpha/node.toml", "--overlap-hours", "0", cwd=tmp_path,
        )  # fmt: skip
        assert rotate.returncode == 0, rotate.stderr
        admit(node, 1)
        await wait_for(lambda: consortium.aggregator.totals.dead_letters == 1)
        (letter,) = consortium.views.dead_letters()
        assert letter["coop_id"] is None
        assert consortium.views.position("alpha") == position
    finally:
        await node.stop()
        await consortium.stop()


def test_registering_a_coop_of_release_0_1_0_records_its_key_and_horizon(
    tmp_path: Path,
) -> None:
    """A co-op registered by release 0.1.0 (a broker key, no signed-from horizon)
    is registered again after the upgrade: its node's key is recorded, and
    unsigned envelopes stay valid up to the last seq its node published."""
    consortium = ConsortiumConfig(
        registry=StoreConfig(path=str(tmp_path / "registry.db"))
    )
    registry = ConsortiumRegistry(consortium.registry_env())
    old_key = coop_public_key("alpha-0.1.0")
    registry.register("alpha", "Alpha Care", public_key=old_key)  # as 0.1.0 did
    store = StoreConfig(path=str(tmp_path / "alpha.db"))
    config = node_config("alpha", store, ["nats://127.0.0.1:1"])
    node = NodeService(config)
    node.found_if_new()
    node.replication_log.record_published("alpha", ChainHead(40, 37, "a" * 64))
    node.coop_node.close()
    node.replication_log.factory.close()
    path = tmp_path / "node.toml"
    write_config(path, config)
    try:
        key = register_existing(consortium, path, config)
        assert key == coop_public_key("alpha")
        keys = registry.signing_keys()["alpha"]
        assert keys.unsigned_until == 37
        ends = dict(keys.keys)
        assert ends[key] is None and ends[old_key] is not None
        with pytest.raises(DuplicateCoop):
            register_existing(consortium, path, config)
    finally:
        registry.close()
