"""Neighbourhood circles: formed and joined up to their cap, their own board,
meetings and notes for their members only (each refusal tried as an attack, and
writing nothing), and each month counted once and shared as counts only."""

import datetime as dt
from html import unescape
from uuid import UUID

import msgspec
import pytest

from node.application import ALLOWLIST, CoopNode
from node.circle_months import CircleMonth
from node.circles import CIRCLE_CAP
from node.errors import CircleFull, InvalidCircle, NotInCircle
from node.http.timebank_board import board_view
from node.sharing import SharingPolicy
from schemas.timebank import CircleMonthSummarised
from tests.node_api import admitted_member, call, events, open_account, post_form
from tests.page_text import visible_text
from tests.test_timebank_board import DAY, member, stored, with_account
from tests.web import LiveNode
from toolkit.aggregates import events_with

MARCH = dt.date(2026, 3, 1)


def test_a_circle_is_formed_and_joined_up_to_its_cap(app: CoopNode) -> None:
    founder = member(app, "Ann Lee")
    circle = app.form_circle("Mill Lane", "Northside", founder, DAY)
    for n in range(CIRCLE_CAP - 1):
        app.join_circle(circle, member(app, f"Neighbour {n}"), DAY)
    assert app.circle_size(app.circle(circle)) == CIRCLE_CAP
    late = member(app, "Lou Late")
    before = stored(app)
    with pytest.raises(CircleFull, match=f"{CIRCLE_CAP} members"):
        app.join_circle(circle, late, DAY)
    with pytest.raises(InvalidCircle):
        app.join_circle(circle, founder, DAY)  # already in it
    with pytest.raises(InvalidCircle):
        app.form_circle("  ", "Northside", founder, DAY)
    assert stored(app) == before
    # Someone leaving makes room.
    app.leave_circle(circle, founder, DAY)
    app.join_circle(circle, late, DAY)
    assert late in app.circle(circle).members
    assert founder not in app.circle(circle).members


def test_only_the_circles_members_read_or_write_in_it(app: CoopNode) -> None:
    ann, ben = with_account(app, "Ann Lee"), with_account(app, "Ben Okoro")
    eve = with_account(app, "Eve Outsider")
    circle = app.form_circle("Mill Lane", "Northside", ann, DAY)
    app.join_circle(circle, ben, DAY)
    app.record_circle_meeting(circle, ann, DAY, "Ben's roof needs fixing")
    offer = app.post_listing(ann, "offer", "cleaning", "Windows", 60, circle=circle)
    before = stored(app)

    # A member of the co-op who is not in the circle.
    with pytest.raises(NotInCircle):
        app.circle_for(circle, eve)
    with pytest.raises(NotInCircle):
        app.record_circle_meeting(circle, eve, DAY, "I was there too")
    with pytest.raises(NotInCircle):
        app.post_listing(eve, "request", "cleaning", "Mine too", 30, circle=circle)
    with pytest.raises(NotInCircle):
        app.accept_listing(offer, eve)
    # Nor is the circle's board on the co-op's board, for her or anyone.
    assert board_view(app, eve).others == []
    assert board_view(app, ben).others == []
    assert stored(app) == before

    # Ben, in the circle, reads the notes and takes up the offer.
    assert [m.notes for m in app.circle_for(circle, ben).meetings] == [
        "Ben's roof needs fixing"
    ]
    exchange = app.accept_listing(offer, ben)
    assert exchange in {x.id for x in app.circle_exchanges(circle)}

    # A member who left the circle, and one who left the co-op.
    app.leave_circle(circle, ben, DAY)
    with pytest.raises(NotInCircle):
        app.circle_for(circle, ben)
    app.join_circle(circle, eve, DAY)
    app.withdraw_member(eve, DAY)
    before = stored(app)
    with pytest.raises(NotInCircle):
        app.circle_for(circle, eve)
    with pytest.raises(NotInCircle):
        app.record_circle_meeting(circle, eve, DAY, "Still here")
    assert stored(app) == before
    assert app.circle_size(app.circle(circle)) == 1  # Ann alone counts


