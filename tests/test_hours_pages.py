"""Hours between co-ops over HTTP: a member sends from their own account only,
within their limit, and follows the transfer in words; bad input is a 400
naming the field; the coordinators' and board's page and API, refused to
members; the member's statement says which co-op, not a name."""

import html
import re
from typing import Any
from uuid import UUID

import aiohttp

from tests.node_api import admitted_member, call, open_account, staff_token
from tests.page_text import visible_text
from tests.web import LiveNode, browser_session, csrf_of

CODE = re.compile(r"^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")


def words(page: str) -> str:
    return " ".join(html.unescape(visible_text(page)).split())


async def send(http: LiveNode, token: str, **body: Any) -> tuple[int, Any]:
    return await call(http, "POST", "/api/timebank/hours-out", token=token, json=body)


async def test_a_member_sends_hours_from_their_own_account(http_node: LiveNode) -> None:
    vera, token = await admitted_member(http_node, "volunteer", "Vera Novak")
    ann, ann_token = await admitted_member(http_node, "volunteer", "Ann Other")
    await open_account(http_node, vera, minimum=-60)
    await open_account(http_node, ann)
    status, reference = await call(
        http_node, "GET", "/api/timebank/reference", token=token
    )
    assert status == 200 and CODE.match(reference["reference"]), reference
    assert reference["account_open"] is True
    status, sent = await send(http_node, token, payee="beta", minutes=45)
    assert status == 201, sent
    assert (sent["state"], sent["payee"], sent["minutes"]) == ("held", "beta", 45)
    status, mine = await call(http_node, "GET", "/api/timebank/hours-out", token=token)
    assert status == 200
    assert [t["transfer"] for t in mine["transfers"]] == [sent["transfer"]]
    # Another member sees only their own.
    status, theirs = await call(
        http_node, "GET", "/api/timebank/hours-out", token=ann_token
    )
    assert (status, theirs["transfers"]) == (200, [])
    status, account = await call(
        http_node, "GET", f"/api/timebank/accounts/{vera}", token=token
    )
    assert account["balance"] == -45
    (line,) = account["statement"]["items"]
    assert (line["other_party"], line["other_coop"]) == (None, "beta")


async def test_sending_is_refused_clearly_and_writes_nothing(
    http_node: LiveNode,
) -> None:
    vera, token = await admitted_member(http_node, "volunteer", "Vera Novak")
    ann, _ = await admitted_member(http_node, "volunteer", "Ann Other")
    await open_account(http_node, vera, minimum=-60)
    await open_account(http_node, ann, minimum=-600)
    before = http_node.node.coop_node.recorder.max_notification_id()
    bad = [
        ({"payee": "Beta!", "minutes": 30}, 400, "payee"),
        ({"payee": "alpha", "minutes": 30}, 400, "payee"),  # this co-op
        ({"payee": "beta", "minutes": 0}, 400, "minutes"),
        ({"payee": "beta", "minutes": 50 * 60 + 1}, 400, "minutes"),
        ({"payee": "beta", "minutes": 30, "reference": "abc"}, 400, "reference"),
        # Another member's hours cannot be named: there is no such field.
        ({"payee": "beta", "minutes": 30, "from_member": ann}, 400, "from_member"),
        ({"payee": "beta", "minutes": 61}, 409, None),  # below the minimum
    ]
    for body, status, field in bad:
        got, error = await send(http_node, token, **body)
        assert got == status, (body, error)
        if field:
            assert field in str(error), (body, error)
    assert http_node.node.coop_node.recorder.max_notification_id() == before
    # The admin has no account of its own; a member without one is told so.
    got, _ = await send(http_node, http_node.admin_token, payee="beta", minutes=5)
    assert got == 403
    _, no_account = await admitted_member(http_node, "volunteer", "Bo Account")
    got, error = await send(http_node, no_account, payee="beta", minutes=5)
    assert got == 409, error
    status, ref = await call(
        http_node, "GET", "/api/timebank/reference", token=no_account
    )
    assert status == 200 and ref["account_open"] is False
    for path in ("/api/timebank/hours-out", "/api/timebank/reference"):
        status, _ = await call(http_node, "GET", path, token=http_node.admin_token)
        assert status == 403, path


async def test_the_staff_see_hours_between_coops_and_members_do_not(
    http_node: LiveNode,
) -> None:
    vera, token = await admitted_member(http_node, "volunteer", "Vera Novak")
    await open_account(http_node, vera)
    status, sent = await send(http_node, token, payee="beta", minutes=30)
    assert status == 201
    _, coordinator = await staff_token(http_node, "coordinator", "Cora Ordinator")
    _, board = await staff_token(http_node, "board", "Bea Board")
    path = "/api/timebank/hours-between-coops"
    for who in (coordinator, board, http_node.admin_token):
        status, view = await call(http_node, "GET", path, token=who)
        assert status == 200, view
        assert view["transit_minutes"] == 30
        assert [t["transfer"] for t in view["transfers_out"]] == [sent["transfer"]]
        assert view["relay"] == {"position": 0, "error": None}
        assert view["clearing"] == [] and view["transfers_in"] == []
    status, _ = await call(http_node, "GET", path, token=token)
    assert status == 403
    async with (
        browser_session(http_node, board) as browser,
        browser.get("/staff/hours") as response,
    ):
        assert response.status == 200
        text = words(await response.text())
    assert "Hours between co-ops" in text
    assert "held: waiting for beta to answer" in text
    assert "Vera" not in text  # the staff page names co-ops, not members
    async with (
        browser_session(http_node, token) as browser,
        browser.get("/staff/hours") as response,
    ):
        assert response.status == 403


async def post(
    browser: aiohttp.ClientSession, form: dict[str, str]
) -> tuple[int, str, str]:
    async with browser.get("/timebank") as response:
        page = await response.text()
    data = {**form, "csrf": csrf_of(page)}
    async with browser.post(
        "/timebank/hours-out", data=data, allow_redirects=False
    ) as response:
        return (
            response.status,
            response.headers.get("Location", ""),
            await response.text(),
        )


async def test_the_member_sends_hours_from_their_page(http_node: LiveNode) -> None:
    vera, token = await admitted_member(http_node, "volunteer", "Vera Novak")
    await open_account(http_node, vera, minimum=-60)
    async with browser_session(http_node, token) as browser:
        async with browser.get("/timebank") as response:
            text = words(await response.text())
        code = http_node.node.coop_node.reference_of(UUID(vera))
        assert f"Your reference: {code}" in text
        status, _, page = await post(
            browser, {"payee": "Beta!", "send_hours": "1", "send_minutes": ""}
        )
        assert status == 400
        assert "Write the other co-op's id" in words(page)
        status, _, page = await post(
            browser, {"payee": "beta", "send_hours": "2", "send_minutes": "0"}
        )
        assert status == 409
        assert "You do not have that many hours to send" in words(page)
        status, _, page = await post(
            browser,
            {"payee": "beta", "send_hours": "0", "send_minutes": "5", "reference": "x"},
        )
        assert status == 400
        assert "Write the reference as the other co-op gave it" in words(page)
        status, where, _ = await post(
            browser,
            {"payee": "Beta", "send_hours": "0", "send_minutes": "45"},
        )
        assert (status, where) == (303, "/timebank?done=sent#hours-out")
        async with browser.get("/timebank?done=sent") as response:
            text = words(await response.text())
    assert "The hours are held for the other co-op" in text
    assert "held: waiting for beta to answer" in text
    assert "another co-op: beta" in text
    (out,) = http_node.node.coop_node.hours_out()
    assert (out.payee, out.minutes) == ("beta", 45)
