"""The coordinator's pages for visits and expenses, without JavaScript, over a real
server, SQLite store and broker: the lists, forms that change the store (checked
through the Application), the role boundary, and bad input that is answered in
plain words and writes nothing."""

import datetime as dt
from typing import Any
from uuid import UUID

import aiohttp

from tests.node_api import (
    NOBODY,
    Form,
    admitted_member,
    call,
    events,
    post_form,
    schedule,
    staff_token,
)
from tests.page_text import UUID_TEXT
from tests.web import LiveNode


async def claim(http: LiveNode, token: str, amount: int) -> UUID:
    status, made = await call(
        http,
        "POST",
        "/api/expenses",
        token=token,
        json={"category": "travel", "amount": amount, "description": "bus fares"},
    )
    assert status == 201, made
    return UUID(made["id"])


async def care_setup(http: LiveNode) -> dict[str, Any]:
    user, _ = await admitted_member(http, "service_user", "Una Ward")
    worker, _ = await admitted_member(http, "worker", "Wes Tan")
    volunteer, volunteer_token = await admitted_member(http, "volunteer", "Ada Lim")
    _, coordinator = await staff_token(http, "coordinator", "Cal Roy")
    types = list(http.node.coop_node.coop().profile.service_types[:2])
    return {
        "user": user,
        "worker": worker,
        "volunteer": volunteer,
        "volunteer_token": volunteer_token,
        "coordinator": coordinator,
        "types": types,
    }


async def test_the_coordinator_records_visits_delivered_and_missed(
    http_node: LiveNode,
) -> None:
    s = await care_setup(http_node)
    app = http_node.node.coop_node
    first = await schedule(http_node, s["user"], s["types"][:1])
    second = await schedule(http_node, s["user"], s["types"])
    status, page = await call(http_node, "GET", "/staff/visits", token=s["coordinator"])
    assert status == 200
    assert f'id="visit-{first}"' in page and f'id="visit-{second}"' in page
    assert "Una Ward" in page and "Wes Tan (Worker)" in page
    assert "Mill Lane" not in page

    status, location = await post_form(
        http_node,
        f"/staff/visits/{first}/deliver",
        s["coordinator"],
        [
            ("worker", s["worker"]),
            ("started_at", "2026-03-02T09:10"),
            ("minutes", "45"),
            ("service_types", s["types"][0]),
            ("service_types", s["types"][1]),
            ("notes", "All well"),
        ],
    )
    assert (status, location) == (303, f"/staff/visits?done={first}#done")
    visit = app.visit(first)
    assert (visit.status, visit.worker, visit.minutes) == (
        "delivered",
        UUID(s["worker"]),
        45,
    )
    assert set(visit.minutes_by_service) == set(s["types"])
    # The form's local time is read in the scheduled time's zone.
    tz = dt.timezone(dt.timedelta(hours=1))
    assert visit.started_at == dt.datetime(2026, 3, 2, 9, 10, tzinfo=tz)

    status, _ = await post_form(
        http_node,
        f"/staff/visits/{second}/miss",
        http_node.admin_token,
        [("reason", "service_user_unwell"), ("notes", "")],
    )
    assert status == 303
    assert (app.visit(second).status, app.visit(second).reason) == (
        "missed",
        "service_user_unwell",
    )
    # A visit scheduled without a time zone (as a script may) is read in the
    # machine's own, and the form may leave the start time as scheduled.
    naive = dt.datetime(2026, 3, 3, 14, 0)
    third = app.schedule_visit(UUID(s["user"]), naive, s["types"][:1])
    status, _ = await post_form(
        http_node,
        f"/staff/visits/{third}/deliver",
        s["coordinator"],
        [("worker", s["worker"]), ("minutes", "20"), ("service_types", s["types"][0])],
    )
    assert status == 303
    assert app.visit(third).started_at == naive.astimezone()
    status, page = await call(
        http_node, "GET", f"/staff/visits?done={first}", token=s["coordinator"]
    )
    assert status == 200 and 'id="done"' in page
    assert "No visits are waiting" in page
    assert page.count('class="status">delivered<') == 2
    assert page.count('class="status">missed<') == 1


