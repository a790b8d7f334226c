"""Per-co-op broker credentials enforced by nats-server itself."""

import asyncio
import datetime as dt

import nats
import pytest
from nats.js.api import ConsumerConfig

from federation.credentials import sync_broker_users
from federation.registry import ConsortiumRegistry
from federation.service import ConsortiumService
from node.service import NodeService
from tests.configs import node_config
from tests.secured import SecuredHub
from tests.streams import stream_messages
from tests.truth import membership_truth, reported_membership
from tests.waiting import wait_for, wait_until_caught_up
from toolkit.config import StoreConfig

DAY = dt.date(2026, 5, 4)


def start_node(hub: SecuredHub, coop_id: str, tmp_path: object) -> NodeService:
    broker = hub.register(coop_id)
    store = StoreConfig(path=f"{tmp_path}/{coop_id}.db")
    config = node_config(coop_id, store, [hub.server.url])
    node = NodeService(type(config)(**{**_fields(config), "broker": broker}))
    node.found_if_new()
    node.start()
    return node


def _fields(config: object) -> dict[str, object]:
    return {f: getattr(config, f) for f in config.__struct_fields__}  # type: ignore[attr-defined]


def admit(node: NodeService, n: int = 1) -> None:
    for i in range(n):
        member = node.coop_node.apply_for_membership(
            name=f"Runner {i}", email=f"r{i}@example.org", member_class="worker"
        )
        node.coop_node.admit_member(member, DAY)
    node.replicator.wake()


async def connect_as(node: NodeService, errors: list[str]) -> nats.NATS:
    async def on_error(error: Exception) -> None:
        errors.append(str(error))

    return await nats.connect(
        node.config.broker.servers,
        error_cb=on_error,
        allow_reconnect=False,
        **node.config.broker.connect_options(),  # type: ignore[arg-type]
    )


@pytest.mark.slow
async def test_a_node_cannot_forge_another_coops_subjects_nor_read_its_stream(
    secured_hub: SecuredHub, tmp_path: object
) -> None:
    consortium = ConsortiumService(secured_hub.consortium)
    consortium.start()
    alpha = start_node(secured_hub, "alpha", tmp_path)
    beta = start_node(secured_hub, "beta", tmp_path)
    try:
        admit(alpha, 2)
        admit(beta, 3)
        await wait_until_caught_up([alpha, beta], consortium)

        errors: list[str] = []
        nc = await connect_as(alpha, errors)
        js = nc.jetstream(timeout=1)
        # Publishing onto beta's subjects, as alpha: the broker refuses it.
        with pytest.raises(TimeoutError):
            await js.publish("cw.coop.beta.membership", b"{}")
        # Reading beta's messages: no subscription to its subjects ...
        sub = await nc.subscribe("cw.coop.beta.>")
        # ... and no JetStream API to read the stream or make a consumer on it.
        with pytest.raises(TimeoutError):
            await js.stream_info("CW_FEDERATION")
        with pytest.raises(TimeoutError):
            await js.get_msg("CW_FEDERATION", 1)
        with pytest.raises(TimeoutError):
            await js.add_consumer("CW_FEDERATION", ConsumerConfig(durable_name="spy"))
        beta.coop_node.apply_for_membership(
            name="X", email="x@e.org", member_class="worker"
        )
        admit(beta)
        await wait_until_caught_up([alpha, beta], consortium)
        with pytest.raises(TimeoutError):
            await sub.next_msg(timeout=0.5)
        await nc.close()
        assert any('publish to "cw.coop.beta.membership"' in e for e in errors)
        assert any('subscription to "cw.coop.beta.>"' in e for e in errors)
        assert any("$js.api.stream.info" in e.lower() for e in errors)

        # What alpha is allowed to do still works, and nothing forged got in.
        messages = await stream_messages(
            secured_hub.server.url, **secured_hub.consortium.broker.connect_options()
        )
        assert {s for s, _ in messages} == {
            "cw.coop.alpha.membership",
            "cw.coop.beta.membership",
        }
        assert not any(data == b'"{}"' for _, data in messages)
        report = consortium.report()
        assert reported_membership(report, "beta") == membership_truth(beta.coop_node)
        assert reported_membership(report, "alpha") == membership_truth(alpha.coop_node)
        assert report.dead_letters == 0
    finally:
        for node in (alpha, beta):
            await node.stop()
        await consortium.stop()


async def test_a_revoked_coop_is_refused_at_once_while_others_carry_on(
    secured_hub: SecuredHub, tmp_path: object
) -> None:
    consortium = ConsortiumService(secured_hub.consortium)
    consortium.start()
    alpha = start_node(secured_hub, "alpha", tmp_path)
    beta = start_node(secured_hub, "beta", tmp_path)
    try:
        admit(alpha, 2)
        admit(beta, 2)
        await wait_until_caught_up([alpha, beta], consortium)
        published_before = alpha.replicator.published

        registry = ConsortiumRegistry(secured_hub.consortium.registry_env())
        registry.revoke_credentials("alpha")
        sync_broker_users(secured_hub.consortium, registry)
        registry.close()
        assert (
            "alpha"
            not in secured_hub.consortium.path(
                secured_hub.consortium.auth.users_file
            ).read_text()
        )

        # Alpha's next publish is refused: its own connection is dropped and a new
        # one with its key is not authorised.
        errors: list[str] = []
        for _ in range(3):  # the first refusal may show only as a dropped connection
            with pytest.raises((nats.errors.Error, OSError)):
                await wait_for_refusal(alpha, errors)
            if any("authorization violation" in e.lower() for e in errors):
                break
        assert any("authorization violation" in e.lower() for e in errors), errors
        admit(alpha, 2)
        admit(beta, 3)
        await wait_for(
            lambda: (
                beta.caught_up
                and consortium.views.position("beta") >= beta.replicator.published.seq
            ),
            what="beta to carry on",
        )
        await asyncio.sleep(1.0)  # give alpha's replicator every chance to publish
        assert alpha.replicator.published == published_before
        assert not alpha.caught_up
        report = consortium.report()
        assert reported_membership(report, "beta") == membership_truth(beta.coop_node)
        assert reported_membership(report, "alpha")["members"] == 2
        assert membership_truth(alpha.coop_node)["members"] == 4
    finally:
        for node in (alpha, beta):
            await node.stop()
        await consortium.stop()


async def wait_for_refusal(node: NodeService, errors: list[str]) -> None:
    """Connect with the node's credentials; raises once the broker refuses them."""
    deadline = asyncio.get_running_loop().time() + 5
    while asyncio.get_running_loop().time() < deadline:
        nc = await connect_as(node, errors)  # raises when authorisation fails
        await nc.close()
        await asyncio.sleep(0.05)