def test_a_month_of_circles_is_counted_once_and_shared_as_counts(
    app: CoopNode,
) -> None:
    people = [with_account(app, f"Neighbour {n}") for n in range(8)]
    north = app.form_circle("Mill Lane", "Northside", people[0], DAY)
    for p in people[1:6]:
        app.join_circle(north, p, DAY)
    south = app.form_circle("Station Road", "Southside", people[6], DAY)
    app.join_circle(south, people[7], DAY)
    app.leave_circle(north, people[5], dt.date(2026, 3, 20))  # out by the 31st
    app.record_circle_meeting(north, people[1], dt.date(2026, 3, 10), "Ann's tea")
    app.record_circle_meeting(south, people[7], dt.date(2026, 3, 11), "")
    app.record_circle_meeting(south, people[7], dt.date(2026, 4, 2), "In April")
    offer = app.post_listing(people[0], "offer", "cleaning", "", 60, circle=north)
    exchange = app.accept_listing(offer, people[1])
    for side in people[:2]:
        app.confirm_exchange(exchange, side, dt.date(2026, 3, 15))
    # An exchange on the co-op's board is not a circle's.
    other = app.post_listing(people[6], "offer", "cleaning", "", 30)
    elsewhere = app.accept_listing(other, people[2])
    app.confirm_exchange(elsewhere, None, dt.date(2026, 3, 16))

    assert app.summarise_circle_months(dt.date(2026, 4, 7)) == []
    assert app.summarise_circle_months(dt.date(2026, 4, 8)) == [MARCH]
    assert app.summarise_circle_months(dt.date(2026, 4, 30)) == []
    month = app.circle_month(MARCH)
    assert month is not None
    assert month.members_per_circle == [5, 2]
    assert (month.meetings, month.exchanges_settled) == (2, 1)

    (summarised,) = events_with(app, CircleMonth.Summarised.TOPIC)
    shared = SharingPolicy(b"s" * 32, ALLOWLIST).share(summarised)
    assert shared is not None and shared.stream == "timebank"
    assert isinstance(shared.payload, CircleMonthSummarised)
    assert msgspec.to_builtins(shared.payload) == {
        "month": "2026-03-01",
        "circles": 2,
        "members_per_circle": [5, 2],
        "meetings": 2,
        "exchanges_settled": 1,
    }


def test_a_co_op_without_circles_records_no_month(app: CoopNode) -> None:
    member(app, "Ann Lee")
    assert app.summarise_circle_months(dt.date(2026, 6, 1)) == []
    assert app.circle_month(MARCH) is None


# Over HTTP: the API and the pages, on a live node.


async def test_circles_over_the_api_and_pages(http_node: LiveNode) -> None:
    ann, ann_token = await admitted_member(http_node, "volunteer", "Ann Lee")
    ben, ben_token = await admitted_member(http_node, "service_user", "Ben Okoro")
    for who in (ann, ben):
        await open_account(http_node, who)
    status, where = await post_form(
        http_node,
        "/circles",
        ann_token,
        [("name", "Mill Lane"), ("neighbourhood", "Northside")],
    )
    assert status == 303 and where.startswith("/circles/"), where
    circle = where.split("/")[2].split("?")[0]
    status, joined = await call(
        http_node, "POST", f"/api/circles/{circle}/join", token=ben_token
    )
    assert status == 200, joined
    assert [m["name"] for m in joined["members"]] == ["Ann", "Ben"]  # first names

    status, where = await post_form(
        http_node,
        f"/circles/{circle}/meetings",
        ben_token,
        [("held_on", "2026-03-10"), ("notes", "Soup rota agreed")],
    )
    assert (status, where) == (303, f"/circles/{circle}?done=met#meetings")
    status, listing = await call(
        http_node,
        "POST",
        f"/api/circles/{circle}/listings",
        token=ann_token,
        json={"kind": "offer", "category": "cleaning", "minutes": 60},
    )
    assert status == 201, listing
    status, page = await call(http_node, "GET", f"/circles/{circle}", token=ben_token)
    assert status == 200
    text = unescape(visible_text(page))
    assert "Soup rota agreed" in text and "Ann's offer" in text
    assert "Okoro" not in text
    path = f"/circles/{circle}/listings/{listing['id']}/accept"
    status, where = await post_form(http_node, path, ben_token, [])
    assert (status, where) == (303, f"/circles/{circle}?done=accepted#exchanges")
    status, view = await call(
        http_node, "GET", f"/api/circles/{circle}", token=ann_token
    )
    assert status == 200
    [exchange] = view["exchanges"]
    assert (exchange["helper"], exchange["receiver"]) == (ann, ben)

    # Staff see that the circle exists and its size, not what is in it.
    _, coordinator = await admitted_member(http_node, "worker", "Cal Roy")
    status, listed = await call(http_node, "GET", "/api/circles", token=coordinator)
    assert status == 200
    assert [(c["name"], c["members"]) for c in listed["others"]] == [("Mill Lane", 2)]
    status, listed = await call(
        http_node, "GET", "/api/circles", token=http_node.admin_token
    )
    assert (status, listed["others"][0]["members"]) == (200, 2)
    status, page = await call(http_node, "GET", "/circles", token=http_node.admin_token)
    assert status == 200 and "Mill Lane" in page and "Soup rota" not in page

    # Ben leaves on the page: the circle is closed to him from then on.
    status, where = await post_form(
        http_node, f"/circles/{circle}/leave", ben_token, []
    )
    assert (status, where) == (303, "/circles?done=left#done")
    status, page = await call(http_node, "GET", f"/circles/{circle}", token=ben_token)
    assert status == 403 and "Soup rota" not in page
    status, listed = await call(http_node, "GET", "/api/circles", token=ben_token)
    assert [c["members"] for c in listed["others"]] == [1]


