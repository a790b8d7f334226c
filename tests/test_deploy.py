"""The deployment material in deploy/, exercised for real: the nats-server configs
are started (only ports and directories substituted), the example TOMLs load with
the real config loaders, the compose file parses, the systemd units verify."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest
import yaml

from commonweal.sample_activity import generate_membership
from federation.broker import NatsServer, free_port
from federation.config import ConsortiumConfig
from federation.credentials import (
    CONSORTIUM_INBOX,
    new_user_seed,
    node_broker_config,
    public_key,
    render_users,
)
from federation.service import ConsortiumService
from node.config import EXAMPLE_SECRET, NodeConfig, new_secret
from node.service import NodeService
from tests.keys import coop_seed
from tests.proxy import LinkProxy
from tests.truth import membership_truth, reported_membership
from tests.waiting import wait_for, wait_until_caught_up
from toolkit.config import BrokerConfig, ConfigError, StoreConfig, load_config

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
START = dt.date(2025, 3, 1)


def deployed(name: str, replacements: dict[str, str]) -> str:
    """A config from deploy/ with ports and directories substituted; each must occur."""
    text = (DEPLOY / name).read_text()
    for old, new in replacements.items():
        assert old in text, f"{old!r} is not in deploy/{name}"
        text = text.replace(old, new)
    return text


def make_node(
    coop_id: str,
    tmp_path: Path,
    broker: BrokerConfig,
    consortium: ConsortiumService,
    profile: str = "italy_type_a",
) -> NodeService:
    """A started node whose key ``consortium`` knows (its broker seed, or the
    co-op's test key on a leaf broker without users)."""
    if not broker.nkey_seed:
        broker = msgspec.structs.replace(broker, nkey_seed=coop_seed(coop_id))
    consortium.registry.register(
        coop_id,
        f"{coop_id.title()} Care",
        public_key=public_key(broker.nkey_seed),
        unsigned_until=0,
    )
    node = NodeService(
        NodeConfig(
            coop_id=coop_id,
            name=f"{coop_id.title()} Care",
            secret=new_secret(),
            profile=profile,
            store=StoreConfig(path=str(tmp_path / f"{coop_id}.db")),
            broker=broker,
        )
    )
    node.found_if_new()
    node.start()
    return node


def assert_exact(report: object, nodes: list[NodeService]) -> None:
    for node in nodes:
        truth = membership_truth(node.coop_node)
        assert reported_membership(report, node.config.coop_id) == truth
    assert report.dead_letters == 0  # type: ignore[attr-defined]


@pytest.mark.slow
async def test_three_server_cluster_loses_a_server_while_nodes_publish(
    tmp_path: Path,
) -> None:
    clients = [free_port() for _ in range(3)]
    routes = [free_port() for _ in range(3)]
    consortium_seed = new_user_seed()
    seeds = {coop: new_user_seed() for coop in ("alpha", "beta")}
    users = render_users(
        public_key(consortium_seed), {c: public_key(s) for c, s in seeds.items()}
    )
    servers = []
    for i in range(3):
        directory = tmp_path / f"n{i + 1}"
        replacements = {
            '"0.0.0.0:4222"': f'"127.0.0.1:{clients[i]}"',
            '"0.0.0.0:6222"': f'"127.0.0.1:{routes[i]}"',
            '"127.0.0.1:8222"': f'"127.0.0.1:{free_port()}"',
            "/var/lib/commonweal/broker": str(directory / "jetstream"),
            "/run/commonweal/nats.pid": str(directory / "nats.pid"),
        }
        for j in range(3):
            replacements[f"n{j + 1}.commonweal.internal:6222"] = (
                f"127.0.0.1:{routes[j]}"
            )
        config = deployed(f"nats/cluster/n{i + 1}.conf", replacements)
        directory.mkdir()
        (directory / "users.conf").write_text(users)
        servers.append(
            NatsServer(
                directory,
                port=clients[i],
                config=config,
                name=f"n{i + 1}",
                complete_config=True,
            )
        )
    for server in servers:
        server.start()
    urls = [server.url for server in servers]
    consortium = ConsortiumService(
        ConsortiumConfig(
            store=StoreConfig(path=str(tmp_path / "consortium.db")),
            registry=StoreConfig(path=str(tmp_path / "registry.db")),
            broker=BrokerConfig(
                servers=urls, nkey_seed=consortium_seed, inbox_prefix=CONSORTIUM_INBOX
            ),
            stream_replicas=3,
        )
    )
    consortium.start()
    nodes = [
        make_node(coop, tmp_path, node_broker_config(coop, urls, seed), consortium)
        for coop, seed in seeds.items()
    ]
    try:
        for seed, node in enumerate(nodes):
            generate_membership(node.coop_node, members=40, seed=seed, start=START)
            node.replicator.wake()
        await wait_for(lambda: consortium.aggregator.totals.applied > 0, 60, "data")
        servers[1].kill()  # while the nodes are still publishing
        for seed, node in enumerate(nodes):
            generate_membership(node.coop_node, members=40, seed=seed + 10, start=START)
            node.replicator.wake()
        await wait_until_caught_up(nodes, consortium, timeout=90)
        assert_exact(consortium.report(), nodes)
        stream = (tmp_path / "n1" / "jetstream").rglob("CW_FEDERATION")
        assert any(True for _ in stream)  # the stream is kept on the servers
    finally:
        for node in nodes:
            await node.stop()
        await consortium.stop()
        for server in servers:
            server.kill()


async def test_leaf_node_keeps_working_while_its_link_to_the_hub_is_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub_port, hub_leaf_port, leaf_port = free_port(), free_port(), free_port()
    consortium_seed, alpha_seed = new_user_seed(), new_user_seed()
    hub_dir = tmp_path / "hub"
    hub_dir.mkdir()
    (hub_dir / "users.conf").write_text(
        render_users(public_key(consortium_seed), {"alpha": public_key(alpha_seed)})
    )
    hub = NatsServer(
        hub_dir,
        port=hub_port,
        name="hub",
        complete_config=True,
        config=deployed(
            "nats/hub.conf",
            {
                '"0.0.0.0:4222"': f'"127.0.0.1:{hub_port}"',
                '"127.0.0.1:8222"': f'"127.0.0.1:{free_port()}"',
                '"0.0.0.0:7422"': f'"127.0.0.1:{hub_leaf_port}"',
                "/var/lib/commonweal/broker": str(hub_dir / "jetstream"),
                "/run/commonweal/nats.pid": str(hub_dir / "nats.pid"),
            },
        ),
    ).start()
    link = await LinkProxy(hub_leaf_port).start()
    # The leaf signs in with the co-op's own nkey: no shared leaf password.
    monkeypatch.setenv("CW_HUB_LEAF_URL", f"nats-leaf://127.0.0.1:{link.port}")
    monkeypatch.setenv("CW_COOP_NKEY_SEED", alpha_seed)
    leaf = NatsServer(
        tmp_path / "leaf",
        port=leaf_port,
        name="leaf",
        complete_config=True,
        config=deployed(
            "nats/leaf.conf", {'"127.0.0.1:4222"': f'"127.0.0.1:{leaf_port}"'}
        ),
    ).start()
    consortium = ConsortiumService(
        ConsortiumConfig(
            store=StoreConfig(path=str(tmp_path / "consortium.db")),
            registry=StoreConfig(path=str(tmp_path / "registry.db")),
            broker=BrokerConfig(
                servers=[hub.url],
                nkey_seed=consortium_seed,
                inbox_prefix=CONSORTIUM_INBOX,
            ),
        )
    )
    consortium.start()
    node = make_node(
        "alpha",
        tmp_path,
        node_broker_config("alpha", [leaf.url], alpha_seed),
        consortium,
    )
    try:
        generate_membership(node.coop_node, members=30, seed=1, start=START)
        node.replicator.wake()
        await wait_until_caught_up([node], consortium, timeout=60)
        assert_exact(consortium.report(), [node])

        await link.cut()
        cut_at = consortium.views.position("alpha")
        # The node carries on: its commands succeed while nothing gets through ...
        generate_membership(node.coop_node, members=30, seed=2, start=START)
        node.replicator.wake()
        await wait_for(lambda: True, 1.0)
        assert consortium.views.position("alpha") == cut_at
        assert not node.caught_up  # ... and it says so rather than losing it

        await link.start()
        await wait_until_caught_up([node], consortium, timeout=60)
        assert_exact(consortium.report(), [node])
    finally:
        await node.stop()
        await consortium.stop()
        await link.cut()
        leaf.kill()
        hub.kill()


def test_example_tomls_load_with_the_real_loaders(tmp_path: Path) -> None:
    # The node refuses the example's published secret; everything else loads.
    text = (DEPLOY / "config/node.example.toml").read_text()
    assert EXAMPLE_SECRET in text
    (tmp_path / "node.toml").write_text(text.replace(EXAMPLE_SECRET, new_secret()))
    node = load_config(tmp_path / "node.toml", NodeConfig)
    assert node.broker.inbox_prefix == f"_INBOX_{node.coop_id}"
    consortium = load_config(
        DEPLOY / "config/consortium.example.toml", ConsortiumConfig
    )
    assert consortium.stream_replicas == 3
    assert consortium.broker.inbox_prefix == CONSORTIUM_INBOX
    assert consortium.registry.kind == "postgres"
    partitioned = load_config(
        DEPLOY / "config/consortium.partitioned.example.toml", ConsortiumConfig
    )
    assert (partitioned.partitions, partitioned.store.kind) == (2, "postgres")


def test_compose_file_parses_and_mounts_files_that_exist() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert set(compose["services"]) == {"broker", "consortium", "node"}
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), source
    assert compose["services"]["consortium"]["pid"] == "service:broker"


