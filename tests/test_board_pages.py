"""The board's pages and APIs over a real server and store: a member's record
(change class, withdraw), the share register (purchase, redemption, transfer,
CSV and JSON) and staff access (issue, show once, revoke), with their role
boundaries, Post/Redirect/Get, refusals shown beside their field, and the attack
of a staff member raising their own access."""

import csv
import io
import re
from typing import Any
from uuid import UUID

import aiohttp

from node.auth import BOARD
from tests.node_api import admitted_member, call, events, post_form, staff_token
from tests.page_text import UUID_TEXT, error_beside
from tests.web import LiveNode, bearer


async def test_share_routes_are_the_boards_and_say_so_in_openapi(
    http_node: LiveNode,
) -> None:
    rosa, rosa_token = await admitted_member(http_node, name="Rosa Bianchi")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    before = events(http_node)
    for token in (rosa_token, coordinator):
        for method, path, body in (
            ("POST", f"/api/members/{rosa}/shares/purchases", {"amount": 100}),
            ("POST", f"/api/members/{rosa}/shares/redemptions", {"amount": 100}),
            ("POST", "/api/shares/transfers", {"from": rosa, "to": rosa, "amount": 1}),
            ("GET", "/api/shares/register", None),
            ("GET", "/api/shares/register.csv", None),
            ("GET", "/api/tokens", None),
        ):
            status, _ = await call(http_node, method, path, token=token, json=body)
            assert status == 403, (method, path)
    assert events(http_node) == before
    _, document = await call(http_node, "GET", "/openapi.json")
    paths = document["paths"]
    for path, method in (
        ("/api/members/{id}/shares/purchases", "post"),
        ("/api/members/{id}/shares/redemptions", "post"),
        ("/api/shares/transfers", "post"),
        ("/api/shares/register", "get"),
        ("/api/shares/register.csv", "get"),
        ("/api/members/{id}/tokens", "post"),
        ("/api/tokens", "get"),
    ):
        assert set(paths[path][method]["x-roles"]) == BOARD, path


async def test_purchases_redemptions_and_transfers_over_the_api(
    http_node: LiveNode,
) -> None:
    rosa, _ = await admitted_member(http_node, name="Rosa Bianchi")
    wes, _ = await admitted_member(http_node, name="Wes Tan")
    _, board = await staff_token(http_node, "board", "Bea Ng")
    status, held = await call(
        http_node,
        "POST",
        f"/api/members/{rosa}/shares/purchases",
        token=board,
        json={"amount": 2500, "on": "2026-03-02"},
    )
    assert (status, held) == (201, {"member_id": rosa, "shares": 2500})
    status, moved = await call(
        http_node,
        "POST",
        "/api/shares/transfers",
        token=board,
        json={"from": rosa, "to": wes, "amount": 1000, "on": "2026-04-01"},
    )
    assert status == 201
    assert moved == {
        "giver": {"member_id": rosa, "shares": 1500},
        "taker": {"member_id": wes, "shares": 1000},
    }
    before = events(http_node)
    status, refused = await call(
        http_node,
        "POST",
        "/api/shares/transfers",
        token=board,
        json={"from": wes, "to": rosa, "amount": 1001},
    )
    assert (status, refused["error"]["code"]) == (409, "insufficient_shares")
    status, refused = await call(
        http_node,
        "POST",
        f"/api/members/{wes}/shares/redemptions",
        token=board,
        json={"amount": 0},
    )
    assert status == 400
    assert events(http_node) == before
    status, register = await call(http_node, "GET", "/api/shares/register", token=board)
    assert status == 200
    rows = {m["name"]: m for m in register["members"]}
    assert (rows["Rosa Bianchi"]["shares"], rows["Wes Tan"]["shares"]) == (1500, 1000)
    assert [h["kind"] for h in rows["Rosa Bianchi"]["history"]] == [
        "purchase",
        "transfer_out",
    ]