async def test_the_coordinator_approves_rejects_and_pays_claims(
    http_node: LiveNode,
) -> None:
    s = await care_setup(http_node)
    app = http_node.node.coop_node
    bus = await claim(http_node, s["volunteer_token"], 480)
    lunch = await claim(http_node, s["volunteer_token"], 650)
    status, page = await call(
        http_node, "GET", "/staff/expenses", token=s["coordinator"]
    )
    assert status == 200
    assert f'id="claim-{bus}"' in page and f'id="claim-{lunch}"' in page
    assert "Ada Lim" in page and "4.80" in page and "6.50" in page

    status, location = await post_form(
        http_node, f"/staff/expenses/{bus}/approve", s["coordinator"], []
    )
    assert (status, location) == (303, f"/staff/expenses?done={bus}#done")
    assert app.expense_claim(bus).status == "approved"
    status, _ = await post_form(
        http_node,
        f"/staff/expenses/{lunch}/reject",
        s["coordinator"],
        [("reason", "no_receipt"), ("note", "please bring the receipt")],
    )
    assert status == 303 and app.expense_claim(lunch).status == "rejected"
    status, page = await call(
        http_node, "GET", "/staff/expenses", token=s["coordinator"]
    )
    assert "No claims are waiting" in page
    assert f'action="/staff/expenses/{bus}/pay"' in page
    status, _ = await post_form(
        http_node, f"/staff/expenses/{bus}/pay", http_node.admin_token, []
    )
    assert status == 303 and app.expense_claim(bus).status == "paid"
    status, page = await call(
        http_node, "GET", "/staff/expenses", token=http_node.admin_token
    )
    assert page.count('class="status">paid<') == 1
    assert page.count('class="status">rejected<') == 1


async def test_members_and_the_board_are_refused_the_staff_pages(
    http_node: LiveNode,
) -> None:
    s = await care_setup(http_node)
    _, board = await staff_token(http_node, "board", "Bea")
    visit = await schedule(http_node, s["user"], s["types"][:1])
    bus = await claim(http_node, s["volunteer_token"], 480)
    before = events(http_node)
    for token in (s["volunteer_token"], board):
        for path in ("/staff/visits", "/staff/expenses"):
            status, _ = await call(http_node, "GET", path, token=token)
            assert status == 403, path
        for path, data in (
            (f"/staff/visits/{visit}/deliver", [("worker", s["worker"])]),
            (f"/staff/visits/{visit}/miss", [("reason", "other")]),
            (f"/staff/expenses/{bus}/approve", []),
            (f"/staff/expenses/{bus}/pay", []),
        ):
            status, _ = await post_form(
                http_node, path, token, [*data, ("minutes", "30")]
            )
            assert status == 403, path
    # Signed out: back to the sign-in form.
    async with (
        aiohttp.ClientSession() as session,
        session.get(http_node.url + "/staff/visits", allow_redirects=False) as r,
    ):
        assert (r.status, r.headers["Location"]) == (303, "/login")
    assert events(http_node) == before
    assert http_node.node.coop_node.visit(visit).status == "scheduled"
    assert http_node.node.coop_node.expense_claim(bus).status == "claimed"
    # The links are on staff pages for the coordinator only.
    _, page = await call(http_node, "GET", "/staff", token=board)
    assert 'href="/staff/visits"' not in page
    _, page = await call(http_node, "GET", "/staff", token=s["coordinator"])
    assert 'href="/staff/visits"' in page and 'href="/staff/expenses"' in page


