"""The care APIs (time bank, visits, care plans, expenses) over a real server,
SQLite store and broker: each role boundary, and bad input that names the field
and writes nothing."""

from typing import Any
from uuid import UUID

from tests.node_api import (
    admitted_member,
    call,
    events,
    open_account,
    schedule,
    staff_token,
)
from tests.web import LiveNode, browser_session, csrf_of


async def test_a_member_transfers_hours_and_reads_only_their_own_statement(
    http_node: LiveNode,
) -> None:
    rosa, rosa_token = await admitted_member(http_node, "volunteer", "Rosa")
    omar, omar_token = await admitted_member(http_node, "volunteer", "Omar")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal")
    await open_account(http_node, rosa)
    await open_account(http_node, omar)

    status, moved = await call(
        http_node,
        "POST",
        "/api/timebank/transfers",
        token=rosa_token,
        json={"to_member": omar, "minutes": 90, "purpose": "gift", "note": "thanks"},
    )
    assert status == 201, moved
    assert (moved["from_member"], moved["to_member"], moved["minutes"]) == (
        rosa,
        omar,
        90,
    )

    status, mine = await call(
        http_node, "GET", f"/api/timebank/accounts/{rosa}", token=rosa_token
    )
    assert status == 200 and mine["balance"] == -90
    [line] = mine["statement"]["items"]
    assert (line["minutes"], line["balance"], line["purpose"]) == (-90, -90, "gift")

    # The role boundary: a member may not read another member's statement...
    status, refused = await call(
        http_node, "GET", f"/api/timebank/accounts/{omar}", token=rosa_token
    )
    assert status == 403, refused
    assert "thanks" not in str(refused)
    # ...nor move hours out of it; the coordinator may do both.
    before = events(http_node)
    status, refused = await call(
        http_node,
        "POST",
        "/api/timebank/transfers",
        token=rosa_token,
        json={"from_member": omar, "to_member": rosa, "minutes": 30, "purpose": "gift"},
    )
    assert status == 403 and events(http_node) == before
    status, theirs = await call(
        http_node, "GET", f"/api/timebank/accounts/{omar}", token=coordinator
    )
    assert status == 200 and theirs["balance"] == 90
    status, _ = await call(
        http_node,
        "POST",
        "/api/timebank/transfers",
        token=coordinator,
        json={
            "from_member": omar,
            "to_member": rosa,
            "minutes": 30,
            "purpose": "adjustment",
        },
    )
    assert status == 201
    status, own = await call(
        http_node, "GET", f"/api/timebank/accounts/{omar}", token=omar_token
    )
    assert status == 200 and own["balance"] == 60


async def test_a_statement_is_paginated_oldest_first(http_node: LiveNode) -> None:
    rosa, rosa_token = await admitted_member(http_node, "volunteer", "Rosa")
    omar, _ = await admitted_member(http_node, "volunteer", "Omar")
    await open_account(http_node, rosa)
    await open_account(http_node, omar)
    for minutes in (10, 20, 30):
        status, _ = await call(
            http_node,
            "POST",
            "/api/timebank/transfers",
            token=rosa_token,
            json={"to_member": omar, "minutes": minutes, "purpose": "respite"},
        )
        assert status == 201
    path = f"/api/timebank/accounts/{rosa}?limit=2"
    status, first = await call(http_node, "GET", path, token=rosa_token)
    assert status == 200
    assert [e["minutes"] for e in first["statement"]["items"]] == [-10, -20]
    cursor = first["statement"]["next_cursor"]
    assert cursor is not None
    status, rest = await call(
        http_node, "GET", f"{path}&cursor={cursor}", token=rosa_token
    )
    assert [e["minutes"] for e in rest["statement"]["items"]] == [-30]
    assert rest["statement"]["next_cursor"] is None and rest["balance"] == -60