async def test_the_csv_register_names_members_by_name_and_number(
    http_node: LiveNode,
) -> None:
    rosa, _ = await admitted_member(http_node, "worker", "Rosa Bianchi")
    wes, _ = await admitted_member(http_node, "service_user", "Wes Tan")
    _, board = await staff_token(http_node, "board", "Bea Ng")
    app = http_node.node.coop_node
    app.buy_shares(UUID(rosa), 2550)
    await call(
        http_node,
        "POST",
        "/api/shares/transfers",
        token=board,
        json={"from": rosa, "to": wes, "amount": 550},
    )
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            http_node.url + "/api/shares/register.csv", headers=bearer(board)
        ) as response,
    ):
        assert response.status == 200
        assert response.content_type == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        text = await response.text()
    assert UUID_TEXT.search(text) is None
    rows = list(csv.DictReader(io.StringIO(text)))
    wanted: list[dict[str, Any]] = [
        {
            "Member number": "1",
            "Name": "Rosa Bianchi",
            "Class": "Worker",
            "Movement": "purchase",
            "Amount (GBP)": "25.50",
            "Shares held (GBP)": "20.00",
            "Other member": "",
        },
        {
            "Member number": "1",
            "Name": "Rosa Bianchi",
            "Movement": "transfer out",
            "Amount (GBP)": "5.50",
            "Holding after (GBP)": "20.00",
            "Other member number": "2",
            "Other member": "Wes Tan",
        },
        {
            "Member number": "2",
            "Name": "Wes Tan",
            "Class": "Service user",
            "Movement": "transfer in",
            "Other member": "Rosa Bianchi",
        },
        {"Member number": "3", "Name": "Bea Ng", "Movement": "", "Ceased": ""},
    ]
    assert len(rows) == len(wanted)
    for row, want in zip(rows, wanted, strict=True):
        assert {k: row[k] for k in want} == want


async def test_a_staff_member_cannot_raise_their_own_access(
    http_node: LiveNode,
) -> None:
    """The attack: a board (or coordinator) member issues themselves more access,
    or an admin token, by the API or the page. Every way is refused and nothing
    is written."""
    bea, board = await staff_token(http_node, "board", "Bea Ng")
    cal, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    rosa, _ = await admitted_member(http_node, name="Rosa Bianchi")
    before = events(http_node)
    for who, token, role in (
        (bea, board, "board"),
        (bea, board, "coordinator"),
        (cal, coordinator, "board"),
        (cal, coordinator, "coordinator"),
    ):
        status, body = await call(
            http_node,
            "POST",
            f"/api/members/{who}/tokens",
            token=token,
            json={"role": role},
        )
        assert (status, body["error"]["code"]) == (403, "forbidden"), role
    status, _ = await call(
        http_node,
        "POST",
        f"/api/members/{rosa}/tokens",
        token=board,
        json={"role": "admin"},
    )
    assert status == 400  # no member holds the admin's role
    status, page = await post_form(
        http_node, "/staff/access", board, [("member", str(bea)), ("role", "board")]
    )
    assert status == 400
    assert error_beside(page, "member") == "No one may issue access to themselves."
    status, _ = await post_form(
        http_node,
        "/staff/access",
        coordinator,
        [("member", str(cal)), ("role", "board")],
    )
    assert status == 403
    assert events(http_node) == before
    # Nor can the board revoke a member's own sign-in token: only staff access.
    status, tokens = await call(
        http_node, "GET", f"/api/members/{rosa}/tokens", token=board
    )
    assert status == 200
    status, _ = await call(
        http_node, "POST", f"/api/tokens/{tokens[0]['id']}/revoke", token=board
    )
    assert status == 403
    assert events(http_node) == before


async def test_the_board_issues_access_shown_once_and_revokes_it(
    http_node: LiveNode,
) -> None:
    bea, board = await staff_token(http_node, "board", "Bea Ng")
    rosa, _ = await admitted_member(http_node, name="Rosa Bianchi")
    status, location = await post_form(
        http_node,
        "/staff/access",
        board,
        [("member", str(rosa)), ("role", "coordinator")],
    )
    assert status == 303 and location.startswith("/staff/access/new/")
    status, page = await call(http_node, "GET", location, token=board)
    assert status == 200
    found = re.search(r'<code class="token" id="new-token">([^<]+)</code>', page)
    assert found is not None
    token = found.group(1)
    assert token not in location
    assert (await call(http_node, "GET", location, token=board))[0] == 410
    status, me = await call(http_node, "GET", "/api/me", token=token)
    assert (status, me["role"], me["member"]["id"]) == (200, "coordinator", rosa)

    status, staff = await call(http_node, "GET", "/api/tokens", token=board)
    issued = next(t for t in staff if t["member_id"] == rosa)
    assert (issued["role"], issued["issued_by"]) == ("coordinator", bea)
    status, page = await call(http_node, "GET", "/staff/access", token=board)
    assert status == 200 and "Rosa Bianchi" in page and token not in page
    status, location = await post_form(
        http_node, f"/staff/access/{issued['id']}/revoke", board, []
    )
    assert (status, location) == (303, "/staff/access?done=revoked#done")
    assert (await call(http_node, "GET", "/api/me", token=token))[0] == 401
    # A staff member who leaves is no longer listed as holding access.
    wes, _ = await staff_token(http_node, "coordinator", "Wes Tan")
    listed = {
        t["member_id"]
        for t in (await call(http_node, "GET", "/api/tokens", token=board))[1]
    }
    assert listed == {bea, wes}
    await call(http_node, "POST", f"/api/members/{wes}/withdraw", token=board)
    listed = {
        t["member_id"]
        for t in (await call(http_node, "GET", "/api/tokens", token=board))[1]
    }
    assert listed == {bea}


