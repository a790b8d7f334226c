"""The time bank's board: offers and requests, matching, exchanges settled
exactly once by double-entry transfer, and a volunteer's delivered visit paid
from the pool exactly once. The bank sums to zero throughout."""

import datetime as dt
from uuid import UUID

import pytest

from node.application import CoopNode
from node.errors import (
    BalanceLimitExceeded,
    InvalidTransition,
    NotAParty,
    UnknownAccount,
    UnknownServiceType,
)
from node.timebank import TimeAccount, time_account_id
from node.timebank_board import exchange_transfer_id
from node.volunteer_hours import POOL, visit_hours_transfer

DAY = dt.date(2026, 3, 2)
AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def member(app: CoopNode, name: str, member_class: str = "volunteer") -> UUID:
    member_id = app.apply_for_membership(
        name=name, email="someone@example.org", member_class=member_class
    )
    app.admit_member(member_id, DAY)
    return member_id


def with_account(app: CoopNode, name: str, minimum: int = -600) -> UUID:
    member_id = member(app, name)
    app.open_time_account(member_id, minimum, 6000, DAY)
    return member_id


def stored(app: CoopNode) -> int:
    return app.recorder.max_notification_id() or 0


def balance(app: CoopNode, member_id: UUID | None) -> int:
    return app.time_account(time_account_id(member_id)).balance


def bank_total(app: CoopNode) -> int:
    return sum(account.balance for account in app.time_accounts())


def transfers_named(app: CoopNode, member_id: UUID, transfer: UUID) -> int:
    return sum(
        isinstance(e, TimeAccount.Credited | TimeAccount.Debited)
        and e.transfer == transfer
        for e in app.events.get(time_account_id(member_id))
    )


def test_an_offer_accepted_and_confirmed_by_both_moves_the_hours_once(
    app: CoopNode,
) -> None:
    ann, ben = with_account(app, "Ann Lee"), with_account(app, "Ben Okoro")
    offer = app.post_listing(ann, "offer", "meals_shopping", "Shopping, Tuesdays", 90)
    exchange = app.accept_listing(offer, ben)
    assert app.listing(offer).status == "taken"
    assert app.exchange(exchange).helper == ann  # ann offered: she helps
    assert app.exchange(exchange).receiver == ben

    assert app.confirm_exchange(exchange, ann) is False  # the helper: done
    assert balance(app, ann) == 0  # not until the receiver confirms
    assert app.confirm_exchange(exchange, ben) is True
    assert (balance(app, ann), balance(app, ben)) == (90, -90)

    before = stored(app)
    assert app.confirm_exchange(exchange, ben) is True  # again: nothing written
    assert app.confirm_exchange(exchange, ann) is True
    assert stored(app) == before
    transfer = exchange_transfer_id(exchange)
    assert transfers_named(app, ann, transfer) == 1
    assert bank_total(app) == 0


def test_a_request_accepted_makes_the_acceptor_the_helper(app: CoopNode) -> None:
    ann, ben = with_account(app, "Ann Lee"), with_account(app, "Ben Okoro")
    request = app.post_listing(ann, "request", "respite", "A sitter for Mum", 120)
    exchange = app.accept_listing(request, ben)
    assert app.confirm_exchange(exchange, None) is True  # the coordinator
    assert (balance(app, ann), balance(app, ben)) == (-120, 120)
    entry = app.statement(time_account_id(ann))[-1]
    assert entry.purpose == "respite"  # hours spent on respite


def test_matches_are_the_other_kind_in_the_same_category(app: CoopNode) -> None:
    ann, ben = with_account(app, "Ann Lee"), with_account(app, "Ben Okoro")
    need = app.post_listing(ann, "request", "transport", "A lift to the clinic", 60)
    lift = app.post_listing(ben, "offer", "transport", "Driving on Fridays", 60)
    app.post_listing(ben, "offer", "cleaning", "Hoovering", 60)
    app.post_listing(ben, "request", "transport", "A lift too", 60)
    [match] = app.matches_for(ann)
    assert match.mine.id == need
    assert [m.id for m in match.matches] == [lift]


