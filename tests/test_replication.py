"""The whole path with real parts: node store -> replicator -> nats-server ->
aggregator -> consortium projections -> report."""

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest

from commonweal.sample_activity import generate_membership
from federation.broker import NatsServer
from federation.service import ConsortiumService
from node.service import NodeService
from schemas import Envelope, chain_hash
from tests.streams import publish_signed, stream_envelopes, stream_messages
from tests.truth import membership_truth, reported_membership
from tests.waiting import wait_for, wait_until_caught_up
from toolkit.config import StoreConfig

DAY = dt.date(2026, 2, 10)
NodeFactory = Callable[..., NodeService]
ConsortiumFactory = Callable[..., ConsortiumService]


def join(node: NodeService, member_class: str, *, day: dt.date = DAY) -> object:
    member_id = node.coop_node.apply_for_membership(
        name="Giulia Rossi",
        email="giulia@example.org",
        member_class=member_class,
        applied_on=day,
    )
    node.coop_node.admit_member(member_id, day)
    return member_id


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_membership_on_two_nodes_reaches_the_report_exactly(
    backend: str,
    nats_server: NatsServer,
    make_node: NodeFactory,
    make_consortium: ConsortiumFactory,
    pg_store_factory: Callable[[], StoreConfig],
) -> None:
    stores: dict[str, StoreConfig | None] = {"alpha": None, "beta": None, "c": None}
    if backend == "postgres":
        stores = {k: pg_store_factory() for k in stores}
    consortium = make_consortium([nats_server.url], store=stores["c"])
    alpha = make_node("alpha", [nats_server.url], store=stores["alpha"])
    beta = make_node(
        "beta", [nats_server.url], profile="italy_type_a", store=stores["beta"]
    )

    a1 = join(alpha, "worker")
    a2 = join(alpha, "worker")
    a3 = join(alpha, "volunteer", day=dt.date(2026, 3, 5))
    alpha.coop_node.apply_for_membership(  # applied, never admitted: not a member yet
        name="Owen Walsh", email="owen@example.org", member_class="supporter"
    )
    alpha.coop_node.buy_shares(a1, 2500, DAY)
    alpha.coop_node.buy_shares(a2, 1000, DAY)
    alpha.coop_node.change_member_class(a3, "service_user", dt.date(2026, 3, 20))
    alpha.coop_node.withdraw_member(a2, dt.date(2026, 3, 31))
    join(beta, "worker")  # first: volunteers may be at most half (381/1991)
    b1 = join(beta, "volunteer")
    beta.coop_node.buy_shares(b1, 500, DAY)
    beta.coop_node.redeem_shares(b1, 200, dt.date(2026, 4, 1))

    await wait_until_caught_up([alpha, beta], consortium, timeout=20)
    report = consortium.report()

    assert reported_membership(report, "alpha") == {
        "members_by_class": {
            "service_user": 1,
            "worker": 1,
            "volunteer": 0,
            "supporter": 0,
        },
        "members": 2,
        "share_capital": 2500,  # a2's 1000 was returned when they withdrew
    }
    assert reported_membership(report, "beta") == {
        "members_by_class": {
            "worker": 1,
            "volunteer": 1,
            "service_user": 0,
            "financer": 0,
        },
        "members": 2,
        "share_capital": 300,
    }
    months = {(m.month, m.joiners, m.leavers) for m in report.membership.months}
    assert months == {("2026-02", 4, 0), ("2026-03", 1, 1)}
    assert report.membership.members == 4
    assert report.dead_letters == 0
    for node in (alpha, beta):
        assert reported_membership(report, node.config.coop_id) == membership_truth(
            node.coop_node
        )


async def test_broker_killed_while_a_node_keeps_admitting(
    nats_server: NatsServer, make_node: NodeFactory, make_consortium: ConsortiumFactory
) -> None:
    consortium = make_consortium([nats_server.url])
    node = make_node("alpha", [nats_server.url])
    other = make_node("beta", [nats_server.url])
    for _ in range(10):
        join(node, "worker")
    join(other, "worker")
    await wait_until_caught_up([node, other], consortium)

    nats_server.kill()
    # The co-op carries on: admissions succeed while the broker is gone.
    ids = [join(node, "volunteer") for _ in range(25)]
    for member_id in ids[:5]:
        node.coop_node.buy_shares(member_id, 100, DAY)
    join(other, "supporter")
    assert not node.caught_up

    nats_server.start()
    for _ in range(5):
        join(node, "service_user")
    await wait_until_caught_up([node, other], consortium, timeout=30)

    report = consortium.report()
    assert reported_membership(report, "alpha") == membership_truth(node.coop_node)
    assert reported_membership(report, "alpha")["members_by_class"] == {
        "worker": 10,
        "volunteer": 25,
        "service_user": 5,
        "supporter": 0,
    }
    assert reported_membership(report, "beta") == membership_truth(other.coop_node)
    assert report.dead_letters == 0


