"""Issue 12's attacks on the federation stream, replayed against a real
nats-server, real nodes and a real consortium: a co-op speaks only for itself and
cannot silence another, and a co-op that goes silent shows on the operator's page."""

import asyncio
import hashlib
from collections.abc import Callable
from pathlib import Path

import aiohttp
import msgspec
import nats

from federation.broker import NatsServer
from federation.http import make_consortium_app
from federation.service import ConsortiumService
from node.http.ops import NodeCollector
from node.replicator import Outgoing, pack
from node.service import NodeService
from schemas import Envelope, chain_hash
from schemas import membership as m
from tests.configs import node_config
from tests.keys import KeyBook
from tests.secured import SecuredHub
from tests.streams import stream_envelopes, stream_messages
from tests.truth import membership_truth, reported_membership
from tests.waiting import wait_for, wait_until_caught_up
from tests.web import serving
from toolkit.config import StoreConfig

NodeFactory = Callable[..., NodeService]
ConsortiumFactory = Callable[..., ConsortiumService]


def admit(node: NodeService, n: int = 1) -> None:
    app = node.coop_node
    for _ in range(n):
        member = app.apply_for_membership(
            name="Ann Example", email="ann@example.org", member_class="worker"
        )
        app.admit_member(member)
    node.replicator.wake()


async def test_a_forged_envelope_extending_alphas_chain_is_a_dead_letter(
    nats_server: NatsServer, make_node: NodeFactory, make_consortium: ConsortiumFactory
) -> None:
    """Anyone who has seen alpha's envelopes can extend its unkeyed hash chain: a
    forged admission at seq + 1000 was applied, and alpha's real envelopes after
    it ignored while its node reported no lag. Now it is a dead letter of no
    co-op, alpha's real envelopes apply, and the node's lag is the truth."""
    consortium = make_consortium([nats_server.url])
    alpha = make_node("alpha", [nats_server.url])
    admit(alpha, 2)
    await wait_until_caught_up([alpha], consortium)
    last = (await stream_envelopes(nats_server.url))[-1]

    payload = msgspec.json.encode(
        m.MemberAdmitted(
            member="f" * 32, member_class="worker", admitted_on=last.occurred_at
        )
    )
    forged = Envelope(
        coop_id="alpha",
        seq=last.seq + 1000,
        prev_seq=last.seq,
        event_id="forged",
        occurred_at=last.occurred_at,
        schema="member.admitted/1",
        payload=msgspec.Raw(payload),
        prev_hash=last.hash,
        hash=chain_hash(last.hash, payload),
    )
    nc = await nats.connect(nats_server.url)
    try:
        await nc.jetstream().publish(
            "cw.coop.alpha.membership", msgspec.json.encode(forged)
        )
    finally:
        await nc.close()
    await wait_for(lambda: consortium.aggregator.totals.dead_letters == 1)
    assert consortium.views.position("alpha") == last.seq

    admit(alpha, 3)
    await wait_until_caught_up([alpha], consortium)
    assert consortium.views.position("alpha") == alpha.replicator.published.seq
    assert replication_lag(alpha) == 0  # and what the node says is so
    report = consortium.report()
    assert reported_membership(report, "alpha") == membership_truth(alpha.coop_node)
    (letter,) = consortium.views.dead_letters()
    assert (letter["coop_id"], letter["seq"], letter["reason"]) == (
        None,
        None,
        "unsigned message",
    )


async def test_a_reply_subject_aimed_at_beta_is_not_betas(
    nats_server: NatsServer, make_node: NodeFactory, make_consortium: ConsortiumFactory
) -> None:
    """Alpha publishes on its own subject with beta's subject as the reply: the
    broker's acknowledgement lands on beta's subject, unsigned, and is nobody's."""
    consortium = make_consortium([nats_server.url])
    beta = make_node("beta", [nats_server.url])
    await wait_until_caught_up([beta], consortium)
    nc = await nats.connect(nats_server.url)
    try:
        await nc.publish(
            "cw.coop.alpha.membership", b"{}", reply="cw.coop.beta.membership"
        )
        await nc.flush()
    finally:
        await nc.close()
    await wait_for(lambda: consortium.aggregator.totals.dead_letters == 2)
    letters = consortium.views.dead_letters()
    assert {letter["subject"] for letter in letters} == {
        "cw.coop.alpha.membership",
        "cw.coop.beta.membership",
    }
    assert {letter["coop_id"] for letter in letters} == {None}
    admit(beta)
    await wait_until_caught_up([beta], consortium)
    report = consortium.report()
    assert reported_membership(report, "beta") == membership_truth(beta.coop_node)


def replication_lag(node: NodeService) -> float:
    """The lag the node's /metrics reports."""
    (lag,) = [
        sample.value
        for metric in NodeCollector(node).collect()
        for sample in metric.samples
        if sample.name == "commonweal_node_replication_lag_events"
    ]
    return lag