async def test_refused_transfers_name_the_problem_and_write_nothing(
    http_node: LiveNode,
) -> None:
    rosa, rosa_token = await admitted_member(http_node, "volunteer", "Rosa")
    omar, _ = await admitted_member(http_node, "volunteer", "Omar")
    stranger, stranger_token = await admitted_member(http_node, "volunteer", "Sam")
    await open_account(http_node, rosa, minimum=-60)
    await open_account(http_node, omar)
    before = events(http_node)

    async def transfer(token: str, **body: Any) -> tuple[int, Any]:
        return await call(
            http_node, "POST", "/api/timebank/transfers", token=token, json=body
        )

    # Crossing the minimum balance: a conflict with the account's state.
    status, error = await transfer(
        rosa_token, to_member=omar, minutes=61, purpose="gift"
    )
    assert (status, error["error"]["code"]) == (409, "balance_limit_exceeded"), error
    # A purpose outside the list, a non-positive amount: the field is named.
    status, error = await transfer(
        rosa_token, to_member=omar, minutes=10, purpose="bribe"
    )
    assert status == 400 and "purpose" in str(error)
    status, error = await transfer(
        rosa_token, to_member=omar, minutes=-5, purpose="gift"
    )
    assert status == 400 and "minutes" in str(error)
    status, error = await transfer(
        rosa_token, to_member=omar, minutes=1.5, purpose="gift"
    )
    assert status == 400 and error["error"]["field"] == "minutes"
    # No account open: a conflict naming the side. The admin has no account.
    status, error = await transfer(
        stranger_token, to_member=omar, minutes=5, purpose="gift"
    )
    assert (status, error["error"]["code"]) == (409, "unknown_account")
    assert error["error"]["field"] == "from_member"
    status, error = await transfer(
        http_node.admin_token, to_member=omar, minutes=5, purpose="gift"
    )
    assert status == 403 and "from_member" in error["error"]["message"]
    # A member may not open accounts.
    status, _ = await call(
        http_node,
        "POST",
        "/api/timebank/accounts",
        token=stranger_token,
        json={"member_id": stranger},
    )
    assert status == 403
    assert events(http_node) == before
    status, account = await call(
        http_node, "GET", f"/api/timebank/accounts/{rosa}", token=rosa_token
    )
    assert account["balance"] == 0 and account["statement"]["items"] == []


async def test_the_coordinator_schedules_delivers_misses_and_lists_visits(
    http_node: LiveNode,
) -> None:
    user, user_token = await admitted_member(http_node, "service_user", "Una")
    worker, _ = await admitted_member(http_node, "worker", "Wes")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal")
    service = http_node.node.coop_node.coop().profile.service_types[0]
    new = {
        "service_user": user,
        "scheduled_for": "2026-03-02T09:00:00Z",
        "service_types": [service],
        "address": "1 Mill Lane",
    }
    visits = []
    for _ in range(2):
        status, visit = await call(
            http_node, "POST", "/api/visits", token=coordinator, json=new
        )
        assert (status, visit["status"]) == (201, "scheduled"), visit
        visits.append(visit["id"])
    status, done = await call(
        http_node,
        "POST",
        f"/api/visits/{visits[0]}/deliver",
        token=coordinator,
        json={"worker": worker, "started_at": "2026-03-02T09:05:00Z", "minutes": 45},
    )
    assert status == 200 and (done["status"], done["minutes"]) == ("delivered", 45)
    status, missed = await call(
        http_node,
        "POST",
        f"/api/visits/{visits[1]}/miss",
        token=coordinator,
        json={"reason": "service_user_unwell"},
    )
    assert status == 200 and missed["status"] == "missed", missed
    status, page = await call(
        http_node, "GET", "/api/visits?limit=1", token=coordinator
    )
    assert status == 200 and [v["id"] for v in page["items"]] == visits[:1]
    assert "Mill Lane" not in str(page)
    status, rest = await call(
        http_node,
        "GET",
        f"/api/visits?cursor={page['next_cursor']}",
        token=coordinator,
    )
    assert [v["id"] for v in rest["items"]] == visits[1:]
    # A member (even the service user) neither lists nor schedules visits.
    before = events(http_node)
    assert (await call(http_node, "GET", "/api/visits", token=user_token))[0] == 403
    status, _ = await call(http_node, "POST", "/api/visits", token=user_token, json=new)
    assert status == 403 and events(http_node) == before


async def test_bad_visits_name_the_field_and_write_nothing(http_node: LiveNode) -> None:
    user, _ = await admitted_member(http_node, "service_user", "Una")
    worker, _ = await admitted_member(http_node, "worker", "Wes")
    service = http_node.node.coop_node.coop().profile.service_types[0]
    visit = await schedule(http_node, user, [service], at="2026-03-02T09:00:00Z")
    before = events(http_node)
    deliver = f"/api/visits/{visit}/deliver"
    status, error = await call(
        http_node,
        "POST",
        deliver,
        token=http_node.admin_token,
        json={"worker": worker, "started_at": "2026-03-02T09:00:00Z", "minutes": -30},
    )
    assert status == 400 and error["error"]["field"] == "minutes"
    stranger = "00000000-0000-4000-8000-000000000001"
    status, error = await call(
        http_node,
        "POST",
        deliver,
        token=http_node.admin_token,
        json={"worker": stranger, "started_at": "2026-03-02T09:00:00Z", "minutes": 30},
    )
    assert (status, error["error"]["code"]) == (409, "not_a_member")
    assert stranger in error["error"]["message"]
    status, error = await call(
        http_node,
        "POST",
        "/api/visits",
        token=http_node.admin_token,
        json={
            "service_user": stranger,
            "scheduled_for": "2026-03-02T09:00:00Z",
            "service_types": [service],
        },
    )
    assert (status, error["error"]["code"]) == (409, "not_a_member")
    status, error = await call(
        http_node,
        "POST",
        "/api/visits",
        token=http_node.admin_token,
        json={
            "service_user": user,
            "scheduled_for": "2026-03-02T09:00:00Z",
            "service_types": ["juggling"],
        },
    )
    assert status == 400 and error["error"]["field"] == "service_types"
    status, error = await call(
        http_node,
        "POST",
        f"/api/visits/{visit}/miss",
        token=http_node.admin_token,
        json={"reason": "bored"},
    )
    assert status == 400 and error["error"]["field"] == "reason"
    assert events(http_node) == before