async def test_the_member_record_changes_class_and_withdraws(
    http_node: LiveNode,
) -> None:
    rosa, rosa_token = await admitted_member(http_node, "worker", "Rosa Bianchi")
    _, board = await staff_token(http_node, "board", "Bea Ng")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    record = f"/staff/members/{rosa}"
    assert (await call(http_node, "GET", record, token=coordinator))[0] == 403
    status, page = await call(http_node, "GET", "/staff", token=board)
    assert f'<a href="{record}">Rosa Bianchi</a>' in page

    before = events(http_node)
    status, page = await post_form(
        http_node, f"{record}/class", board, [("member_class", "worker")]
    )
    assert status == 400
    message = error_beside(page, "member_class")
    assert message == "Rosa Bianchi is already in that class."
    status, page = await post_form(
        http_node,
        f"{record}/class",
        board,
        [("member_class", "volunteer"), ("class_on", "next week")],
    )
    assert status == 400
    assert "Write the date as a date" in error_beside(page, "class_on")
    assert 'value="next week"' in page
    assert events(http_node) == before

    status, location = await post_form(
        http_node, f"{record}/class", board, [("member_class", "service_user")]
    )
    assert (status, location) == (303, f"{record}?done=class#done")
    status, page = await call(http_node, "GET", location, token=board)
    assert 'id="done"' in page and "class is changed." in page
    assert '<dd id="member-class">Service user</dd>' in page

    http_node.node.coop_node.buy_shares(UUID(rosa), 1200)
    status, page = await post_form(
        http_node, f"{record}/withdraw", board, [("withdrawn_on", "2026-12-31")]
    )
    assert status == 400
    assert error_beside(page, "confirm") == "Tick the box to confirm the withdrawal."
    assert 'value="2026-12-31"' in page
    status, location = await post_form(
        http_node,
        f"{record}/withdraw",
        board,
        [("withdrawn_on", "2026-12-31"), ("confirm", "yes")],
    )
    assert (status, location) == (303, f"{record}?done=withdrawn#done")
    member = http_node.node.coop_node.member(UUID(rosa))
    assert (member.status, str(member.withdrawn_on), member.shares) == (
        "withdrawn",
        "2026-12-31",
        0,
    )
    assert (await call(http_node, "GET", "/api/me", token=rosa_token))[0] == 401


async def test_the_share_register_page_records_purchases_redemptions_transfers(
    http_node: LiveNode,
) -> None:
    rosa, _ = await admitted_member(http_node, name="Rosa Bianchi")
    wes, _ = await admitted_member(http_node, name="Wes Tan")
    _, board = await staff_token(http_node, "board", "Bea Ng")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    assert (await call(http_node, "GET", "/staff/shares", token=coordinator))[0] == 403
    app = http_node.node.coop_node

    status, location = await post_form(
        http_node,
        "/staff/shares/purchases",
        board,
        [("purchase-member", str(rosa)), ("purchase-amount", "25.50")],
    )
    assert (status, location) == (303, "/staff/shares?done=purchase#done")
    assert app.member(UUID(rosa)).shares == 2550

    before = events(http_node)
    for amount in ("lots", "0", "1.234", "-3"):
        status, page = await post_form(
            http_node,
            "/staff/shares/redemptions",
            board,
            [("redemption-member", str(rosa)), ("redemption-amount", amount)],
        )
        assert status == 400, amount
        assert "above zero" in error_beside(page, "redemption-amount")
    status, page = await post_form(
        http_node,
        "/staff/shares/redemptions",
        board,
        [("redemption-member", str(rosa)), ("redemption-amount", "30")],
    )
    assert status == 409
    message = error_beside(page, "redemption-amount")
    assert message == "Rosa Bianchi holds only £25.50."
    assert 'value="30"' in page  # the form keeps what was typed
    status, page = await post_form(
        http_node,
        "/staff/shares/transfers",
        board,
        [
            ("transfer-from", str(rosa)),
            ("transfer-to", str(rosa)),
            ("transfer-amount", "1"),
        ],
    )
    assert status == 400
    assert error_beside(page, "transfer-to") == "Choose a member other than the holder."
    assert UUID_TEXT.search(message) is None
    assert events(http_node) == before

    status, location = await post_form(
        http_node,
        "/staff/shares/transfers",
        board,
        [
            ("transfer-from", str(rosa)),
            ("transfer-to", str(wes)),
            ("transfer-amount", "5.50"),
            ("transfer-on", "2026-04-01"),
        ],
    )
    assert (status, location) == (303, "/staff/shares?done=transfer#done")
    status, location = await post_form(
        http_node,
        "/staff/shares/redemptions",
        board,
        [("redemption-member", str(wes)), ("redemption-amount", "2")],
    )
    assert status == 303
    assert (app.member(UUID(rosa)).shares, app.member(UUID(wes)).shares) == (2000, 350)
    status, page = await call(http_node, "GET", "/staff/shares", token=board)
    assert status == 200
    assert "Share capital: £23.50" in page
    assert "Transfer to Wes Tan" in page and "Transfer from Rosa Bianchi" in page
    assert 'href="/api/shares/register.csv"' in page


