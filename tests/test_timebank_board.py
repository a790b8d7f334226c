"""The time bank's board: offers and requests, matching, exchanges settled
exactly once by double-entry transfer, and a volunteer's delivered visit paid
from the pool exactly once. The bank sums to zero throughout."""

import datetime as dt
from html import unescape
from uuid import UUID

import msgspec
import pytest

from node.application import CoopNode
from node.errors import (
    BalanceLimitExceeded,
    InvalidTransition,
    NotAParty,
    UnknownAccount,
    UnknownServiceType,
)
from node.rules import profile_named
from node.timebank import TimeAccount, time_account_id
from node.timebank_board import RESPITE, exchange_transfer_id
from node.volunteer_hours import POOL, visit_hours_transfer, visit_respite_transfer
from tests.node_api import (
    admitted_member,
    call,
    events,
    open_account,
    post_form,
    schedule,
    staff_token,
)
from tests.page_text import UUID_TEXT, visible_text
from tests.web import LiveNode
from toolkit.config import StoreConfig

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


# Over HTTP: the API and the pages, on a live node.


async def listing_by_api(
    http: LiveNode, token: str, kind: str, category: str, minutes: int
) -> str:
    status, listing = await call(
        http,
        "POST",
        "/api/timebank/listings",
        token=token,
        json={"kind": kind, "category": category, "minutes": minutes},
    )
    assert status == 201, listing
    return str(listing["id"])


async def test_two_members_trade_on_the_board_and_the_hours_move_once(
    http_node: LiveNode,
) -> None:
    ann, ann_token = await admitted_member(http_node, "volunteer", "Ann Lee")
    ben, ben_token = await admitted_member(http_node, "service_user", "Ben Okoro")
    await open_account(http_node, ann)
    await open_account(http_node, ben)
    status, where = await post_form(
        http_node,
        "/timebank/board/listings",
        ann_token,
        [
            ("kind", "offer"),
            ("category", "meals_shopping"),
            ("hours", "1:30"),
            ("description", "Shopping, Tuesdays"),
        ],
    )
    assert (status, where) == (303, "/timebank/board?done=posted#done")

    status, page = await call(http_node, "GET", "/timebank/board", token=ben_token)
    assert status == 200
    text = unescape(visible_text(page))
    assert "Ann's offer" in text and "Shopping, Tuesdays" in text
    assert "Lee" not in text  # first names only
    assert not UUID_TEXT.search(text)
    status, board = await call(http_node, "GET", "/api/timebank/board", token=ben_token)
    [offer] = board["others"]
    status, exchange = await call(
        http_node,
        "POST",
        f"/api/timebank/listings/{offer['id']}/accept",
        token=ben_token,
    )
    assert status == 201, exchange
    assert (exchange["helper"], exchange["receiver"]) == (ann, ben)
    assert exchange["my_side"] == "receiver"

    path = f"/timebank/board/exchanges/{exchange['id']}/confirm"
    status, where = await post_form(http_node, path, ann_token, [])
    assert (status, where) == (303, "/timebank/board?done=confirmed#exchanges")
    confirm = f"/api/timebank/exchanges/{exchange['id']}/confirm"
    status, settled = await call(http_node, "POST", confirm, token=ben_token)
    assert status == 200, settled
    assert settled["settled"] is True
    before = events(http_node)
    status, again = await call(http_node, "POST", confirm, token=ben_token)
    assert (status, again["settled"]) == (200, True)
    assert events(http_node) == before  # confirming twice writes nothing

    app = http_node.node.coop_node
    assert balance(app, UUID(ann)) == 90
    assert balance(app, UUID(ben)) == -90
    assert bank_total(app) == 0


async def test_members_cannot_act_on_what_is_not_theirs(http_node: LiveNode) -> None:
    ann, ann_token = await admitted_member(http_node, "volunteer", "Ann Lee")
    ben, ben_token = await admitted_member(http_node, "service_user", "Ben Okoro")
    _, cal_token = await admitted_member(http_node, "volunteer", "Cal Nosy")
    await open_account(http_node, ann)
    await open_account(http_node, ben)
    offer = await listing_by_api(http_node, ann_token, "offer", "cleaning", 60)
    spare = await listing_by_api(http_node, ann_token, "offer", "transport", 60)
    status, exchange = await call(
        http_node, "POST", f"/api/timebank/listings/{offer}/accept", token=ben_token
    )
    assert status == 201
    before = events(http_node)

    confirm = f"/api/timebank/exchanges/{exchange['id']}/confirm"
    status, refused = await call(http_node, "POST", confirm, token=cal_token)
    assert (status, refused["error"]["code"]) == (403, "not_a_party")
    status, _ = await post_form(
        http_node, f"/timebank/board/exchanges/{exchange['id']}/confirm", cal_token, []
    )
    assert status == 403
    withdraw = f"/api/timebank/listings/{spare}/withdraw"
    status, refused = await call(http_node, "POST", withdraw, token=ben_token)
    assert (status, refused["error"]["code"]) == (403, "not_a_party")
    status, _ = await post_form(
        http_node, f"/timebank/board/listings/{spare}/withdraw", ben_token, []
    )
    assert status == 403
    for path in ("/api/funding", f"/api/funding/{ben}"):
        status, _ = await call(http_node, "GET", path, token=ben_token)
        assert status == 403
    status, _ = await call(http_node, "GET", "/staff/funding", token=ben_token)
    assert status == 403
    status, _ = await call(
        http_node,
        "POST",
        "/api/funding",
        token=ben_token,
        json={"service_user": ben, "funder": "self_funded", "weekly_minutes": 60},
    )
    assert status == 403
    assert events(http_node) == before
    app = http_node.node.coop_node
    assert app.listing(UUID(spare)).status == "open"
    assert app.exchange(UUID(exchange["id"])).confirmed == []