async def test_care_plans_open_review_close_for_the_coordinator_only(
    http_node: LiveNode,
) -> None:
    user, user_token = await admitted_member(http_node, "service_user", "Una")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal")
    _, board = await staff_token(http_node, "board", "Bea")
    goal = "Walk to the market on my own"
    status, plan = await call(
        http_node,
        "POST",
        "/api/care-plans",
        token=coordinator,
        json={
            "service_user": user,
            "goals": [{"text": goal, "performance": 3, "satisfaction": 2}],
        },
    )
    assert status == 201 and plan["scores"] == [[[3, 2]]], plan
    path = f"/api/care-plans/{plan['id']}"
    status, reviewed = await call(
        http_node,
        "POST",
        f"{path}/reviews",
        token=coordinator,
        json={"scores": [{"performance": 6, "satisfaction": 7}]},
    )
    assert status == 200 and reviewed["scores"] == [[[3, 2]], [[6, 7]]]
    status, page = await call(http_node, "GET", "/api/care-plans", token=coordinator)
    assert status == 200 and page["items"][0]["goals"] == [goal]

    # Goal text is never answered to anyone but the coordinator and admin.
    for token in (user_token, board):
        status, refused = await call(http_node, "GET", "/api/care-plans", token=token)
        assert status == 403 and goal not in str(refused)

    before = events(http_node)
    # Wrong number of scores, a bad score, a bad reason: named, nothing written.
    status, error = await call(
        http_node,
        "POST",
        f"{path}/reviews",
        token=coordinator,
        json={"scores": [{"performance": 6, "satisfaction": 7}] * 2},
    )
    assert (status, error["error"]["field"]) == (400, "scores"), error
    status, error = await call(
        http_node,
        "POST",
        f"{path}/reviews",
        token=coordinator,
        json={"scores": [{"performance": 11, "satisfaction": 7}]},
    )
    assert status == 400 and "performance" in str(error), error
    status, error = await call(
        http_node, "POST", f"{path}/close", token=coordinator, json={"reason": "meh"}
    )
    assert (status, error["error"]["field"]) == (400, "reason")
    status, _ = await call(
        http_node,
        "POST",
        f"{path}/close",
        token=user_token,
        json={"reason": "goals_met"},
    )
    assert status == 403
    assert events(http_node) == before

    status, closed = await call(
        http_node,
        "POST",
        f"{path}/close",
        token=coordinator,
        json={"reason": "goals_met", "closed_on": "2026-06-01"},
    )
    assert (status, closed["closed_on"]) == (200, "2026-06-01")
    before = events(http_node)
    status, error = await call(
        http_node,
        "POST",
        f"{path}/reviews",
        token=coordinator,
        json={"scores": [{"performance": 6, "satisfaction": 7}]},
    )
    assert (status, error["error"]["code"]) == (409, "plan_closed")
    assert events(http_node) == before


