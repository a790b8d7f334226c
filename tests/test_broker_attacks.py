"""Issue 12's attacks at the broker, tried with real nats-servers (a hub, a co-op's
leaf) and shown to fail: a leaf reading or forging other co-ops' subjects, a reply
subject aimed at another co-op, a co-op named like the consortium or listening on
its inbox, and a revocation the broker never applied."""

import asyncio
import datetime as dt
from pathlib import Path

import msgspec
import nats
import pytest
from nats.errors import NoRespondersError

from federation.broker import NatsServer, ensure_federation_stream
from federation.credentials import CONSORTIUM_INBOX, OLD_CONSORTIUM_INBOX
from federation.registry import ConsortiumRegistry
from federation.service import ConsortiumService
from node.service import NodeService
from tests.commands import commonweal
from tests.configs import node_config
from tests.secured import SecuredHub
from tests.spinoff_parent import load_node, prepare_parent, write_parent
from tests.streams import stream_messages
from tests.truth import membership_truth, reported_membership
from tests.waiting import wait_for, wait_until_caught_up
from toolkit.config import BrokerConfig, StoreConfig

DAY = dt.date(2026, 5, 4)
# "Consortium" in full-width letters, which NFKC folds to ASCII.
FULL_WIDTH_CONSORTIUM = "".join(chr(0xFEE0 + ord(c)) for c in "Consortium")
DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def start_node(coop_id: str, broker: BrokerConfig, tmp_path: Path) -> NodeService:
    store = StoreConfig(path=str(tmp_path / f"{coop_id}.db"))
    config = msgspec.structs.replace(
        node_config(coop_id, store, broker.servers), broker=broker
    )
    node = NodeService(config)
    node.found_if_new()
    node.start()
    return node


def admit(node: NodeService, n: int) -> None:
    for i in range(n):
        member = node.coop_node.apply_for_membership(
            name=f"Member {i}", email=f"m{i}@example.org", member_class="worker"
        )
        node.coop_node.admit_member(member, DAY)
    node.replicator.wake()


async def connect(broker: BrokerConfig, errors: list[str]) -> nats.NATS:
    async def on_error(error: Exception) -> None:
        errors.append(str(error))

    return await nats.connect(
        broker.servers,
        error_cb=on_error,
        allow_reconnect=False,
        **broker.connect_options(),  # type: ignore[arg-type]
    )


def start_leaf(hub: SecuredHub, seed: str, directory: Path) -> NatsServer:
    """deploy/nats/leaf.conf as a co-op runs it, signed in with the co-op's nkey."""
    server = NatsServer(directory, complete_config=True, name="leaf")
    config = (DEPLOY / "nats/leaf.conf").read_text()
    config = config.replace('"127.0.0.1:4222"', f'"127.0.0.1:{server.port}"')
    config = config.replace(
        "$CW_HUB_LEAF_URL", f'"nats-leaf://127.0.0.1:{hub.leaf_port}"'
    )
    server.config = config.replace("$CW_COOP_NKEY_SEED", f'"{seed}"')
    return server.start()


async def drain(sub: nats.aio.subscription.Subscription) -> list[str]:
    subjects = []
    while True:
        try:
            subjects.append((await sub.next_msg(timeout=0.2)).subject)
        except nats.errors.TimeoutError:
            return subjects


