"""Hours between co-ops over HTTP: a member sends from their own account only,
within their limit, and follows the transfer in words; bad input is a 400
naming the field; the coordinators' and board's page and API, refused to
members; the member's statement says which co-op, not a name."""

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID

import aiohttp
import msgspec
import pytest

from federation.broker import NatsServer
from tests.configs import node_config
from tests.keys import coop_seed
from tests.node_api import admitted_member, call, open_account, staff_token
from tests.page_text import visible_text
from tests.web import LiveNode, browser_session, csrf_of, live_node
from toolkit.config import StoreConfig
from toolkit.signing import Signer

CODE = re.compile(r"^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")


@pytest.fixture
async def live(tmp_path: Path, nats_server: NatsServer) -> AsyncIterator[LiveNode]:
    """A node that knows its consortium's key, so reads its answers."""
    store = StoreConfig(path=str(tmp_path / "http-node.db"))
    config = msgspec.structs.replace(
        node_config("alpha", store, [nats_server.url]),
        consortium_key=Signer(coop_seed("consortium")).public_key,
    )
    async with live_node(config) as live:
        yield live


def words(page: str) -> str:
    return " ".join(html.unescape(visible_text(page)).split())


async def send(http: LiveNode, token: str, **body: Any) -> tuple[int, Any]:
    return await call(http, "POST", "/api/timebank/hours-out", token=token, json=body)


async def test_a_member_sends_hours_from_their_own_account(
    live: LiveNode,
) -> None:
    vera, token = await admitted_member(live, "volunteer", "Vera Novak")
    ann, ann_token = await admitted_member(live, "volunteer", "Ann Other")
    await open_account(live, vera, minimum=-60)
    await open_account(live, ann)
    status, reference = await call(live, "GET", "/api/timebank/reference", token=token)
    assert status == 200 and CODE.match(reference["reference"]), reference
    assert reference["account_open"] is True
    status, sent = await send(live, token, payee="beta", minutes=45)
    assert status == 201, sent
    assert (sent["state"], sent["payee"], sent["minutes"]) == ("held", "beta", 45)
    status, mine = await call(live, "GET", "/api/timebank/hours-out", token=token)
    assert status == 200
    assert [t["transfer"] for t in mine["transfers"]] == [sent["transfer"]]
    # Another member sees only their own.
    status, theirs = await call(live, "GET", "/api/timebank/hours-out", token=ann_token)
    assert (status, theirs["transfers"]) == (200, [])
    status, account = await call(
        live, "GET", f"/api/timebank/accounts/{vera}", token=token
    )
    assert account["balance"] == -45
    (line,) = account["statement"]["items"]
    assert (line["other_party"], line["other_coop"]) == (None, "beta")


async def test_sending_is_refused_clearly_and_writes_nothing(
    live: LiveNode,
) -> None:
    vera, token = await admitted_member(live, "volunteer", "Vera Novak")
    ann, _ = await admitted_member(live, "volunteer", "Ann Other")
    await open_account(live, vera, minimum=-60)
    await open_account(live, ann, minimum=-600)
    before = live.node.coop_node.recorder.max_notification_id()
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
        got, error = await send(live, token, **body)
        assert got == status, (body, error)
        if field:
            assert field in str(error), (body, error)
    assert live.node.coop_node.recorder.max_notification_id() == before
    # The admin has no account of its own; a member without one is told so.
    got, _ = await send(live, live.admin_token, payee="beta", minutes=5)
    assert got == 403
    _, no_account = await admitted_member(live, "volunteer", "Bo Account")
    got, error = await send(live, no_account, payee="beta", minutes=5)
    assert got == 409, error
    status, ref = await call(live, "GET", "/api/timebank/reference", token=no_account)
    assert status == 200 and ref["account_open"] is False
    for path in ("/api/timebank/hours-out", "/api/timebank/reference"):
        status, _ = await call(live, "GET", path, token=live.admin_token)
        assert status == 403, path


async def test_the_staff_see_hours_between_coops_and_members_do_not(
    live: LiveNode,
) -> None:
    vera, token = await admitted_member(live, "volunteer", "Vera Novak")
    await open_account(live, vera)
    status, sent = await send(live, token, payee="beta", minutes=30)
    assert status == 201
    _, coordinator = await staff_token(live, "coordinator", "Cora Ordinator")
    _, board = await staff_token(live, "board", "Bea Board")
    path = "/api/timebank/hours-between-coops"
    for who in (coordinator, board, live.admin_token):
        status, view = await call(live, "GET", path, token=who)
        assert status == 200, view
        assert view["transit_minutes"] == 30
        assert [t["transfer"] for t in view["transfers_out"]] == [sent["transfer"]]
        assert view["relay"] == {"position": 0, "error": None}
        assert view["clearing"] == [] and view["transfers_in"] == []
    status, _ = await call(live, "GET", path, token=token)
    assert status == 403
    async with (
        browser_session(live, board) as browser,
        browser.get("/staff/hours") as response,
    ):
        assert response.status == 200
        text = words(await response.text())
    assert "Hours between co-ops" in text
    assert "held: waiting for beta to answer" in text
    assert "Vera" not in text  # the staff page names co-ops, not members
    async with (
        browser_session(live, token) as browser,
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


async def test_the_member_sends_hours_from_their_page(live: LiveNode) -> None:
    vera, token = await admitted_member(live, "volunteer", "Vera Novak")
    await open_account(live, vera, minimum=-60)
    async with browser_session(live, token) as browser:
        async with browser.get("/timebank") as response:
            text = words(await response.text())
        code = live.node.coop_node.reference_of(UUID(vera))
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
    (out,) = live.node.coop_node.hours_out()
    assert (out.payee, out.minutes) == ("beta", 45)


async def test_a_node_without_its_consortiums_key_sends_no_hours(
    http_node: LiveNode,
) -> None:
    """They would stay held: no answer is ever read."""
    vera, token = await admitted_member(http_node, "volunteer", "Vera Novak")
    await open_account(http_node, vera)
    got, error = await send(http_node, token, payee="beta", minutes=30)
    assert got == 409 and "consortium_key" in str(error), error
    async with browser_session(http_node, token) as browser:
        status, _, page = await post(
            browser, {"payee": "beta", "send_hours": "1", "send_minutes": "0"}
        )
    assert status == 409
    assert "This co-op cannot send hours to other co-ops yet" in words(page)
    assert http_node.node.coop_node.hours_out() == []
