"""The member's own pages (claims, time bank, visits, details, tokens) and the
API operations behind them: every write posts, redirects (303) and shows what
was done; a mistake is shown beside its field with the form as typed, in plain
words and never with an id; each operation admits only the roles it says; and
a correction of contact details never leaves the node."""

import datetime as dt
from pathlib import Path
from uuid import UUID

import aiohttp
import msgspec

from node.application import CoopNode
from node.membership import Member
from node.replicator import ChainHead, build_envelopes
from node.rules import profile_named
from node.timebank import time_account_id
from schemas import GENESIS_HASH
from tests.node_api import (
    admitted_member,
    call,
    issue_token,
    open_account,
    schedule,
    staff_token,
)
from tests.page_text import UUID_TEXT, visible_text
from tests.web import LiveNode, browser_session, csrf_of
from toolkit.config import StoreConfig


async def post(
    browser: aiohttp.ClientSession, path: str, form: dict[str, str], page: str
) -> tuple[int, str, str]:
    """Post a page's form with its CSRF token: (status, Location, body)."""
    data = {**form, "csrf": csrf_of(page)}
    async with browser.post(path, data=data, allow_redirects=False) as response:
        return (
            response.status,
            response.headers.get("Location", ""),
            await response.text(),
        )


async def get(browser: aiohttp.ClientSession, path: str) -> str:
    async with browser.get(path) as response:
        assert response.status == 200, path
        return await response.text()


def test_a_backdated_entry_sorts_by_its_date_with_balances_in_that_order(
    tmp_path: Path,
) -> None:
    app = CoopNode("alpha", StoreConfig(path=str(tmp_path / "store.db")).env())
    try:
        day = dt.date(2026, 3, 10)
        app.found_coop("Alpha", profile_named("uk_multi_stakeholder"), day)
        rosa, omar = (
            app.apply_for_membership(
                name=name, email="x@example.org", member_class="volunteer"
            )
            for name in ("Rosa", "Omar")
        )
        for member in (rosa, omar):
            app.admit_member(member, day)
            app.open_time_account(member, opened_on=day)
        pool = app.open_pool_account(opened_on=day)
        mine, theirs = time_account_id(rosa), time_account_id(omar)
        app.transfer_time(mine, theirs, 30, "gift", "", day)
        app.transfer_time(pool, mine, 120, "volunteering", "", day)
        # Recorded last, but dated a week before the others.
        week_before = day - dt.timedelta(days=7)
        app.transfer_time(mine, theirs, 45, "respite", "", week_before)
        lines = app.statement(mine)
        assert [
            (line.entered_on.day, line.minutes, line.balance) for line in lines
        ] == [
            (3, -45, -45),
            (10, -30, -75),
            (10, 120, 45),
        ]
        assert [line.other_party for line in lines] == ["Omar", "Omar", None]
        assert lines[-1].balance == app.time_account(mine).balance
    finally:
        app.close()


async def test_the_statement_api_is_in_date_order_naming_the_other_party(
    http_node: LiveNode,
) -> None:
    app = http_node.node.coop_node
    rosa, _ = await admitted_member(http_node, "volunteer", "Rosa")
    omar, _ = await admitted_member(http_node, "volunteer", "Omar")
    for member in (rosa, omar):
        await open_account(http_node, member)
    day = dt.date(2026, 3, 10)
    mine, theirs = time_account_id(UUID(rosa)), time_account_id(UUID(omar))
    app.transfer_time(theirs, mine, 75, "gift", "", day)
    app.transfer_time(mine, theirs, 45, "respite", "", day - dt.timedelta(days=7))
    status, account = await call(
        http_node, "GET", f"/api/timebank/accounts/{rosa}", token=http_node.admin_token
    )
    assert status == 200
    items = account["statement"]["items"]
    assert [(e["entered_on"], e["balance"], e["other_party"]) for e in items] == [
        ("2026-03-03", -45, "Omar"),
        ("2026-03-10", 30, "Omar"),
    ]


def test_a_correction_that_changes_nothing_records_nothing(tmp_path: Path) -> None:
    app = CoopNode("alpha", StoreConfig(path=str(tmp_path / "store.db")).env())
    try:
        app.found_coop("Alpha", profile_named("uk_multi_stakeholder"))
        rosa = app.apply_for_membership(
            name="Rosa", email="rosa@example.org", phone="1", member_class="volunteer"
        )
        details = {"email": "rosa@example.org", "phone": "1", "address": ""}
        assert not app.correct_contact_details(rosa, **details)
        assert app.correct_contact_details(rosa, **{**details, "address": "Mill"})
        assert app.member(rosa).version == 2
    finally:
        app.close()