@pytest.mark.slow
async def test_a_leaf_has_its_coops_identity_and_no_more(
    secured_hub: SecuredHub, tmp_path: Path
) -> None:
    consortium = ConsortiumService(secured_hub.consortium)
    consortium.start()
    alpha_direct = secured_hub.register("alpha")
    assert alpha_direct.nkey_seed
    leaf = start_leaf(secured_hub, alpha_direct.nkey_seed, tmp_path / "leaf")
    via_leaf = msgspec.structs.replace(alpha_direct, servers=[leaf.url])
    alpha = start_node("alpha", via_leaf, tmp_path)
    beta = start_node("beta", secured_hub.register("beta"), tmp_path)
    # Whoever runs the leaf (the co-op itself) needs no credentials on it.
    spy = await nats.connect(leaf.url, allow_reconnect=False)
    try:
        watch = await spy.subscribe("cw.coop.>")
        inboxes = await spy.subscribe("_INBOX_beta.>")
        consortium_inbox = await spy.subscribe(f"{CONSORTIUM_INBOX}.>")
        await spy.flush()
        admit(alpha, 2)
        admit(beta, 3)
        await wait_until_caught_up([alpha, beta], consortium, timeout=30)

        # Alpha's data went through its leaf; beta's never came back down it.
        seen = await drain(watch)
        assert "cw.coop.alpha.membership" in seen  # its own, seen locally
        assert not [s for s in seen if not s.startswith("cw.coop.alpha.")]
        assert await drain(inboxes) == []
        assert await drain(consortium_inbox) == []

        # Forging beta's subject through the leaf: the hub drops it.
        await spy.publish("cw.coop.beta.membership", b'"forged"')
        with pytest.raises((NoRespondersError, nats.errors.TimeoutError)):
            await spy.jetstream(timeout=1).publish("cw.coop.beta.governance", b"{}")
        # The hub's JetStream API is out of the leaf's reach, in every domain.
        for api in ("$JS.hub.API.STREAM.INFO.CW_FEDERATION", "$JS.API.INFO"):
            with pytest.raises((NoRespondersError, nats.errors.TimeoutError)):
                await spy.request(api, b"", timeout=1)
        await spy.flush()
        await asyncio.sleep(0.5)
        messages = await stream_messages(
            secured_hub.server.url, **secured_hub.consortium.broker.connect_options()
        )
        assert {s for s, _ in messages} == {
            "cw.coop.alpha.membership",
            "cw.coop.beta.membership",
        }
        assert not any(b"forged" in data for _, data in messages)
        report = consortium.report()
        for node in (alpha, beta):
            truth = membership_truth(node.coop_node)
            assert reported_membership(report, node.config.coop_id) == truth
        assert report.dead_letters == 0
    finally:
        await spy.close()
        for node in (alpha, beta):
            await node.stop()
        await consortium.stop()
        leaf.kill()


async def test_a_reply_subject_cannot_make_the_broker_write_on_another_coop(
    secured_hub: SecuredHub, tmp_path: Path
) -> None:
    async def attack(
        url: str, alpha: dict[str, object], admin: dict[str, object]
    ) -> set[str]:
        """Alpha publishes on its own subject with beta's subject as reply; the
        subjects the stream then holds."""
        nc = await nats.connect(url, **admin)  # type: ignore[arg-type]
        await ensure_federation_stream(nc.jetstream())
        await nc.close()
        nc = await nats.connect(url, **alpha)  # type: ignore[arg-type]
        await nc.publish(
            "cw.coop.alpha.membership", b"1", reply="cw.coop.beta.membership"
        )
        await nc.flush()
        await nc.close()
        await asyncio.sleep(0.5)
        return {subject for subject, _ in await stream_messages(url, **admin)}

    # One account (the open broker of the demo): the ack is stored on beta's subject.
    with NatsServer(tmp_path / "open") as open_broker:
        subjects = await attack(open_broker.url, {}, {})
    assert subjects == {"cw.coop.alpha.membership", "cw.coop.beta.membership"}

    # The secured hub: co-ops reach the stream through an import; the ack goes to a
    # private reply subject and nothing lands on beta's.
    alpha = secured_hub.register("alpha").connect_options()
    admin = secured_hub.consortium.broker.connect_options()
    assert await attack(secured_hub.server.url, alpha, admin) == {
        "cw.coop.alpha.membership"
    }