def plausible_ids(coop_id: str) -> list[str]:
    """Every id of ``coop_id``'s next messages one could guess: release 0.1.0's
    ``<coop>:<seq>`` and ``<coop>:<first>-<last>``, and hashes of small numbers."""
    ids = [f"{coop_id}:{n}" for n in range(1, 301)]
    ids += [f"{coop_id}:{a}-{b}" for a in range(1, 41) for b in range(a + 1, a + 41)]
    ids += [
        f"{coop_id}:{hashlib.sha256(str(n).encode()).hexdigest()}"
        for n in range(1, 301)
    ]
    return ids


async def test_a_coop_prepublishing_anothers_ids_delays_nothing(
    tmp_path: Path, secured_hub: SecuredHub
) -> None:
    """Issue 12's censorship: alpha, with its own credentials and on its own
    subject, publishes under every id beta might use; beta then admits 25
    members. Every one reaches the consortium at once: no publish of beta's is
    dropped as a duplicate."""
    alpha_broker = secured_hub.register("alpha")
    beta_broker = secured_hub.register("beta")
    consortium = ConsortiumService(secured_hub.consortium)
    consortium.start()
    beta = NodeService(
        msgspec.structs.replace(
            node_config("beta", StoreConfig(path=str(tmp_path / "beta.db")), []),
            broker=beta_broker,
        )
    )
    beta.found_if_new()
    beta.start()
    try:
        await wait_until_caught_up([beta], consortium)
        nc = await nats.connect(
            secured_hub.server.url,
            **alpha_broker.connect_options(),  # type: ignore[arg-type]
        )
        try:
            js = nc.jetstream()
            for msg_id in plausible_ids("beta"):
                await js.publish(
                    "cw.coop.alpha.membership",
                    b"{}",
                    headers={"Nats-Msg-Id": msg_id},
                )
        finally:
            await nc.close()

        admit(beta, 25)
        await wait_until_caught_up([beta], consortium, timeout=10)
        assert beta.replicator.duplicate_acks == 0
        assert consortium.views.position("beta") == beta.replicator.published.seq
        report = consortium.report()
        assert reported_membership(report, "beta") == membership_truth(beta.coop_node)
        assert report.membership.members == 25
    finally:
        await beta.stop()
        await consortium.stop()


async def test_a_duplicate_acknowledgement_means_the_same_bytes_are_stored(
    nats_server: NatsServer, make_node: NodeFactory, make_consortium: ConsortiumFactory
) -> None:
    """A node republishing a message whose acknowledgement it lost gets a
    duplicate: the id is a hash over those signed bytes, so the stream holds
    them already, once."""
    make_consortium([nats_server.url])  # makes the stream
    alpha = make_node("alpha", [nats_server.url])
    await wait_for(lambda: alpha.caught_up)
    envelope = (await stream_envelopes(nats_server.url))[-1]
    signer = alpha.replicator.signer
    assert signer is not None
    (message,) = pack([Outgoing("cw.coop.alpha.membership", envelope)], 250, signer)
    nc = await nats.connect(nats_server.url)
    try:
        ack = await nc.jetstream().publish(
            message.subject, message.data, headers=message.headers
        )
    finally:
        await nc.close()
    assert ack.duplicate
    stored = [data for _, data in await stream_messages(nats_server.url)]
    assert stored.count(message.data) == 1


async def test_a_silent_coop_shows_on_the_operations_page_and_metrics(
    nats_server: NatsServer,
    make_node: NodeFactory,
    make_consortium: ConsortiumFactory,
    key_book: KeyBook,
) -> None:
    consortium = make_consortium([nats_server.url], silent_after_seconds=2.0)
    alpha = make_node("alpha", [nats_server.url])
    beta = make_node("beta", [nats_server.url])
    key_book.add_coop("gamma", "Gamma Care")  # registered, never heard from
    await wait_until_caught_up([alpha, beta], consortium)
    await beta.stop()  # beta's envelopes stop arriving
    await asyncio.sleep(2.5)
    admit(alpha)
    await wait_until_caught_up([alpha], consortium)

    silent = {s.coop_id: s.heard_from for s in consortium.silent_coops()}
    assert silent == {"beta": True, "gamma": False}
    async with (
        serving(make_consortium_app(consortium)) as url,
        aiohttp.ClientSession() as session,
    ):
        async with session.get(f"{url}/operations") as response:
            page = await response.text()
        async with session.get(f"{url}/metrics") as response:
            metrics = await response.text()
    table = page.split('<table id="silent">')[1].split("</table>")[0]
    assert 'data-coop="beta"' in table and 'data-coop="gamma"' in table
    assert 'data-coop="alpha"' not in table
    gauges = {
        line.split('"')[1]: float(line.split()[-1])
        for line in metrics.splitlines()
        if line.startswith("commonweal_consortium_seconds_since_applied{")
    }
    assert gauges["beta"] > 2.0 > gauges["alpha"]
    assert "commonweal_consortium_silent_coops 2.0" in metrics
