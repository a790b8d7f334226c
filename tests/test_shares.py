"""Share capital in the node: purchases, redemptions and transfers between members,
their refusals, the register of members, and what of it reaches the consortium
(the co-op's share capital, unchanged by a transfer; nothing personal)."""

import datetime as dt
from collections.abc import Callable
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from federation.broker import NatsServer
from federation.service import ConsortiumService
from node.application import ALLOWLIST, CoopNode
from node.auth import AccessToken
from node.errors import InsufficientShares, InvalidAmount, InvalidTransition
from node.membership import Member
from node.report import membership_summary
from node.service import NodeService
from node.shares import register, transfer_shares
from tests.streams import stream_envelopes, stream_messages
from tests.truth import reported_membership
from tests.waiting import wait_until_caught_up
from toolkit.config import StoreConfig

DAY = dt.date(2026, 3, 2)
LATER = dt.date(2026, 4, 6)


def join(app: CoopNode, name: str, member_class: str = "worker") -> UUID:
    member_id = app.apply_for_membership(
        name=name,
        email=f"{name.split()[0].lower()}@example.org",
        member_class=member_class,
        applied_on=DAY,
    )
    app.admit_member(member_id, DAY)
    return member_id


def stored_events(app: CoopNode) -> int:
    return app.recorder.max_notification_id() or 0


def test_a_transfer_moves_capital_between_members_and_keeps_the_total(
    app: CoopNode,
) -> None:
    rosa, wes = join(app, "Rosa Bianchi"), join(app, "Wes Tan")
    app.buy_shares(rosa, 2500, DAY)
    capital = membership_summary(app).share_capital

    giver, taker = transfer_shares(app, rosa, wes, 1000, LATER)

    assert (giver.shares, taker.shares) == (1500, 1000)
    assert (app.member(rosa).shares, app.member(wes).shares) == (1500, 1000)
    assert membership_summary(app).share_capital == capital == 2500


def test_a_transfer_of_more_than_the_holder_has_is_refused_and_writes_nothing(
    app: CoopNode,
) -> None:
    rosa, wes = join(app, "Rosa Bianchi"), join(app, "Wes Tan")
    app.buy_shares(rosa, 500, DAY)
    before = stored_events(app)
    with pytest.raises(InsufficientShares):
        transfer_shares(app, rosa, wes, 501, LATER)
    with pytest.raises(InvalidAmount):
        transfer_shares(app, rosa, wes, 0, LATER)
    with pytest.raises(InvalidTransition):
        transfer_shares(app, rosa, rosa, 100, LATER)
    assert stored_events(app) == before
    assert (app.member(rosa).shares, app.member(wes).shares) == (500, 0)


def test_a_transfer_to_someone_who_left_writes_neither_event(app: CoopNode) -> None:
    """Both events are saved together: the receiver's refusal (after the giver's
    event is made) leaves the giver's holding untouched in the store."""
    rosa, wes = join(app, "Rosa Bianchi"), join(app, "Wes Tan")
    app.buy_shares(rosa, 800, DAY)
    app.withdraw_member(wes, DAY)
    before = stored_events(app)
    with pytest.raises(InvalidTransition):
        transfer_shares(app, rosa, wes, 300, LATER)
    assert stored_events(app) == before
    assert app.member(rosa).shares == 800


def test_a_transfer_that_loses_a_race_writes_neither_event(
    app: CoopNode, store: StoreConfig
) -> None:
    """Another writer changes the receiver between the transfer loading them and
    saving: the save is refused as a whole, and the giver's event, which was
    fine on its own, is not stored either."""
    rosa, wes = join(app, "Rosa Bianchi"), join(app, "Wes Tan")
    app.buy_shares(rosa, 800, DAY)

    class Racing(CoopNode):
        name = "CoopNode"  # the same store tables as the node's
        raced = False

        def member(self, member_id: UUID) -> Member:
            loaded = super().member(member_id)
            if member_id == wes and not self.raced:
                self.raced = True
                app.buy_shares(wes, 100, DAY)  # the other writer
            return loaded

    racing = Racing("alpha", store.env())
    try:
        before = stored_events(app)
        with pytest.raises(IntegrityError):
            transfer_shares(racing, rosa, wes, 300, LATER)
    finally:
        racing.close()
    assert stored_events(app) == before + 1  # the other writer's purchase only
    assert (app.member(rosa).shares, app.member(wes).shares) == (800, 100)
    assert [e.kind for e in next(iter(register(app))).history] == ["purchase"]