async def test_a_refusal_names_the_rule_and_not_the_other_members_balance(
    http_node: LiveNode,
) -> None:
    ann, ann_token = await admitted_member(http_node, "volunteer", "Ann Lee")
    ben, ben_token = await admitted_member(http_node, "service_user", "Ben Okoro")
    await open_account(http_node, ann)
    await open_account(http_node, ben, minimum=-30)
    offer = await listing_by_api(http_node, ann_token, "offer", "befriending", 120)
    status, exchange = await call(
        http_node, "POST", f"/api/timebank/listings/{offer}/accept", token=ben_token
    )
    confirm = f"/timebank/board/exchanges/{exchange['id']}/confirm"
    status, _ = await post_form(http_node, confirm, ben_token, [])
    assert status == 303
    before = events(http_node)
    # The helper's confirmation would complete it: the receiver cannot pay.
    status, page = await post_form(http_node, confirm, ann_token, [])
    assert status == 409
    text = unescape(visible_text(page))
    assert "past its limit" in text
    assert "-0" not in text and "0:30" not in text  # Ben's balance is his
    assert events(http_node) == before


async def test_the_coordinator_confirms_for_both_and_records_respite(
    http_node: LiveNode,
) -> None:
    ann, ann_token = await admitted_member(http_node, "volunteer", "Ann Lee")
    ben, ben_token = await admitted_member(http_node, "service_user", "Ben Okoro")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    await open_account(http_node, ann)
    await open_account(http_node, ben)
    request = await listing_by_api(http_node, ben_token, "request", "respite", 120)
    status, exchange = await call(
        http_node, "POST", f"/api/timebank/listings/{request}/accept", token=ann_token
    )
    status, page = await call(
        http_node, "GET", "/staff/timebank/exchanges", token=coordinator
    )
    assert "Ann helps Ben" in unescape(visible_text(page))
    path = f"/staff/timebank/exchanges/{exchange['id']}/confirm"
    status, where = await post_form(http_node, path, coordinator, [])
    assert (status, where) == (303, "/staff/timebank/exchanges?done=confirmed#done")
    app = http_node.node.coop_node
    assert app.exchange(UUID(exchange["id"])).is_settled
    assert (balance(app, UUID(ann)), balance(app, UUID(ben))) == (120, -120)
    assert app.statement(time_account_id(UUID(ben)))[-1].purpose == "respite"

    status, _ = await call(http_node, "POST", "/api/timebank/pool", token=coordinator)
    assert status == 201
    status, where = await post_form(
        http_node,
        "/staff/timebank/respite",
        coordinator,
        [("member", ben), ("hours", "1"), ("note", ""), ("on", "")],
    )
    assert (status, where) == (303, "/staff/timebank?done=respite#done")
    assert balance(app, UUID(ben)) == -180
    assert app.statement(time_account_id(UUID(ben)))[-1].purpose == "respite"
    assert bank_total(app) == 0


async def test_a_volunteer_visit_delivered_over_the_api_earns_once(
    http_node: LiveNode,
) -> None:
    user, _ = await admitted_member(http_node, "service_user", "Una Ward")
    vera, _ = await admitted_member(http_node, "volunteer", "Vera Novak")
    await open_account(http_node, vera)
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    status, _ = await call(http_node, "POST", "/api/timebank/pool", token=coordinator)
    assert status == 201
    visit = await schedule(http_node, user, ["befriending"])
    delivery = {
        "worker": vera,
        "started_at": "2026-03-02T09:00:00+01:00",
        "minutes": 50,
    }
    deliver = f"/api/visits/{visit}/deliver"
    status, answer = await call(
        http_node, "POST", deliver, token=coordinator, json=delivery
    )
    assert status == 200, answer
    before = events(http_node)
    status, _ = await call(http_node, "POST", deliver, token=coordinator, json=delivery)
    assert status == 409
    assert events(http_node) == before
    app = http_node.node.coop_node
    assert balance(app, UUID(vera)) == 50
    assert transfers_named(app, UUID(vera), visit_hours_transfer(visit)) == 1
    assert bank_total(app) == 0


def test_a_respite_visit_spends_the_receivers_hours_once(store: StoreConfig) -> None:
    profile = msgspec.structs.replace(
        profile_named("uk_multi_stakeholder"),
        service_types=("personal_care", RESPITE),
    )
    app = CoopNode("beta", store.env())
    try:
        app.found_coop("Beta", profile, DAY)
        app.open_pool_account(-6000, 6000, DAY)
        carer = with_account(app, "Fay Carer")  # a family carer
        vera = with_account(app, "Vera Novak")
        visit = app.schedule_visit(carer, AT, ["personal_care", RESPITE])
        app.deliver_visit(visit, vera, AT, 180)  # 90 min of it respite
        assert balance(app, carer) == -90
        assert balance(app, vera) == 180
        assert app.time_account(POOL).balance == -90
        assert app.statement(time_account_id(carer))[-1].purpose == "respite"
        before = stored(app)
        assert app.earn_for_visit(visit) is False
        assert stored(app) == before
        assert transfers_named(app, carer, visit_respite_transfer(visit)) == 1
        assert bank_total(app) == 0
    finally:
        app.close()
