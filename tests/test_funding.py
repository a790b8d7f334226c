"""Who pays for care: arrangements kept as events from a day, commissioned
against delivered hours by week and month, shared as the funder's type and
minutes a week only; recorded and read by the coordinator, by no member."""

import datetime as dt
import json
from html import unescape
from uuid import UUID

import msgspec
import pytest

from node.application import ALLOWLIST, CoopNode
from node.errors import InvalidFunding, UnknownReason
from node.funding import Funding
from node.sharing import SharingPolicy
from schemas.funding import FundingArranged
from tests.node_api import admitted_member, call, events, post_form, staff_token
from tests.page_text import UUID_TEXT, error_beside, visible_text
from tests.web import LiveNode

DAY = dt.date(2026, 3, 2)  # a Monday


def service_user(app: CoopNode, name: str = "Una Ward") -> UUID:
    member = app.apply_for_membership(
        name=name, email="una@example.org", member_class="service_user"
    )
    app.admit_member(member, DAY)
    return member


def deliver(
    app: CoopNode, user: UUID, worker: UUID, day: dt.date, minutes: int
) -> None:
    at = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
    visit = app.schedule_visit(user, at, ["personal_care"])
    app.deliver_visit(visit, worker, at, minutes)


def test_commissioned_against_delivered_by_week_and_month(app: CoopNode) -> None:
    una = service_user(app)
    wes = service_user(app, "Wes Carer")
    app.arrange_funding(una, "council_commission", 7 * 60, DAY, "Kirklees", "KC-1")
    # From the next Monday, a direct payment of 14 hours a week.
    app.arrange_funding(una, "direct_payment", 14 * 60, DAY + dt.timedelta(days=7))
    deliver(app, una, wes, DAY, 120)
    deliver(app, una, wes, DAY + dt.timedelta(days=8), 90)
    deliver(app, wes, una, DAY, 60)  # someone else's care does not count

    last = DAY + dt.timedelta(days=13)
    second, first = app.weeks(una, last, 2)
    assert (first.starts_on, first.commissioned, first.delivered) == (DAY, 420, 120)
    assert (second.commissioned, second.delivered) == (840, 90)
    [march] = app.months(una, last, 1)
    assert march.starts_on == dt.date(2026, 3, 1)
    assert march.delivered == 210
    # 2 March to 8 March at 7 h, 9 to 31 March at 14 h a week (sevenths of it).
    assert march.commissioned == round((7 * 420 + 23 * 840) / 7)
    funding = app.funding_of(una)
    assert funding is not None
    assert [a.funder for a in funding.arrangements] == [
        "council_commission",
        "direct_payment",
    ]


def test_a_bad_arrangement_is_refused_and_writes_nothing(app: CoopNode) -> None:
    una = service_user(app)
    app.arrange_funding(una, "self_funded", 60, DAY)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidFunding):
        app.arrange_funding(una, "self_funded", 120, DAY)  # not after the last
    with pytest.raises(UnknownReason):
        app.arrange_funding(una, "lottery", 120, DAY + dt.timedelta(days=1))
    with pytest.raises(InvalidFunding):
        app.arrange_funding(una, "self_funded", 7 * 24 * 60 + 1, dt.date(2026, 4, 1))
    assert app.recorder.max_notification_id() == before


def test_only_the_funders_type_and_minutes_a_week_leave_the_node(
    app: CoopNode,
) -> None:
    una = service_user(app)
    app.arrange_funding(una, "independent_service_fund", 600, DAY, "Kirklees", "ISF-42")
    app.arrange_funding(una, "council_commission", 300, DAY + dt.timedelta(days=30))
    policy = SharingPolicy(b"s" * 32, ALLOWLIST)
    shared = [
        out.payload
        for n in app.recorder.select_notifications(start=1, limit=10_000)
        if (out := policy.share(app.mapper.to_domain_event(n))) is not None
        and isinstance(out.payload, FundingArranged)
    ]
    assert [(p.funder, p.weekly_minutes) for p in shared] == [
        ("independent_service_fund", 600),
        ("council_commission", 300),
    ]
    assert shared[0].arrangement == shared[1].arrangement
    text = json.dumps([msgspec.to_builtins(p) for p in shared])
    for secret in ("Kirklees", "ISF-42", "Una", str(una), una.hex):
        assert secret not in text
    assert Funding.Arranged.TOPIC in ALLOWLIST


async def test_the_coordinator_records_funding_on_the_page(http_node: LiveNode) -> None:
    una, una_token = await admitted_member(http_node, "service_user", "Una Ward")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    form = [
        ("service_user", una),
        ("funder", "direct_payment"),
        ("weekly_hours", "10.5"),
        ("starts_on", "2026-03-02"),
        ("funder_name", "Kirklees Council"),
        ("reference", "DP-7"),
    ]
    status, where = await post_form(http_node, "/staff/funding", coordinator, form)
    assert (status, where) == (303, "/staff/funding?done=arranged#done")

    status, page = await call(http_node, "GET", "/staff/funding", token=coordinator)
    text = unescape(visible_text(page))
    assert "Una Ward" in text and "direct payment" in text
    assert not UUID_TEXT.search(text)
    status, page = await call(
        http_node, "GET", f"/staff/funding/{una}", token=coordinator
    )
    assert status == 200
    text = unescape(visible_text(page))
    assert "DP-7" in text and "10 h 30 min" in text

    status, view = await call(
        http_node, "GET", f"/api/funding/{una}", token=coordinator
    )
    assert status == 200
    assert view["arrangements"][0]["weekly_minutes"] == 630
    assert len(view["weeks"]) == 8 and len(view["months"]) == 6

    before = events(http_node)
    status, page = await post_form(http_node, "/staff/funding", coordinator, form)
    assert status == 409  # the same day again: not after the last one
    assert "Una Ward" in unescape(error_beside(page, "arrange-starts"))
    bad = [*form[:2], ("weekly_hours", "lots"), *form[3:]]
    status, page = await post_form(http_node, "/staff/funding", coordinator, bad)
    assert status == 400
    error_beside(page, "arrange-hours")
    assert events(http_node) == before

    # The person themselves reads none of it, nor records any.
    for path in ("/api/funding", f"/api/funding/{una}"):
        status, _ = await call(http_node, "GET", path, token=una_token)
        assert status == 403
    status, _ = await call(http_node, "GET", f"/staff/funding/{una}", token=una_token)
    assert status == 403
    status, _ = await post_form(http_node, "/staff/funding", una_token, form)
    assert status == 403
    assert events(http_node) == before
