"""Membership in the node, on every store backend (SQLite file and PostgreSQL)."""

import datetime as dt
from uuid import uuid4

import pytest

from node.application import CoopNode
from node.errors import (
    CoopAlreadyFounded,
    InsufficientShares,
    InvalidAmount,
    InvalidTransition,
    UnknownMember,
    UnknownMemberClass,
)
from node.membership import Member
from node.rules import profile_named
from toolkit.config import StoreConfig

DAY = dt.date(2026, 3, 2)


def apply(app: CoopNode, member_class: str = "worker") -> object:
    return app.apply_for_membership(
        name="Rosa Bianchi",
        email="rosa@example.org",
        phone="07700900123",
        address="12 Mill Lane",
        member_class=member_class,
        applied_on=DAY,
    )


def stored_events(app: CoopNode) -> int:
    return app.recorder.max_notification_id() or 0


def test_lifecycle_applied_admitted_class_changed_withdrawn(app: CoopNode) -> None:
    member_id = apply(app)
    assert app.member(member_id).status == "applied"
    app.admit_member(member_id, DAY)
    app.buy_shares(member_id, 2500, DAY)
    app.change_member_class(member_id, "volunteer", DAY)
    app.redeem_shares(member_id, 500, DAY)
    member = app.member(member_id)
    assert (member.status, member.member_class, member.shares) == (
        "admitted",
        "volunteer",
        2000,
    )
    app.withdraw_member(member_id, DAY)
    member = app.member(member_id)
    assert member.status == "withdrawn"
    assert member.shares == 0  # share capital is returned on withdrawal


def test_event_topics_are_explicit(app: CoopNode) -> None:
    member_id = apply(app)
    app.admit_member(member_id, DAY)
    topics = [n.topic for n in app.recorder.select_notifications(start=1, limit=10)]
    assert topics == [
        "commonweal.coop.founded",
        Member.Applied.TOPIC,
        Member.Admitted.TOPIC,
    ]


def test_the_store_survives_a_restart(store: StoreConfig, app: CoopNode) -> None:
    member_id = apply(app)
    app.admit_member(member_id, DAY)
    reopened = CoopNode("alpha", store.env())
    try:
        assert reopened.member(member_id).status == "admitted"
        assert reopened.member(member_id).admitted_on == DAY
        assert [m.id for m in reopened.members()] == [member_id]
    finally:
        reopened.close()


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (lambda app, m: apply(app, "astronaut"), UnknownMemberClass),
        (lambda app, m: app.admit_member(m, DAY), InvalidTransition),
        (lambda app, m: app.withdraw_member(uuid4(), DAY), UnknownMember),
        (lambda app, m: app.admit_member(uuid4(), DAY), UnknownMember),
        (
            lambda app, m: app.change_member_class(m, "astronaut", DAY),
            UnknownMemberClass,
        ),
        (lambda app, m: app.change_member_class(m, "worker", DAY), InvalidTransition),
        (lambda app, m: app.redeem_shares(m, 10_000, DAY), InsufficientShares),
        (lambda app, m: app.buy_shares(m, -5, DAY), InvalidAmount),
        (lambda app, m: app.buy_shares(m, 0, DAY), InvalidAmount),
        (
            lambda app, m: app.found_coop("Again", profile_named("italy_type_a")),
            CoopAlreadyFounded,
        ),
    ],
    ids=[
        "unknown class",
        "admitting twice",
        "withdrawing a stranger",
        "admitting a stranger",
        "changing to an unknown class",
        "changing to the same class",
        "redeeming more than held",
        "negative shares",
        "zero shares",
        "founding twice",
    ],
)
def test_bad_commands_raise_a_clear_error_and_write_nothing(
    app: CoopNode, command: object, error: type[Exception]
) -> None:
    member_id = apply(app)
    app.admit_member(member_id, DAY)
    before = stored_events(app)
    with pytest.raises(error) as raised:
        command(app, member_id)  # type: ignore[operator]
    assert str(raised.value)  # says what is wrong
    assert stored_events(app) == before


def test_withdrawn_member_cannot_withdraw_again(app: CoopNode) -> None:
    member_id = apply(app)
    app.admit_member(member_id, DAY)
    app.withdraw_member(member_id, DAY)
    before = stored_events(app)
    with pytest.raises(InvalidTransition, match="withdrawn"):
        app.withdraw_member(member_id, DAY)
    assert stored_events(app) == before