async def test_a_name_like_a_formula_is_exported_as_text(http_node: LiveNode) -> None:
    """CSV injection: a spreadsheet would run a cell beginning with "="."""
    await admitted_member(http_node, name='=HYPERLINK("http://evil.example","x")')
    _, board = await staff_token(http_node, "board", "Bea Ng")
    status, text = await call(http_node, "GET", "/api/shares/register.csv", token=board)
    assert status == 200
    names = [row["Name"] for row in csv.DictReader(io.StringIO(text))]
    assert names == ['\'=HYPERLINK("http://evil.example","x")', "Bea Ng"]


async def test_an_unknown_member_record_is_not_found_in_plain_words(
    http_node: LiveNode,
) -> None:
    _, board = await staff_token(http_node, "board", "Bea Ng")
    nobody = "00000000-0000-4000-8000-000000000001"
    for method, path in (
        ("GET", f"/staff/members/{nobody}"),
        ("POST", f"/staff/members/{nobody}/class"),
        ("GET", "/staff/members/not-an-id"),
    ):
        if method == "GET":
            status, page = await call(http_node, method, path, token=board)
        else:
            status, page = await post_form(
                http_node, path, board, [("member_class", "volunteer")]
            )
        assert status == 404, path
        assert nobody not in page.replace(path, "")


async def test_every_data_api_of_the_board_pages_names_a_board_operation(
    http_node: LiveNode,
) -> None:
    """What a page says it does (data-api) is an operation of /openapi.json the
    board may call, and every new board operation has its page element."""
    rosa, _ = await admitted_member(http_node, name="Rosa Bianchi")
    _, board = await staff_token(http_node, "board", "Bea Ng")
    _, document = await call(http_node, "GET", "/openapi.json")
    allowed = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "board" in operation.get("x-roles", [])
    }
    shown: set[str] = set()
    for path in (f"/staff/members/{rosa}", "/staff/shares", "/staff/access"):
        status, page = await call(http_node, "GET", path, token=board)
        assert status == 200, path
        shown |= set(re.findall(r'data-api="([^"]+)"', page))
    assert shown <= allowed, shown - allowed
    assert shown >= {
        "GET /api/members/{id}",
        "GET /api/members/{id}/tokens",
        "POST /api/members/{id}/class",
        "POST /api/members/{id}/withdraw",
        "POST /api/members/{id}/shares/purchases",
        "POST /api/members/{id}/shares/redemptions",
        "POST /api/shares/transfers",
        "GET /api/shares/register",
        "GET /api/shares/register.csv",
        "POST /api/members/{id}/tokens",
        "GET /api/tokens",
        "POST /api/tokens/{id}/revoke",
    }


async def test_the_board_corrects_a_members_contact_details(
    http_node: LiveNode,
) -> None:
    rosa, _ = await admitted_member(http_node, name="Rosa Bianchi")
    record = f"/staff/members/{rosa}"
    before = events(http_node)
    status, page = await post_form(
        http_node,
        f"{record}/contact",
        http_node.admin_token,
        [("email", "not an address"), ("phone", "07700 900123")],
    )
    assert status == 400
    assert error_beside(page, "email") == (
        "Write an email address, like name@example.org."
    )
    assert 'value="not an address"' in page and 'value="07700 900123"' in page
    assert events(http_node) == before
    status, location = await post_form(
        http_node,
        f"{record}/contact",
        http_node.admin_token,
        [("email", "rosa.b@example.org"), ("address", "3 Mill Lane")],
    )
    assert (status, location) == (303, f"{record}?done=contact#done")
    member = http_node.node.coop_node.member(UUID(rosa))
    assert (member.email, member.phone, member.address) == (
        "rosa.b@example.org",
        "",
        "3 Mill Lane",
    )
