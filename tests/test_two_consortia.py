"""A co-op in two consortia (a regional and a thematic one), replicating to each
under its own sharing policy: real nats-servers, one per consortium, real
aggregators and SQLite stores."""

import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from uuid import UUID

import msgspec
import pytest

from federation.broker import NatsServer
from federation.service import ConsortiumService
from node.config import ConsortiumLink, NodeConfig
from node.replicator import ChainHead
from node.service import NodeService
from schemas import Envelope
from schemas import membership as m
from tests.configs import node_config
from tests.keys import KeyBook, coop_seed
from tests.streams import stream_envelopes, stream_messages
from tests.truth import membership_truth, reported_membership
from tests.waiting import wait_for
from toolkit.config import StoreConfig

DAY = dt.date(2026, 2, 10)
AT = dt.datetime(2026, 2, 11, 9, 30, tzinfo=dt.UTC)
ConsortiumFactory = Callable[..., ConsortiumService]


@pytest.fixture
def broker_b(tmp_path: Path) -> Iterator[NatsServer]:
    """The thematic consortium's broker, beside the regional one's (nats_server)."""
    with NatsServer(tmp_path / "broker-b") as server:
        yield server


@pytest.fixture
async def started(
    key_book: KeyBook,
) -> AsyncIterator[Callable[[NodeConfig], NodeService]]:
    """Start nodes from a config of the test's choosing; all stopped at the end
    (a test may stop one itself first)."""
    nodes: list[NodeService] = []

    def start(config: NodeConfig) -> NodeService:
        node = NodeService(config)
        key_book.add_coop(config.coop_id, config.name)
        node.found_if_new()
        node.start()
        nodes.append(node)
        return node

    yield start
    for node in nodes:
        if node._task is not None and not node._task.done():
            await node.stop()


def two_consortia_config(
    tmp_path: Path, regional: NatsServer, thematic: NatsServer
) -> NodeConfig:
    """Membership and care to the regional consortium, membership only to the
    thematic one."""
    config = node_config(
        "alpha",
        StoreConfig(path=str(tmp_path / "alpha.db")),
        [regional.url],
        share=["membership", "care"],
    )
    return msgspec.structs.replace(
        config,
        consortium_name="regional",
        consortia=[
            ConsortiumLink(
                name="thematic",
                servers=[thematic.url],
                share=["membership"],
                nkey_seed=coop_seed("alpha"),
            )
        ],
    )


def consortia(
    make_consortium: ConsortiumFactory,
    tmp_path: Path,
    regional: NatsServer,
    thematic: NatsServer,
) -> tuple[ConsortiumService, ConsortiumService]:
    return (
        make_consortium(
            [regional.url],
            store=StoreConfig(path=str(tmp_path / "regional.db")),
            durable="regional",
        ),
        make_consortium(
            [thematic.url],
            store=StoreConfig(path=str(tmp_path / "thematic.db")),
            durable="thematic",
        ),
    )


def join(node: NodeService, member_class: str) -> UUID:
    member_id: UUID = node.coop_node.apply_for_membership(
        name="Giulia Rossi",
        email="giulia@example.org",
        member_class=member_class,
        applied_on=DAY,
    )
    node.coop_node.admit_member(member_id, DAY)
    return member_id


def deliver_visits(node: NodeService, user: UUID, worker: UUID, count: int) -> None:
    for _ in range(count):
        visit = node.coop_node.schedule_visit(user, AT, ["personal_care"])
        node.coop_node.deliver_visit(visit, worker, AT, 45)


def applied_all(
    node: NodeService, regional: ConsortiumService, thematic: ConsortiumService
) -> bool:
    first, second = (r.replicator for r in node.replications)
    return (
        node.caught_up
        and regional.views.position("alpha") >= first.published.seq
        and thematic.views.position("alpha") >= second.published.seq
    )


async def both_caught_up(
    node: NodeService, regional: ConsortiumService, thematic: ConsortiumService
) -> None:
    await wait_for(
        lambda: applied_all(node, regional, thematic),
        timeout=30,
        what="both consortia to apply all the node shares with them",
    )


def delivered_in(consortium: ConsortiumService) -> int:
    return sum(
        coop.delivered
        for coop in consortium.report().care.coops
        if coop.coop_id == "alpha"
    )


def admitted_pseudonyms(envelopes: list[Envelope]) -> set[str]:
    return {
        msgspec.json.decode(e.payload, type=m.MemberAdmitted).member
        for e in envelopes
        if e.schema == m.MemberAdmitted.SCHEMA
    }