def test_the_partitioned_compose_file_runs_every_partition_once() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.partitioned.yaml").read_text())
    config = load_config(
        DEPLOY / "config/consortium.partitioned.example.toml", ConsortiumConfig
    )
    services = compose["services"]
    partitions = {n: s for n, s in services.items() if n.startswith("partition-")}
    assert sorted(
        s["command"][-1].rsplit("--partition ", 1)[1] for s in partitions.values()
    ) == [str(k) for k in range(config.partitions)]
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), source
    assert services["postgres"]["environment"]["POSTGRES_DB"] == config.store.dbname


@pytest.mark.parametrize("unit", sorted(p.name for p in (DEPLOY / "systemd").iterdir()))
def test_systemd_units_verify_and_run_real_commands(unit: str, tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    text = (DEPLOY / "systemd" / unit).read_text()
    assert "/opt/commonweal/venv/bin/" in text
    (tmp_path / unit).write_text(text.replace("/opt/commonweal/venv/bin", str(bin_dir)))
    verify = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / unit)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    problems = [
        line for line in verify.stderr.splitlines() if unit in line or "Command" in line
    ]
    assert not problems, verify.stderr
    start = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    # A template's instance name (%i) is a partition number.
    command = start.removeprefix("ExecStart=").replace("%i", "0").split()
    program = Path(command[0]).name
    if program == "commonweal":
        # The same arguments, with --help: argparse accepts them or exits 2.
        check = subprocess.run(
            [str(bin_dir / "commonweal"), *command[1:], "--help"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert check.returncode == 0, check.stderr
    else:
        assert program == "nats-server"
        config = Path(command[-1]).name
        assert (DEPLOY / "nats" / config).exists()


def test_the_three_level_compose_file_and_its_configs() -> None:
    """Nodes -> two consortia -> a federation: every mounted file exists, each
    consortium shares upward to the federation's broker as its own member, and
    the example refuses to run until given a seed of its own."""
    compose = yaml.safe_load((DEPLOY / "compose.federation.yaml").read_text())
    services = compose["services"]
    assert {"federation", "north", "south", "north-node", "south-node"} <= set(services)
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), source
    federation = load_config(DEPLOY / "federation/federation.toml", ConsortiumConfig)
    assert federation.upward is None
    for side in ("north", "south"):
        name = f"federation/consortium-{side}.toml"
        with pytest.raises(ConfigError, match="a seed of its own"):
            load_config(DEPLOY / name, ConsortiumConfig)
        text = deployed(name, {"REPLACE-WITH-A-SEED-OF-ITS-OWN": new_user_seed()})
        config = msgspec.toml.decode(text, type=ConsortiumConfig)
        assert config.upward is not None and config.upward.member_id == side
        assert config.upward.broker.servers == federation.broker.servers
        assert f"{side}-broker" in config.broker.servers[0]