async def test_outsiders_and_leavers_are_refused_and_nothing_is_written(
    http_node: LiveNode,
) -> None:
    ann, ann_token = await admitted_member(http_node, "volunteer", "Ann Lee")
    eve, eve_token = await admitted_member(http_node, "volunteer", "Eve Outsider")
    lee, lee_token = await admitted_member(http_node, "volunteer", "Lee Leaving")
    for who in (ann, eve, lee):
        await open_account(http_node, who)
    app = http_node.node.coop_node
    circle = app.form_circle("Mill Lane", "Northside", UUID(ann))
    app.join_circle(circle, UUID(lee))
    app.record_circle_meeting(
        circle, UUID(ann), DAY, "Private: Ann's key is under the mat"
    )
    offer = app.post_listing(UUID(ann), "offer", "cleaning", "", 60, circle=circle)
    before = events(http_node)

    listing = {"kind": "request", "category": "cleaning", "minutes": 30}
    meeting = {"held_on": "2026-03-10", "notes": "I was there"}
    for method, path, body in [
        ("GET", f"/api/circles/{circle}", None),
        ("POST", f"/api/circles/{circle}/meetings", meeting),
        ("POST", f"/api/circles/{circle}/listings", listing),
        ("POST", f"/api/timebank/listings/{offer}/accept", None),
    ]:
        status, refused = await call(
            http_node, method, path, token=eve_token, json=body
        )
        assert (status, refused["error"]["code"]) == (403, "not_in_circle"), path
    status, page = await call(http_node, "GET", f"/circles/{circle}", token=eve_token)
    assert status == 403 and "under the mat" not in page
    for path, form in [
        (f"/circles/{circle}/meetings", [("held_on", "2026-03-10"), ("notes", "x")]),
        (
            f"/circles/{circle}/listings",
            [("kind", "request"), ("category", "cleaning"), ("hours", "1")],
        ),
        (f"/circles/{circle}/listings/{offer}/accept", []),
        (f"/circles/{circle}/listings/{offer}/withdraw", []),
    ]:
        status, answer = await post_form(http_node, path, eve_token, form)
        assert status == 403, (path, status)
        assert "under the mat" not in answer
    assert events(http_node) == before
    assert app.listing(offer).status == "open"

    # A member who left the co-op: their token no longer opens anything.
    status, _ = await call(
        http_node, "POST", f"/api/members/{lee}/withdraw", token=http_node.admin_token
    )
    assert status == 200
    before = events(http_node)
    status, _ = await call(http_node, "GET", f"/api/circles/{circle}", token=lee_token)
    assert status == 401
    status, _ = await call(
        http_node,
        "POST",
        f"/api/circles/{circle}/meetings",
        token=lee_token,
        json=meeting,
    )
    assert status == 401
    assert events(http_node) == before
    # And the circle counts them out.
    status, listed = await call(http_node, "GET", "/api/circles", token=ann_token)
    assert listed["mine"][0]["members"] == 1


async def test_bad_input_and_refusals_say_why(http_node: LiveNode) -> None:
    _, ann_token = await admitted_member(http_node, "volunteer", "Ann Lee")
    before = events(http_node)
    status, refused = await call(
        http_node,
        "POST",
        "/api/circles",
        token=ann_token,
        json={"name": "", "neighbourhood": "Northside"},
    )
    assert status == 400 and refused["error"]["field"] == "name", refused
    status, page = await post_form(
        http_node, "/circles", ann_token, [("name", ""), ("neighbourhood", "North")]
    )
    assert status == 400 and "Give the circle a name" in unescape(page)
    nobody = "00000000-0000-4000-8000-000000000009"
    status, refused = await call(
        http_node, "POST", f"/api/circles/{nobody}/join", token=ann_token
    )
    assert (status, refused["error"]["code"]) == (404, "unknown_circle")
    status, refused = await call(
        http_node,
        "POST",
        f"/api/circles/{nobody}/meetings",
        token=ann_token,
        json={"held_on": "not a day"},
    )
    assert status == 400 and refused["error"]["field"] == "held_on", refused
    assert events(http_node) == before

    app = http_node.node.coop_node
    full = app.form_circle("Full", "Eastside", member(app, "Fay First", "worker"))
    for n in range(CIRCLE_CAP - 1):
        app.join_circle(full, member(app, f"Neighbour {n}", "worker"))
    before = events(http_node)
    status, refused = await call(
        http_node, "POST", f"/api/circles/{full}/join", token=ann_token
    )
    assert (status, refused["error"]["code"]) == (409, "circle_full")
    assert str(CIRCLE_CAP) in refused["error"]["message"]
    status, page = await post_form(http_node, f"/circles/{full}/join", ann_token, [])
    assert status == 409 and f"{CIRCLE_CAP} members at most" in unescape(page)
    assert events(http_node) == before