async def test_a_member_claims_an_expense_and_follows_it(http_node: LiveNode) -> None:
    _, token = await admitted_member(http_node, "volunteer", "Rosa Bianchi")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    async with browser_session(http_node, token) as browser:
        page = await get(browser, "/claims")
        assert 'data-api="POST /api/expenses"' in page
        assert 'data-api="GET /api/expenses"' in page
        # Not an amount: the form comes back as typed, the problem beside it.
        form = {"category": "travel", "amount": "twelve", "description": "Bus"}
        status, _, page = await post(browser, "/claims", form, page)
        assert status == 400
        assert 'aria-describedby="amount-error"' in page
        assert "Write the amount as a number, like 12.50." in page
        assert 'value="twelve"' in page and ">Bus</textarea>" in page
        assert not UUID_TEXT.search(visible_text(page))
        status, _, page = await post(
            browser, "/claims", {**form, "amount": "3.125"}, page
        )
        assert status == 400 and "to the penny" in page
        status, location, _ = await post(
            browser, "/claims", {**form, "amount": "12.50"}, page
        )
        assert (status, location) == (303, "/claims?done=claimed")
        page = await get(browser, location)
        assert "Your claim is sent" in page
        assert "£12.50" in page and 'class="status">claimed<' in page
        # The query's text is never echoed: only the fixed messages.
        page = await get(browser, "/claims?done=<b>hacked</b>")
        assert "hacked" not in page
        status, claims = await call(http_node, "GET", "/api/expenses", token=token)
        (claim,) = claims["items"]
        assert claim["amount"] == 1250
        status, _ = await call(
            http_node,
            "POST",
            f"/api/expenses/{claim['id']}/reject",
            token=coordinator,
            json={"reason": "no_receipt", "note": "Please bring the ticket"},
        )
        assert status == 200
        page = await get(browser, "/claims")
        assert "rejected" in page and "no receipt" in page
        assert "Please bring the ticket" in page
        assert not UUID_TEXT.search(visible_text(page))


async def test_a_member_gives_hours_by_name(http_node: LiveNode) -> None:
    rosa, token = await admitted_member(http_node, "volunteer", "Rosa Bianchi")
    omar, _ = await admitted_member(http_node, "volunteer", "Omar Haddad")
    await admitted_member(http_node, "volunteer", "Nina Without-Account")
    for member in (rosa, omar):
        await open_account(http_node, member)
    async with browser_session(http_node, token) as browser:
        page = await get(browser, "/timebank")
        assert 'data-api="POST /api/timebank/transfers"' in page
        assert f'<option value="{omar}">Omar Haddad</option>' in page
        assert "Nina" not in page  # no account, so no one to give to
        form = {"to_member": omar, "hours": "1", "minutes": "75", "purpose": "gift"}
        status, _, page = await post(browser, "/timebank", form, page)
        assert status == 400 and 'aria-describedby="hours-error"' in page
        assert 'value="75"' in page
        # More than her limit lets her give: refused, in words, nothing written.
        form = {**form, "hours": "11", "minutes": "0"}
        status, _, page = await post(browser, "/timebank", form, page)
        assert status == 409 and "below your limit" in page
        assert not UUID_TEXT.search(visible_text(page))
        form = {**form, "hours": "1", "minutes": "30", "note": "for Tuesday"}
        status, location, _ = await post(browser, "/timebank", form, page)
        assert (status, location) == (303, "/timebank?done=given")
        page = await get(browser, location)
        assert "The hours are given." in page
        assert '<strong id="balance">-1 h 30 min</strong>' in page
        assert "Omar Haddad" in visible_text(page)
        assert not UUID_TEXT.search(visible_text(page))
        home = await get(browser, "/")
        assert "-1 h 30 min" in home and 'href="/timebank"' in home


