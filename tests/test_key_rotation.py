"""`commonweal consortium rotate-key`: a co-op's new key, with an overlap in which
the old one still signs, against a real nats-server and a real node."""

import datetime as dt
from pathlib import Path

from federation.broker import NatsServer
from federation.config import ConsortiumConfig
from federation.service import ConsortiumService
from node.config import NodeConfig
from node.service import NodeService
from tests.commands import commonweal
from tests.truth import membership_truth, reported_membership
from tests.waiting import wait_for, wait_until_caught_up
from toolkit.config import load_config
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
