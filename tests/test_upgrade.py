"""The upgrade path: nodes and the consortium on different schema versions keep
working. A consortium that knows version N+1 upcasts version N; one that meets a
version it does not know records it, keeps the chain going, and applies it once it
is upgraded and rebuilds its projections from the stream."""

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import msgspec
import pytest

from commonweal.sample_activity import (
    generate_care,
    generate_governance,
    generate_membership,
)
from federation.broker import NatsServer
from federation.ingest import ConsortiumViews
from federation.membership import MembershipProjection
from federation.report import ConsortiumReport
from federation.service import ConsortiumService
from node.application import ALLOWLIST
from node.membership import Member
from node.service import NodeService
from node.sharing import Rule
from schemas import PAYLOAD_TYPES, Payload
from schemas import membership as m
from schemas.payloads import UPCASTERS
from tests.truth import membership_truth, reported_membership
from tests.waiting import wait_until_caught_up
from toolkit.config import StoreConfig

DAY = dt.date(2026, 4, 1)
AS_OF = dt.date(2027, 3, 1)


class MemberAdmittedV2(Payload, frozen=True):
    """A future version: the admission also says which route the member came by."""

    SCHEMA = "member.admitted/2"
    STREAM = "membership"
    member: str
    member_class: str
    admitted_on: dt.date
    route: str = "application"


# Defining the class registered it; each test decides who knows it.
del PAYLOAD_TYPES[MemberAdmittedV2.SCHEMA]


def upcast_v1_to_v2(obj: dict[str, object]) -> dict[str, object]:
    return {**obj, "route": "application"}


def apply_v2(
    projection: MembershipProjection, cursor: object, coop_id: str, p: MemberAdmittedV2
) -> None:
    v1 = m.MemberAdmitted(
        member=p.member, member_class=p.member_class, admitted_on=p.admitted_on
    )
    MembershipProjection._handlers[m.MemberAdmitted](projection, cursor, coop_id, v1)


