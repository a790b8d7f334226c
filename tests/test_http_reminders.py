"""A ballot's closing day and moving a visit, over a real server, SQLite store and
broker: the API and the staff pages, each role boundary, and bad input that names
the field and writes nothing."""

import datetime as dt
from uuid import UUID

from babel.dates import format_date

from tests.node_api import admitted_member, call, events, schedule, staff_token
from tests.web import LiveNode, browser_session, csrf_of

TODAY = dt.date.today()


async def test_a_ballot_opens_with_a_closing_day_shown_on_its_pages(
    http_node: LiveNode,
) -> None:
    _, rosa_token = await admitted_member(http_node, "worker", "Rosa")
    closes = (TODAY + dt.timedelta(days=7)).isoformat()
    status, ballot = await call(
        http_node,
        "POST",
        "/api/ballots",
        token=http_node.admin_token,
        json={"title": "New rota", "closes_on": closes},
    )
    assert status == 201 and ballot["closes_on"] == closes, ballot
    status, seen = await call(
        http_node, "GET", f"/api/ballots/{ballot['id']}", token=rosa_token
    )
    assert status == 200 and seen["closes_on"] == closes
    status, page = await call(http_node, "GET", "/staff/ballots", token=rosa_token)
    assert status == 403, "a member opened the staff ballots page"
    status, page = await call(
        http_node, "GET", "/staff/ballots", token=http_node.admin_token
    )
    # As people read it ("closes 7 Dec 2026"), in the co-op's language.
    shown = "closes " + format_date(TODAY + dt.timedelta(days=7), locale="en_GB")
    assert status == 200 and shown in page
    status, home = await call(http_node, "GET", "/", token=rosa_token)
    assert status == 200 and shown in home

    # Not a date (400), or before the opening day, today (409: yesterday it was
    # fine): the field is named, and nothing written.
    before = events(http_node)
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    for bad, expected in (("next week", 400), (yesterday, 409)):
        status, error = await call(
            http_node,
            "POST",
            "/api/ballots",
            token=http_node.admin_token,
            json={"title": "Too late", "closes_on": bad},
        )
        assert status == expected, error
        assert error["error"]["field"] == "closes_on", error
    # A member cannot open one, closing day or not.
    status, _ = await call(
        http_node,
        "POST",
        "/api/ballots",
        token=rosa_token,
        json={"title": "Mine", "closes_on": closes},
    )
    assert status == 403
    assert events(http_node) == before


async def test_the_board_opens_a_ballot_with_a_closing_day_from_the_page(
    http_node: LiveNode,
) -> None:
    await admitted_member(http_node, "worker", "Rosa")
    app = http_node.node.coop_node
    closes = TODAY + dt.timedelta(days=3)
    async with browser_session(http_node, http_node.admin_token) as browser:
        async with browser.get("/staff/ballots") as response:
            page = await response.text()
            assert 'name="closes_on" type="date"' in page
            csrf = csrf_of(page)
        before = events(http_node)
        form = {"csrf": csrf, "title": "Garden", "closes_on": "3rd of May"}
        async with browser.post("/staff/ballots", data=form) as response:
            assert response.status == 400
            assert "closes_on" in await response.text()
        assert events(http_node) == before
        form["closes_on"] = closes.isoformat()
        async with browser.post(
            "/staff/ballots", data=form, allow_redirects=False
        ) as response:
            assert response.status == 303
    [ballot] = app.ballots()
    assert (ballot.title, ballot.closes_on) == ("Garden", closes)


async def test_the_coordinator_moves_a_scheduled_visit(http_node: LiveNode) -> None:
    user, user_token = await admitted_member(http_node, "service_user", "Una")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal")
    types = list(http_node.node.coop_node.coop().profile.service_types[:1])
    visit = await schedule(http_node, user, types)
    path = f"/api/visits/{visit}/reschedule"
    before = events(http_node)
    # A member, even the service user on the visit, cannot move it.
    status, _ = await call(
        http_node,
        "POST",
        path,
        token=user_token,
        json={"scheduled_for": "2026-03-03T11:00:00+01:00"},
    )
    assert status == 403
    # No zone, not a time, or an unknown field: named, and nothing written.
    for body in (
        {"scheduled_for": "2026-03-03T11:00:00"},
        {"scheduled_for": "tomorrow"},
        {"scheduled_for": "2026-03-03T11:00:00Z", "minutes": 30},
    ):
        status, error = await call(
            http_node, "POST", path, token=coordinator, json=body
        )
        assert status in (400, 422), (body, error)
        assert "scheduled_for" in str(error) or "minutes" in str(error), error
    assert events(http_node) == before

    status, moved = await call(
        http_node,
        "POST",
        path,
        token=coordinator,
        json={"scheduled_for": "2026-03-03T11:00:00+01:00"},
    )
    assert status == 200 and moved["status"] == "scheduled", moved
    stored = http_node.node.coop_node.visit(visit)
    assert stored.scheduled_for == dt.datetime.fromisoformat("2026-03-03T11:00+01:00")

    status, _ = await call(
        http_node,
        "POST",
        f"/api/visits/{visit}/miss",
        token=coordinator,
        json={"reason": "service_user_unwell"},
    )
    assert status == 200
    before = events(http_node)
    status, error = await call(
        http_node,
        "POST",
        path,
        token=coordinator,
        json={"scheduled_for": "2026-03-04T11:00:00+01:00"},
    )
    assert status == 409 and "only a scheduled visit" in str(error), error
    assert events(http_node) == before

    status, spec = await call(http_node, "GET", "/openapi.json", token=coordinator)
    assert status == 200 and "/api/visits/{id}/reschedule" in spec["paths"]


async def test_the_visits_page_moves_a_visit_with_its_form(
    http_node: LiveNode,
) -> None:
    user, _ = await admitted_member(http_node, "service_user", "Una")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal")
    types = list(http_node.node.coop_node.coop().profile.service_types[:1])
    visit = await schedule(http_node, user, types)
    path = f"/staff/visits/{visit}/reschedule"
    async with browser_session(http_node, coordinator) as browser:
        async with browser.get("/staff/visits") as response:
            page = await response.text()
            assert f'action="{path}"' in page
            csrf = csrf_of(page)
        before = events(http_node)
        async with browser.post(path, data={"scheduled_for": "2026-03-05T14:30"}) as r:
            assert r.status == 403, "a form without its CSRF token was taken"
        for bad in ("", "half past two"):
            data = {"csrf": csrf, "scheduled_for": bad}
            async with browser.post(path, data=data) as response:
                assert response.status == 400
                assert "scheduled_for" in await response.text()
        assert events(http_node) == before
        data = {"csrf": csrf, "scheduled_for": "2026-03-05T14:30"}
        async with browser.post(path, data=data, allow_redirects=False) as response:
            assert response.status == 303
            assert response.headers["Location"] == f"/staff/visits?done={visit}#done"
    moved = http_node.node.coop_node.visit(UUID(str(visit)))
    # In the zone the visit was scheduled in (+01:00).
    assert moved.scheduled_for.isoformat() == "2026-03-05T14:30:00+01:00"