async def test_a_member_sees_their_own_visits_only(http_node: LiveNode) -> None:
    una, una_token = await admitted_member(http_node, "service_user", "Una Ward")
    other, _ = await admitted_member(http_node, "service_user", "Olga Other")
    wes, _ = await admitted_member(http_node, "worker", "Wes Tan")
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    ids = []
    for user, when in (
        (una, tomorrow),
        (una, tomorrow + dt.timedelta(days=1)),
        (other, tomorrow),
        (una, tomorrow - dt.timedelta(days=3)),
    ):
        types = ["personal_care", "meals_shopping"]
        ids.append(str(await schedule(http_node, user, types, at=when.isoformat())))
    status, _ = await call(
        http_node,
        "POST",
        f"/api/visits/{ids[1]}/miss",
        token=http_node.admin_token,
        json={"reason": "in_hospital"},
    )
    assert status == 200
    status, mine = await call(http_node, "GET", "/api/me/visits", token=una_token)
    assert status == 200
    assert [(v["id"], v["status"]) for v in mine] == [
        (ids[0], "scheduled"),
        (ids[1], "missed"),
    ]
    del wes
    async with browser_session(http_node, una_token) as browser:
        page = await get(browser, "/visits")
        assert 'data-api="GET /api/me/visits"' in page
        assert page.count('class="visit ') == 2
        assert "Personal care, Meals and shopping" in page
        assert "<strong>missed</strong> (in hospital)" in page
        assert not UUID_TEXT.search(visible_text(page))


async def test_a_member_corrects_contact_details_which_never_leave_the_node(
    http_node: LiveNode,
) -> None:
    rosa, token = await admitted_member(http_node, "volunteer", "Rosa Bianchi")
    coop_node = http_node.node.coop_node
    before = coop_node.recorder.max_notification_id() or 0
    async with browser_session(http_node, token) as browser:
        page = await get(browser, "/details")
        assert 'data-api="PUT /api/members/{id}/contact"' in page
        form = {"email": "not an email", "phone": "07700 900123", "address": ""}
        status, _, page = await post(browser, "/details", form, page)
        assert status == 400 and 'aria-describedby="email-error"' in page
        assert "like name@example.org" in page and 'value="07700 900123"' in page
        assert "regex" not in page and "^[" not in page
        form = {**form, "email": "rosa@example.org", "address": "2 Mill Lane"}
        status, location, _ = await post(browser, "/details", form, page)
        assert (status, location) == (303, "/details?done=corrected")
        page = await get(browser, location)
        assert "Your details are saved." in page and 'value="07700 900123"' in page
    member = coop_node.member(UUID(rosa))
    assert (member.phone, member.address) == ("07700 900123", "2 Mill Lane")
    # Only the changed fields are in the event.
    corrections = [
        e
        for e in coop_node.events.get(UUID(rosa))
        if isinstance(e, Member.ContactDetailsCorrected)
    ]
    assert [(e.email, e.phone, e.address) for e in corrections] == [
        (None, "07700 900123", "2 Mill Lane")
    ]
    assert corrections[0].by == UUID(rosa)  # who corrected is kept
    # The replicator's envelopes from everything written since hold none of it.
    policy = http_node.node.policy
    assert Member.ContactDetailsCorrected.TOPIC not in policy.topics
    assert policy.share(corrections[0]) is None
    notifications = coop_node.recorder.select_notifications(start=before + 1, limit=100)
    assert any(n.topic == Member.ContactDetailsCorrected.TOPIC for n in notifications)
    outgoing, _ = build_envelopes(
        coop_node, policy, ChainHead(0, 0, GENESIS_HASH), notifications, 0
    )
    shared = b"".join(msgspec.json.encode(o.envelope) for o in outgoing)
    assert b"07700" not in shared and b"Mill Lane" not in shared
    # The board may correct anyone's; another member may not.
    _, omar = await admitted_member(http_node, "volunteer", "Omar")
    _, board = await staff_token(http_node, "board", "Bea Ng")
    body = {"email": "rosa@example.org", "phone": "1"}
    path = f"/api/members/{rosa}/contact"
    status, _ = await call(http_node, "PUT", path, token=omar, json=body)
    assert status == 403
    status, view = await call(http_node, "PUT", path, token=board, json=body)
    assert status == 200 and view["phone"] == "1" and view["address"] == ""
    # The name too, by the board: the corrected name is the one used from now on,
    # and the correction says who made it.
    board_member = coop_node.member(UUID(rosa))
    renamed = {**body, "name": "Rosa Bianchi-Ng"}
    status, view = await call(http_node, "PUT", path, token=board, json=renamed)
    assert status == 200 and view["name"] == "Rosa Bianchi-Ng"
    last = list(coop_node.events.get(UUID(rosa)))[-1]
    assert isinstance(last, Member.ContactDetailsCorrected)
    assert last.name == "Rosa Bianchi-Ng" and last.by is not None
    assert last.by != board_member.id
    status, _ = await call(http_node, "PUT", path, token=omar, json=renamed)
    assert status == 403