@pytest.fixture
def consortium_knows_v2(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Upgrade the consortium: v2 known and applied, v1 upcast to v2."""
    monkeypatch.setitem(PAYLOAD_TYPES, MemberAdmittedV2.SCHEMA, MemberAdmittedV2)
    monkeypatch.delitem(PAYLOAD_TYPES, m.MemberAdmitted.SCHEMA)
    monkeypatch.setitem(
        UPCASTERS, m.MemberAdmitted.SCHEMA, (MemberAdmittedV2.SCHEMA, upcast_v1_to_v2)
    )
    monkeypatch.setitem(MembershipProjection._handlers, MemberAdmittedV2, apply_v2)
    yield


@pytest.fixture
def nodes_publish_v2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Upgrade the nodes: admissions go out as member.admitted/2."""
    rule = Rule(
        MemberAdmittedV2,
        lambda p, e: MemberAdmittedV2(
            member=p.pseudonym(e.originator_id),
            member_class=e.member_class,
            admitted_on=e.admitted_on,
            route="referral",
        ),
    )
    monkeypatch.setitem(ALLOWLIST, Member.Admitted.TOPIC, rule)


def activity(node: NodeService) -> None:
    for n in range(6):
        member_id = node.coop_node.apply_for_membership(
            name=f"Member {n}", email=f"m{n}@example.org", member_class="worker"
        )
        node.coop_node.admit_member(member_id, DAY)
        node.coop_node.buy_shares(member_id, 100, DAY)
    node.replicator.wake()


async def test_old_nodes_to_an_upgraded_consortium(
    consortium_knows_v2: None,
    nats_server: NatsServer,
    make_node: Callable[..., NodeService],
    make_consortium: Callable[..., ConsortiumService],
) -> None:
    consortium = make_consortium([nats_server.url])
    node = make_node("alpha", [nats_server.url])
    activity(node)
    await wait_until_caught_up([node], consortium)
    report = consortium.report()
    assert reported_membership(report, "alpha") == membership_truth(node.coop_node)
    assert report.dead_letters == 0


async def test_upgraded_nodes_to_an_old_consortium_then_it_upgrades(
    nodes_publish_v2: None,
    nats_server: NatsServer,
    make_node: Callable[..., NodeService],
    make_consortium: Callable[..., ConsortiumService],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = make_consortium([nats_server.url])
    node = make_node("alpha", [nats_server.url])
    activity(node)
    await wait_until_caught_up([node], old)
    # The old consortium keeps going: it cannot read the 6 new admissions, says so,
    # and still applies everything it knows that came after them.
    report = old.report()
    reasons = {letter["reason"] for letter in old.views.dead_letters()}
    assert reasons == {"unknown schema member.admitted/2"}
    assert report.dead_letters == 6
    assert reported_membership(report, "alpha")["members"] == 0
    assert old.views.position("alpha") == node.replicator.published.seq

    # Upgraded, and rebuilt from the stream into a fresh store: exact.
    monkeypatch.setitem(PAYLOAD_TYPES, MemberAdmittedV2.SCHEMA, MemberAdmittedV2)
    monkeypatch.setitem(MembershipProjection._handlers, MemberAdmittedV2, apply_v2)
    upgraded = make_consortium(
        [nats_server.url],
        store=StoreConfig(path=old.config.store.path + ".v2"),
        durable="upgraded",
    )
    await wait_until_caught_up([node], upgraded)
    report = upgraded.report()
    assert reported_membership(report, "alpha") == membership_truth(node.coop_node)
    assert report.dead_letters == 0


SUMMARY_TABLES = (
    "member_counts",
    "coop_capital",
    "care_outcomes",
    "timebank_totals",
    "expense_totals",
    "gov_totals",
    "gov_class_turnout",
)


async def test_running_totals_are_filled_from_an_older_consortium_store(
    nats_server: NatsServer,
    make_node: Callable[..., NodeService],
    make_consortium: Callable[..., ConsortiumService],
) -> None:
    """A consortium store from before the per-co-op running totals: its detail
    tables are there, the totals are not. On start they are filled from them, and
    the report is what it was."""
    consortium = make_consortium([nats_server.url])
    node = make_node(
        "alpha",
        [nats_server.url],
        share=["membership", "governance", "care", "timebank"],
    )
    generate_membership(node.coop_node, members=40, seed=3, start=DAY, days=100)
    generate_care(node.coop_node, seed=3, start=DAY + dt.timedelta(days=120), days=120)
    generate_governance(node.coop_node, seed=3, day=DAY + dt.timedelta(days=300))
    node.replicator.wake()
    await wait_until_caught_up([node], consortium, timeout=60)
    before = consortium.report(AS_OF)
    assert before.care.outcomes.plans_reviewed and before.governance.ballots
    assert before.timebank.accounts and before.timebank.expenses.claimed
    with consortium.views.transaction() as cursor:
        for table in SUMMARY_TABLES:
            cursor.execute(f"DROP TABLE {table}")
    consortium.views.create_table()  # what a restart of the new version does
    assert same_figures(consortium.report(AS_OF), before)
    consortium.views.create_table()  # and the next restart changes nothing
    assert same_figures(consortium.report(AS_OF), before)


def same_figures(a: ConsortiumReport, b: ConsortiumReport) -> bool:
    return msgspec.structs.replace(a, generated_at=b.generated_at) == b


def test_opening_an_existing_store_needs_no_write_lock(tmp_path: Path) -> None:
    """A report or a dashboard opens the store while the aggregator writes: with
    the tables there, opening it must not wait for the write lock."""
    store = StoreConfig(path=str(tmp_path / "consortium.db"), lock_timeout=1)
    ConsortiumViews.construct(store.env()).factory.close()
    writer = sqlite3.connect(store.path)
    writer.execute("BEGIN IMMEDIATE")  # the aggregator, mid-batch
    try:
        views = ConsortiumViews.construct(store.env())
        assert views.position("alpha") == 0
        views.factory.close()
    finally:
        writer.rollback()
        writer.close()