async def test_each_consortium_gets_its_own_streams_chain_and_pseudonyms(
    tmp_path: Path,
    nats_server: NatsServer,
    broker_b: NatsServer,
    make_consortium: ConsortiumFactory,
    started: Callable[[NodeConfig], NodeService],
) -> None:
    regional, thematic = consortia(make_consortium, tmp_path, nats_server, broker_b)
    config = two_consortia_config(tmp_path, nats_server, broker_b)
    node = started(config)
    worker = join(node, "worker")
    users = [join(node, "service_user") for _ in range(3)]
    deliver_visits(node, users[0], worker, 4)
    deliver_visits(node, users[1], worker, 2)
    await both_caught_up(node, regional, thematic)

    truth = membership_truth(node.coop_node)
    assert reported_membership(regional.report(), "alpha") == truth
    assert reported_membership(thematic.report(), "alpha") == truth
    assert delivered_in(regional) == 6
    assert delivered_in(thematic) == 0
    assert regional.report().dead_letters == thematic.report().dead_letters == 0

    # The thematic consortium's stream holds no care message at all.
    subjects = {s for s, _ in await stream_messages(broker_b.url)}
    assert subjects == {"cw.coop.alpha.membership"}
    # Each consortium sees a dense chain of only what it receives.
    on_a = await stream_envelopes(nats_server.url)
    on_b = await stream_envelopes(broker_b.url)
    assert [e.seq for e in on_a] == list(range(1, len(on_a) + 1))
    assert [e.seq for e in on_b] == list(range(1, len(on_b) + 1))
    assert len(on_b) < len(on_a)
    assert node.replications[1].replicator.published.seq == len(on_b)

    # The same members under other pseudonyms, and other event ids: the two
    # consortia cannot join their data on either.
    on_a_members, on_b_members = admitted_pseudonyms(on_a), admitted_pseudonyms(on_b)
    assert len(on_a_members) == len(on_b_members) == 4
    assert on_a_members.isdisjoint(on_b_members)
    assert not {e.event_id for e in on_a} & {e.event_id for e in on_b}
    # The first consortium's pseudonyms are the node secret's, as before.
    assert on_a_members == {node.policy.pseudonym(u) for u in [worker, *users]}

    # Restarted, the node goes on from both positions: nothing is sent twice.
    heads = [r.replicator.published for r in node.replications]
    await node.stop()
    again = started(config)
    assert [r.replicator.published for r in again.replications] == heads
    join(again, "volunteer")
    deliver_visits(again, users[2], worker, 1)
    await both_caught_up(again, regional, thematic)
    on_a = await stream_envelopes(nats_server.url)
    on_b = await stream_envelopes(broker_b.url)
    assert [e.seq for e in on_a] == list(range(1, len(on_a) + 1))
    assert [e.seq for e in on_b] == list(range(1, len(on_b) + 1))
    assert len(on_b) == heads[1].seq + 1  # the volunteer's admission, only
    truth = membership_truth(again.coop_node)
    assert reported_membership(regional.report(), "alpha") == truth
    assert reported_membership(thematic.report(), "alpha") == truth
    assert delivered_in(regional) == 7
    assert regional.report().dead_letters == thematic.report().dead_letters == 0


async def test_one_consortiums_broker_down_holds_back_only_that_consortium(
    tmp_path: Path,
    nats_server: NatsServer,
    broker_b: NatsServer,
    make_consortium: ConsortiumFactory,
    started: Callable[[NodeConfig], NodeService],
) -> None:
    regional, thematic = consortia(make_consortium, tmp_path, nats_server, broker_b)
    node = started(two_consortia_config(tmp_path, nats_server, broker_b))
    worker = join(node, "worker")
    user = join(node, "service_user")
    await both_caught_up(node, regional, thematic)
    thematic_before = thematic.views.position("alpha")

    broker_b.kill()
    added = [join(node, "volunteer") for _ in range(5)]
    deliver_visits(node, user, worker, 3)
    first, second = (r.replicator for r in node.replications)
    # The regional consortium keeps receiving while the thematic one is gone.
    await wait_for(
        lambda: (
            regional.views.position("alpha") >= first.published.seq
            and first.published.position
            >= (node.coop_node.recorder.max_notification_id() or 0)
        ),
        what="the regional consortium to receive what came after the outage",
    )
    assert delivered_in(regional) == 3
    assert reported_membership(regional.report(), "alpha") == membership_truth(
        node.coop_node
    )
    assert not node.caught_up
    assert thematic.views.position("alpha") == thematic_before

    broker_b.start()
    await both_caught_up(node, regional, thematic)
    # Caught up, each admission applied once: the figures are exactly the store's.
    assert len(added) == 5
    assert reported_membership(thematic.report(), "alpha") == membership_truth(
        node.coop_node
    )
    assert thematic.report().dead_letters == 0
    seqs = sorted({e.seq for e in await stream_envelopes(broker_b.url)})
    assert seqs == list(range(1, second.published.seq + 1))
    assert thematic.views.position("alpha") == second.published.seq


async def test_an_existing_node_joining_a_second_consortium_keeps_its_first_chain(
    tmp_path: Path,
    nats_server: NatsServer,
    broker_b: NatsServer,
    make_consortium: ConsortiumFactory,
    started: Callable[[NodeConfig], NodeService],
) -> None:
    regional, thematic = consortia(make_consortium, tmp_path, nats_server, broker_b)
    both = two_consortia_config(tmp_path, nats_server, broker_b)
    # The node as it ran before it could belong to two: [broker] and share only.
    old = msgspec.structs.replace(both, consortium_name="consortium", consortia=[])
    node = started(old)
    members = [join(node, "worker") for _ in range(3)]
    await wait_for(
        lambda: (
            node.caught_up
            and regional.views.position("alpha") >= node.replicator.published.seq
        ),
        what="the regional consortium to catch up",
    )
    head: ChainHead = node.replicator.published
    before = await stream_envelopes(nats_server.url)
    await node.stop()

    upgraded = started(both)
    assert upgraded.replicator.published == head
    # The second consortium starts a chain of its own, from the first event.
    fresh = upgraded.replications[1].replicator.published
    assert (fresh.position, fresh.seq) == (0, 0)
    members.append(join(upgraded, "volunteer"))
    await both_caught_up(upgraded, regional, thematic)

    after = await stream_envelopes(nats_server.url)
    assert after[: len(before)] == before
    assert [e.seq for e in after] == list(range(1, len(after) + 1))
    assert len(after) == len(before) + 1  # nothing republished
    assert admitted_pseudonyms(after) == {
        upgraded.policy.pseudonym(member) for member in members
    }
    on_b = await stream_envelopes(broker_b.url)
    assert [e.seq for e in on_b][:1] == [1]
    truth = membership_truth(upgraded.coop_node)
    assert reported_membership(regional.report(), "alpha") == truth
    assert reported_membership(thematic.report(), "alpha") == truth
    assert regional.report().dead_letters == thematic.report().dead_letters == 0