async def test_a_coop_cannot_take_the_consortiums_name_nor_inbox(
    secured_hub: SecuredHub, tmp_path: Path
) -> None:
    # The registry refuses reserved words, whatever the command.
    registry = ConsortiumRegistry(secured_hub.consortium.registry_env())
    try:
        for coop_id in ("consortium", "sys", "js", "inbox", "hub", "leaf", "all"):
            with pytest.raises(ValueError, match="reserved"):
                registry.register(coop_id, f"{coop_id} co-op")
    finally:
        registry.close()
    # `consortium register` with a node.toml whose id is reserved: exit 2, why.
    node_toml = tmp_path / "c" / "node.toml"
    run = commonweal(
        "node", "init", "--config", str(node_toml), "--coop-id", "consortium",
        "--name", FULL_WIDTH_CONSORTIUM, "--http-port", "0",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    run = commonweal(
        "consortium", "register", "--config", str(secured_hub.config_path),
        "--node-config", str(node_toml),
    )  # fmt: skip
    assert run.returncode == 2
    assert "co-op id 'consortium' is reserved" in run.stderr

    # The consortium's inbox is outside every co-op's inbox family, and a co-op's
    # credentials may not listen on it (nor on the old one).
    assert not CONSORTIUM_INBOX.startswith("_INBOX_")
    errors: list[str] = []
    nc = await connect(secured_hub.register("alpha"), errors)
    for inbox in (CONSORTIUM_INBOX, OLD_CONSORTIUM_INBOX):
        await nc.subscribe(f"{inbox}.>")
    await nc.flush()
    await wait_for(lambda: len(errors) == 2, 5, "both subscriptions refused")
    await nc.close()
    for inbox in (CONSORTIUM_INBOX, OLD_CONSORTIUM_INBOX):
        # nats-py lower-cases the server's message
        assert any(f'subscription to "{inbox.lower()}.>"' in e for e in errors)


def test_a_spinoff_named_like_the_consortium_is_refused(
    secured_hub: SecuredHub, tmp_path: Path
) -> None:
    parent_path = write_parent(tmp_path, [secured_hub.server.url])
    node = NodeService(load_node(parent_path))
    node.found_if_new()
    spinoff, _ = prepare_parent(node.coop_node, spinoff_name=FULL_WIDTH_CONSORTIUM)
    node.coop_node.close()
    secured_hub.register("alpha", "Alpha Care")
    users = secured_hub.consortium.path(secured_hub.consortium.auth.users_file)
    before = users.read_text()
    run = commonweal(
        "spinoff", "--parent-config", str(parent_path), "--spinoff", str(spinoff),
        "--consortium-config", str(secured_hub.config_path),
        "--out", str(tmp_path / "nodes"),
    )  # fmt: skip
    assert run.returncode == 2
    assert "co-op id 'consortium' is reserved" in run.stderr
    assert not (tmp_path / "nodes").exists()
    assert users.read_text() == before


async def test_revoke_fails_when_the_broker_does_not_reload(
    secured_hub: SecuredHub,
) -> None:
    alpha = secured_hub.register("alpha")
    # The operator renames the server in its config: nats-server refuses every
    # reload from now on (server_name cannot change while it runs).
    config_file = secured_hub.server.store_dir / f"{secured_hub.server.name}.conf"
    config_file.write_text(
        config_file.read_text().replace("server_name: commonweal", "server_name: x")
    )
    run = commonweal(
        "consortium", "revoke", "--config", str(secured_hub.config_path),
        "--coop-id", "alpha",
    )  # fmt: skip
    assert run.returncode == 2
    assert "did not reload" in run.stderr
    assert "NOT in force" in run.stderr
    # Which is the truth: alpha's key still gets in.
    nc = await connect(alpha, [])
    await nc.close()

    # The operator puts the name back; sync-users applies the revocation.
    config_file.write_text(
        config_file.read_text().replace("server_name: x", "server_name: commonweal")
    )
    run = commonweal(
        "consortium", "sync-users", "--config", str(secured_hub.config_path)
    )
    assert run.returncode == 0, run.stderr
    with pytest.raises(nats.errors.Error):
        await connect(alpha, [])


async def test_revoke_disconnects_the_coop_before_it_returns(
    secured_hub: SecuredHub,
) -> None:
    alpha = secured_hub.register("alpha")
    beta = secured_hub.register("beta")
    errors: list[str] = []
    connected = await connect(alpha, errors)
    run = commonweal(
        "consortium", "revoke", "--config", str(secured_hub.config_path),
        "--coop-id", "alpha",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "alpha: revoked"
    # Revoke confirmed alpha gone from the broker's connections before it
    # returned: the broker has closed alpha's connection.
    await wait_for(lambda: connected.is_closed, 5, "alpha's connection to close")
    with pytest.raises(nats.errors.Error):
        await connect(alpha, [])
    nc = await connect(beta, [])  # the others carry on
    await nc.close()