async def test_bad_forms_are_answered_in_plain_words_and_write_nothing(
    http_node: LiveNode,
) -> None:
    s = await care_setup(http_node)
    visit = await schedule(http_node, s["user"], s["types"][:1])
    bus = await claim(http_node, s["volunteer_token"], 480)
    token = s["coordinator"]
    good: Form = [
        ("worker", s["worker"]),
        ("minutes", "30"),
        ("service_types", s["types"][0]),
    ]
    before = events(http_node)

    async def refused(path: str, data: Form, status: int, words: str) -> None:
        got, page = await post_form(http_node, path, token, data)
        assert got == status, (path, data, page)
        assert 'class="error" role="alert"' in page and words in page, page
        alert = page.split('class="error" role="alert">')[1].split("</p>")[0]
        assert not UUID_TEXT.search(alert), alert

    deliver = f"/staff/visits/{visit}/deliver"
    await refused(deliver, good[1:], 400, "Choose who delivered the visit.")
    for minutes in ("", "abc", "4.5", "0", "2000"):
        data = [good[0], ("minutes", minutes), good[2]]
        await refused(deliver, data, 400, "Write the visit&#39;s length")
    await refused(deliver, good[:2], 400, "Tick at least one service type.")
    await refused(deliver, [*good, ("started_at", "tomorrow")], 400, "the visit began")
    await refused(deliver, [("worker", "Wes"), *good[1:]], 400, "Choose who delivered")
    stranger = [("worker", NOBODY), *good[1:]]
    await refused(deliver, stranger, 409, "not an admitted member of this co-op")
    await refused(
        deliver,
        [*good[:2], ("service_types", "juggling")],
        400,
        "services this co-op offers",
    )
    await refused(f"/staff/visits/{NOBODY}/deliver", good, 404, "no such visit")
    await refused(
        f"/staff/visits/{visit}/miss", [("reason", "bored")], 400, "Choose a reason"
    )
    await refused(f"/staff/expenses/{bus}/reject", [], 400, "Choose a reason.")
    await refused(f"/staff/expenses/{bus}/pay", [], 409, "must be approved before")
    await refused(f"/staff/expenses/{NOBODY}/approve", [], 404, "no such expense claim")
    status, _ = await post_form(http_node, "/staff/expenses/nope/approve", token, [])
    assert status == 404
    assert events(http_node) == before
    assert http_node.node.coop_node.visit(visit).status == "scheduled"
    assert http_node.node.coop_node.expense_claim(bus).status == "claimed"


async def test_the_visits_page_loads_open_visits_and_only_the_latest_ended(
    http_node: LiveNode,
) -> None:
    s = await care_setup(http_node)
    app = http_node.node.coop_node
    user, worker = UUID(s["user"]), UUID(s["worker"])
    ended = []
    for day in range(1, 26):
        when = dt.datetime(2026, 1, day, 9, tzinfo=dt.UTC)
        visit = app.schedule_visit(user, when, s["types"][:1])
        app.deliver_visit(visit, worker, when, day)
        ended.append(visit)
    # Ended out of the order they were scheduled in: the latest to end is first.
    february = dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC)
    waiting = [app.schedule_visit(user, february, s["types"])]
    late = app.schedule_visit(user, dt.datetime(2025, 12, 1, 9), s["types"])
    app.miss_visit(late, "no_access")
    waiting.append(app.schedule_visit(user, dt.datetime(2026, 1, 30, 9), s["types"]))
    status, page = await call(http_node, "GET", "/staff/visits", token=s["coordinator"])
    assert status == 200
    rows = page.split('id="recent-visits"')[1].split("</table>")[0]
    shown = [UUID(part.split('"')[0]) for part in rows.split('data-id="')[1:]]
    assert shown == [late, *ended[::-1]][:20]
    cards = [UUID(part.split('"')[0]) for part in page.split('data-id="')[1:]]
    # The waiting visits come first, soonest first (with or without a zone).
    assert cards[:2] == waiting[::-1]