async def test_leaving_needs_a_tick_then_signs_the_member_out(
    http_node: LiveNode,
) -> None:
    rosa, token = await admitted_member(http_node, "volunteer", "Rosa Bianchi")
    async with browser_session(http_node, token) as browser:
        page = await get(browser, "/details")
        assert 'data-api="POST /api/members/{id}/withdraw"' in page
        status, _, page = await post(browser, "/details/withdraw", {}, page)
        assert status == 400 and 'aria-describedby="understood-error"' in page
        assert http_node.node.coop_node.member(UUID(rosa)).status == "admitted"
        status, location, _ = await post(
            browser, "/details/withdraw", {"understood": "yes"}, page
        )
        assert (status, location) == (303, "/withdrawn")
        page = await get(browser, location)
        assert "You have left the co-op" in page
    assert http_node.node.coop_node.member(UUID(rosa)).status == "withdrawn"


async def test_a_member_revokes_a_lost_token_on_the_devices_page(
    http_node: LiveNode,
) -> None:
    rosa, token = await admitted_member(http_node, "volunteer", "Rosa Bianchi")
    lost = await issue_token(http_node, rosa)
    _, omar_token = await admitted_member(http_node, "volunteer", "Omar")
    status, omars = await call(http_node, "GET", "/api/me", token=omar_token)
    async with browser_session(http_node, token) as browser:
        page = await get(browser, "/devices")
        assert 'data-api="GET /api/members/{id}/tokens"' in page
        assert page.count('data-api="POST /api/tokens/{id}/revoke"') == 2
        assert lost["token"] not in page  # never the secret
        assert "(this device signed in with it)" in page
        assert not UUID_TEXT.search(visible_text(page))
        # Someone else's token is no one's to revoke here.
        status, omar_tokens = await call(
            http_node,
            "GET",
            f"/api/members/{omars['member']['id']}/tokens",
            token=omar_token,
        )
        status, _, _ = await post(
            browser, f"/devices/tokens/{omar_tokens[0]['id']}/revoke", {}, page
        )
        assert status == 404
        revoke = f"/devices/tokens/{lost['access']['id']}/revoke"
        status, location, _ = await post(browser, revoke, {}, page)
        assert (status, location) == (303, "/devices?revoked=1")
        page = await get(browser, location)
        assert "The token is revoked" in page
    status, _ = await call(http_node, "GET", "/api/me", token=lost["token"])
    assert status == 401
    status, _ = await call(http_node, "GET", "/api/me", token=omar_token)
    assert status == 200


async def test_each_operation_admits_the_roles_it_says(http_node: LiveNode) -> None:
    _, member = await admitted_member(http_node, "service_user", "Una Ward")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    status, document = await call(http_node, "GET", "/openapi.json")
    roles = {
        (method.upper(), path): operation.get("x-roles", [])
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("get", "put", "post", "delete")
    }
    assert sorted(roles[("GET", "/api/me/visits")]) == [
        "board",
        "coordinator",
        "member",
    ]
    assert "member" in roles[("PUT", "/api/members/{id}/contact")]
    for token, expected in (
        (http_node.admin_token, 403),
        (member, 200),
        (coordinator, 200),
    ):
        status, _ = await call(http_node, "GET", "/api/me/visits", token=token)
        assert status == expected
    # The admin token is no member: the member's pages are not for it.
    for path in ("/claims", "/timebank", "/visits", "/details"):
        status, _ = await call(http_node, "GET", path, token=http_node.admin_token)
        assert status == 403, path
        status, _ = await call(http_node, "GET", path, token=member)
        assert status == 200, path
    async with (
        aiohttp.ClientSession() as visitor,
        visitor.get(http_node.url + "/claims", allow_redirects=False) as response,
    ):
        assert response.status == 303
        assert response.headers["Location"] == "/login"