async def test_a_volunteer_claims_expenses_and_the_coordinator_decides(
    http_node: LiveNode,
) -> None:
    ada, ada_token = await admitted_member(http_node, "volunteer", "Ada")
    _, ben_token = await admitted_member(http_node, "volunteer", "Ben")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal")

    async def claim(token: str, **body: Any) -> tuple[int, Any]:
        return await call(http_node, "POST", "/api/expenses", token=token, json=body)

    status, bus = await claim(ada_token, category="travel", amount=480)
    assert (status, bus["claimant"], bus["status"]) == (201, ada, "claimed"), bus
    status, lunch = await claim(ada_token, category="meals", amount=650.0)
    assert status == 201 and lunch["amount"] == 650
    status, other = await claim(ben_token, category="uniform", amount=2000)
    assert status == 201

    # Each member lists their own claims; the coordinator everyone's.
    status, mine = await call(http_node, "GET", "/api/expenses", token=ada_token)
    assert status == 200
    assert [c["id"] for c in mine["items"]] == [bus["id"], lunch["id"]]
    status, everyone = await call(http_node, "GET", "/api/expenses", token=coordinator)
    assert [c["id"] for c in everyone["items"]] == [bus["id"], lunch["id"], other["id"]]

    before = events(http_node)
    # A member decides nothing, not even their own claim; a claim must be approved
    # before it is paid; the admin has no claims of its own.
    for action in ("approve", "pay"):
        status, _ = await call(
            http_node, "POST", f"/api/expenses/{bus['id']}/{action}", token=ada_token
        )
        assert status == 403
    status, error = await call(
        http_node, "POST", f"/api/expenses/{bus['id']}/pay", token=coordinator
    )
    assert (status, error["error"]["code"]) == (409, "expense_not_approved")
    status, _ = await claim(http_node.admin_token, category="travel", amount=100)
    assert status == 403
    status, error = await claim(ada_token, category="travel", amount=0)
    assert (status, error["error"]["field"]) == (400, "amount")
    status, error = await call(
        http_node,
        "POST",
        f"/api/expenses/{lunch['id']}/reject",
        token=coordinator,
        json={"reason": "too_tasty"},
    )
    assert (status, error["error"]["field"]) == (400, "reason")
    assert events(http_node) == before

    status, approved = await call(
        http_node, "POST", f"/api/expenses/{bus['id']}/approve", token=coordinator
    )
    assert (status, approved["status"]) == (200, "approved")
    status, paid = await call(
        http_node, "POST", f"/api/expenses/{bus['id']}/pay", token=http_node.admin_token
    )
    assert (status, paid["status"]) == (200, "paid")
    status, rejected = await call(
        http_node,
        "POST",
        f"/api/expenses/{lunch['id']}/reject",
        token=coordinator,
        json={"reason": "no_receipt"},
    )
    assert (status, rejected["status"]) == (200, "rejected")


async def test_the_home_page_shows_my_balance_and_statement_only(
    http_node: LiveNode,
) -> None:
    rosa, rosa_token = await admitted_member(http_node, "volunteer", "Rosa")
    omar, omar_token = await admitted_member(http_node, "volunteer", "Omar")
    status, page = await call(http_node, "GET", "/", token=rosa_token)
    assert status == 200 and "no time-bank account yet" in page
    await open_account(http_node, rosa)
    await open_account(http_node, omar)
    status, _ = await call(
        http_node,
        "POST",
        "/api/timebank/transfers",
        token=omar_token,
        json={
            "to_member": rosa,
            "minutes": 95,
            "purpose": "gift",
            "note": "for Tuesday",
        },
    )
    assert status == 201
    status, page = await call(http_node, "GET", "/", token=rosa_token)
    assert status == 200
    assert '<strong id="timebank-balance">1 h 35 min</strong>' in page
    assert "for Tuesday" in page
    status, page = await call(http_node, "GET", "/", token=omar_token)
    assert '<strong id="timebank-balance">-1 h 35 min</strong>' in page


async def test_a_coordinator_cannot_approve_or_pay_their_own_claim(
    http_node: LiveNode,
) -> None:
    """The attack: a coordinator claims £100,000 and approves and pays it
    themselves. Separation of duties refuses it, through the API and the staff
    page alike; another coordinator may decide it."""
    cal, cal_token = await staff_token(http_node, "coordinator", "Cal")
    _, dee_token = await staff_token(http_node, "coordinator", "Dee")
    status, claim = await call(
        http_node,
        "POST",
        "/api/expenses",
        token=cal_token,
        json={"category": "travel", "amount": 10_000_000},
    )
    assert (status, claim["claimant"]) == (201, cal), claim
    path = f"/api/expenses/{claim['id']}"

    before = events(http_node)
    for action in ("approve", "reject"):
        body = {"reason": "duplicate"} if action == "reject" else {}
        status, error = await call(
            http_node, "POST", f"{path}/{action}", token=cal_token, json=body
        )
        assert (status, error["error"]["code"]) == (403, "own_claim"), error
    assert events(http_node) == before
    async with browser_session(http_node, cal_token) as browser:
        async with browser.get("/staff/expenses") as response:
            csrf = csrf_of(await response.text())
        async with browser.post(
            f"/staff/expenses/{claim['id']}/approve",
            data={"csrf": csrf},
            allow_redirects=False,
        ) as response:
            assert response.status == 403
            assert "Nobody may approve or pay their own claim." in await response.text()
    # Signing in wrote its session; the claim itself is untouched.
    stored = http_node.node.coop_node.expense_claim(UUID(claim["id"]))
    assert stored.status == "claimed"

    status, approved = await call(
        http_node, "POST", f"{path}/approve", token=dee_token, json={}
    )
    assert (status, approved["status"]) == (200, "approved")
    status, error = await call(
        http_node, "POST", f"{path}/pay", token=cal_token, json={}
    )
    assert (status, error["error"]["code"]) == (403, "own_claim")
    status, paid = await call(
        http_node, "POST", f"{path}/pay", token=dee_token, json={}
    )
    assert (status, paid["status"]) == (200, "paid")