async def test_consortium_killed_mid_stream_resumes_exactly(
    tmp_path: Path,
    nats_server: NatsServer,
    make_node: NodeFactory,
    make_consortium: ConsortiumFactory,
) -> None:
    node = make_node("alpha", [nats_server.url])
    generate_membership(node.coop_node, members=80, seed=7, start=dt.date(2025, 1, 1))
    first = make_consortium([nats_server.url])
    await wait_for(lambda: first.aggregator.totals.applied > 0, what="first batch")
    await first.stop()  # stopped between batches, with work left on the stream

    second = make_consortium([nats_server.url])
    await wait_until_caught_up([node], second)
    assert reported_membership(second.report(), "alpha") == membership_truth(
        node.coop_node
    )


async def test_replaying_the_stream_from_the_start_changes_nothing(
    nats_server: NatsServer, make_node: NodeFactory, make_consortium: ConsortiumFactory
) -> None:
    consortium = make_consortium([nats_server.url])
    node = make_node("alpha", [nats_server.url])
    generate_membership(node.coop_node, members=40, seed=3, start=dt.date(2025, 6, 1))
    await wait_until_caught_up([node], consortium)
    before = msgspec.structs.replace(consortium.report(), generated_at=dt.datetime.min)
    published = len(await stream_envelopes(nats_server.url))

    # A second durable consumer delivers every envelope again into the same views.
    replay = make_consortium(
        [nats_server.url], store=consortium.config.store, durable="replay"
    )
    await wait_for(
        lambda: replay.aggregator.totals.duplicates == published,
        what="the replay to deliver every envelope",
    )

    after = msgspec.structs.replace(consortium.report(), generated_at=dt.datetime.min)
    assert after == before
    assert replay.aggregator.totals.applied == 0


async def test_malformed_and_forged_messages_become_dead_letters(
    nats_server: NatsServer, make_node: NodeFactory, make_consortium: ConsortiumFactory
) -> None:
    consortium = make_consortium([nats_server.url])
    node = make_node("alpha", [nats_server.url])
    join(node, "worker")
    await wait_until_caught_up([node], consortium)
    subject = "cw.coop.alpha.membership"
    last = (await stream_envelopes(nats_server.url))[-1]

    # Signed with alpha's key (a node with a bug, or whose store was replaced):
    # the checks behind the signature still hold.
    await publish_signed(nats_server.url, subject, b'{"coop_id": "alpha", "seq": ')
    # A well-formed envelope whose hash is right for its own bytes but which does
    # not continue alpha's chain: a forgery, or a node whose store was replaced.
    payload = (
        b'{"member":"' + b"f" * 32 + b'","member_class":"worker",'
        b'"admitted_on":"2026-02-10"}'
    )
    forged = Envelope(
        coop_id="alpha",
        seq=last.seq + 1,
        prev_seq=last.seq,
        event_id="forged",
        occurred_at=DAY,
        schema="member.admitted/1",
        payload=msgspec.Raw(payload),
        prev_hash="1" * 64,
        hash=chain_hash("1" * 64, payload),
    )
    await publish_signed(nats_server.url, subject, msgspec.json.encode(forged))
    # The hash does not match the envelope's bytes.
    tampered = msgspec.json.encode(msgspec.structs.replace(forged, prev_hash=last.hash))
    await publish_signed(nats_server.url, subject, tampered)

    await wait_for(
        lambda: consortium.aggregator.totals.dead_letters == 3, what="dead letters"
    )
    for _ in range(3):  # valid traffic after them is still applied
        join(node, "volunteer")
    await wait_until_caught_up([node], consortium)

    report = consortium.report()
    assert reported_membership(report, "alpha") == membership_truth(node.coop_node)
    assert report.membership.members == 4
    reasons = [letter["reason"] for letter in consortium.views.dead_letters()]
    assert len(reasons) == 3
    assert reasons[0].startswith("malformed message")
    assert reasons[1].startswith("broken chain")
    assert reasons[2].startswith("hash does not match")


async def test_no_personal_field_of_any_member_is_on_the_stream(
    nats_server: NatsServer, make_node: NodeFactory, make_consortium: ConsortiumFactory
) -> None:
    consortium = make_consortium([nats_server.url])
    alpha = make_node("alpha", [nats_server.url])
    beta = make_node("beta", [nats_server.url], profile="quebec_solidarity")
    generate_membership(alpha.coop_node, members=40, seed=11, start=dt.date(2025, 1, 1))
    generate_membership(beta.coop_node, members=40, seed=12, start=dt.date(2025, 1, 1))
    await wait_until_caught_up([alpha, beta], consortium)

    messages = await stream_messages(nats_server.url)
    assert len(messages) >= 2
    stream_text = b"\n".join(data for _, data in messages).decode()
    personal = []
    for node in (alpha, beta):
        for member in node.coop_node.members():
            personal += [member.name, member.email, member.phone, member.address]
            personal.append(str(member.id))  # raw ids are pseudonymised too
    assert len(personal) == 400
    leaked = [value for value in personal if value and value in stream_text]
    assert leaked == []
    # And by field name: no member payload has a contact field at all.
    for envelope in await stream_envelopes(nats_server.url):
        if envelope.schema.startswith(("member.", "shares.")):
            fields = set(json.loads(bytes(envelope.payload)))
            assert not {"name", "email", "phone", "address"} & fields