def test_refusals_write_nothing(app: CoopNode) -> None:
    ann, ben = with_account(app, "Ann Lee"), with_account(app, "Ben Okoro")
    cal = with_account(app, "Cal Roy")
    dee = member(app, "Dee Noaccount")
    offer = app.post_listing(ann, "offer", "befriending", "A chat and a walk", 60)
    before = stored(app)
    with pytest.raises(NotAParty):
        app.withdraw_listing(offer, ben)  # not ben's
    with pytest.raises(InvalidTransition):
        app.accept_listing(offer, ann)  # her own
    with pytest.raises(UnknownAccount):
        app.accept_listing(offer, dee)  # nowhere to pay from
    with pytest.raises(UnknownServiceType):
        app.post_listing(ann, "offer", "astrology", "Horoscopes", 60)
    assert stored(app) == before
    exchange = app.accept_listing(offer, ben)
    before = stored(app)
    with pytest.raises(NotAParty):
        app.confirm_exchange(exchange, cal)  # not in it
    with pytest.raises(InvalidTransition):
        app.withdraw_listing(offer, ann)  # taken already
    assert stored(app) == before


def test_a_confirmation_that_would_cross_a_limit_is_refused_whole(
    app: CoopNode,
) -> None:
    ann = with_account(app, "Ann Lee")
    ben = with_account(app, "Ben Okoro", minimum=-30)
    offer = app.post_listing(ann, "offer", "cleaning", "Two hours' cleaning", 120)
    exchange = app.accept_listing(offer, ben)
    app.confirm_exchange(exchange, ann)
    before = stored(app)
    with pytest.raises(BalanceLimitExceeded) as refused:
        app.confirm_exchange(exchange, ben)
    assert "minimum" in str(refused.value)  # the rule, not the balance
    assert stored(app) == before
    assert not app.exchange(exchange).is_settled


def test_a_volunteers_delivered_visit_earns_its_minutes_once(app: CoopNode) -> None:
    app.open_pool_account(-6000, 6000, DAY)
    user = member(app, "Una Ward", "service_user")
    vera = with_account(app, "Vera Novak")
    visit = app.schedule_visit(user, AT, ["befriending"])
    app.deliver_visit(visit, vera, AT, 75)
    assert balance(app, vera) == 75
    assert balance(app, None) == -75
    # Another delivery path asking again pays nothing twice.
    before = stored(app)
    assert app.earn_for_visit(visit) is False
    assert stored(app) == before
    assert transfers_named(app, vera, visit_hours_transfer(visit)) == 1
    assert bank_total(app) == 0


def test_an_employed_workers_visit_earns_no_hours(app: CoopNode) -> None:
    app.open_pool_account(-6000, 6000, DAY)
    user = member(app, "Una Ward", "service_user")
    wes = with_account(app, "Wes Paid")
    app.hire_worker(wes, DAY)
    visit = app.schedule_visit(user, AT, ["personal_care"])
    app.deliver_visit(visit, wes, AT, 60)
    assert balance(app, wes) == 0
    assert app.visit(visit).status == "delivered"


def test_a_visit_that_could_not_pay_is_paid_later_once(app: CoopNode) -> None:
    user = member(app, "Una Ward", "service_user")
    vera = with_account(app, "Vera Novak")
    visit = app.schedule_visit(user, AT, ["befriending"])
    app.deliver_visit(visit, vera, AT, 45)  # no pool yet: the care is recorded
    assert app.visit(visit).status == "delivered"
    assert balance(app, vera) == 0
    app.open_pool_account(-6000, 6000, DAY)
    assert app.earn_for_visit(visit) is True
    assert app.earn_for_visit(visit) is False
    assert balance(app, vera) == 45
    assert app.time_account(POOL).balance == -45