def test_a_transfer_is_one_write_of_two_events(app: CoopNode) -> None:
    rosa, wes = join(app, "Rosa Bianchi"), join(app, "Wes Tan")
    app.buy_shares(rosa, 800, DAY)
    before = stored_events(app)
    transfer_shares(app, rosa, wes, 300, LATER)
    notifications = app.recorder.select_notifications(before + 1, 10)
    assert [n.topic for n in notifications] == [
        Member.SharesTransferredOut.TOPIC,
        Member.SharesTransferredIn.TOPIC,
    ]
    assert [n.originator_id for n in notifications] == [rosa, wes]


def test_buying_and_redeeming_are_refused_beyond_the_holding(app: CoopNode) -> None:
    rosa = join(app, "Rosa Bianchi")
    app.buy_shares(rosa, 1000, DAY)
    with pytest.raises(InsufficientShares):
        app.redeem_shares(rosa, 1001, DAY)
    with pytest.raises(InvalidAmount):
        app.buy_shares(rosa, -5, DAY)
    assert app.member(rosa).shares == 1000


def test_the_register_holds_every_member_ever_admitted_with_their_history(
    app: CoopNode,
) -> None:
    rosa, wes = join(app, "Rosa Bianchi"), join(app, "Wes Tan", "volunteer")
    app.apply_for_membership(  # an applicant is not on the register
        name="Owen Walsh", email="owen@example.org", member_class="supporter"
    )
    una = join(app, "Una Ward", "service_user")
    app.buy_shares(rosa, 2500, DAY)
    transfer_shares(app, rosa, wes, 1000, LATER)
    app.redeem_shares(rosa, 500, LATER)
    app.withdraw_member(wes, dt.date(2026, 5, 1))  # their 1000 is paid back

    entries = list(register(app))

    assert [(e.number, e.name) for e in entries] == [
        (1, "Rosa Bianchi"),
        (2, "Wes Tan"),
        (3, "Una Ward"),
    ]
    first, second, third = entries
    assert (first.member_id, first.shares, first.ceased_on) == (rosa, 1000, None)
    assert [(m.on, m.kind, m.amount, m.other, m.holding) for m in first.history] == [
        (DAY, "purchase", 2500, None, 2500),
        (LATER, "transfer_out", 1000, wes, 1500),
        (LATER, "redemption", 500, None, 1000),
    ]
    assert (second.member_class, second.ceased_on, second.shares) == (
        "volunteer",
        dt.date(2026, 5, 1),
        0,
    )
    assert [(m.kind, m.amount, m.other) for m in second.history] == [
        ("transfer_in", 1000, rosa),
        ("redemption", 1000, None),
    ]
    assert (third.member_id, third.history) == (una, [])
    assert sum(e.shares for e in entries) == membership_summary(app).share_capital


def test_transfers_and_who_issued_access_are_not_in_the_allowlist() -> None:
    for topic in (
        Member.SharesTransferredOut.TOPIC,
        Member.SharesTransferredIn.TOPIC,
        AccessToken.IssuedBy.TOPIC,
    ):
        assert topic not in ALLOWLIST


async def test_transfers_leave_the_consortium_share_capital_right_and_private(
    nats_server: NatsServer,
    make_node: Callable[..., NodeService],
    make_consortium: Callable[..., ConsortiumService],
) -> None:
    consortium = make_consortium([nats_server.url])
    alpha = make_node("alpha", [nats_server.url])
    app = alpha.coop_node
    rosa, wes = join(app, "Rosa Bianchi"), join(app, "Wes Tan")
    cal = join(app, "Cal Roy")
    app.buy_shares(rosa, 2500, DAY)
    transfer_shares(app, rosa, wes, 1000, LATER)
    transfer_shares(app, wes, cal, 400, LATER)
    app.withdraw_member(wes, dt.date(2026, 5, 1))  # redeems the 600 they hold

    await wait_until_caught_up([alpha], consortium, timeout=20)

    assert membership_summary(app).share_capital == 1900
    assert reported_membership(consortium.report(), "alpha")["share_capital"] == 1900
    schemas = {e.schema for e in await stream_envelopes(nats_server.url)}
    assert not any("transfer" in s for s in schemas)
    stream = b"\n".join(data for _, data in await stream_messages(nats_server.url))
    for member in app.members():
        for personal in (member.name, member.email, str(member.id), member.id.hex):
            assert personal.encode() not in stream
