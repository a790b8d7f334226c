"""The co-op's pool account over a real server, SQLite store and broker: opened,
read and moved in and out of by the coordinator and admin only; limits, missing
accounts and bad input refused with nothing written."""

from uuid import UUID

from tests.node_api import admitted_member, call, events, open_account, staff_token
from tests.web import LiveNode

POOL = "/api/timebank/pool"


async def test_the_coordinator_pays_a_volunteer_from_the_pool_and_takes_hours_back(
    http_node: LiveNode,
) -> None:
    rosa, rosa_token = await admitted_member(http_node, "volunteer", "Rosa")
    await open_account(http_node, rosa)
    _, coordinator = await staff_token(http_node, "coordinator", "Cal")

    status, error = await call(http_node, "GET", POOL, token=coordinator)
    assert (status, error["error"]["code"]) == (404, "unknown_account")
    assert "pool" in error["error"]["message"]
    status, error = await call(
        http_node,
        "POST",
        f"{POOL}/transfers",
        token=coordinator,
        json={"member": rosa, "minutes": 60},
    )
    assert (status, error["error"]["code"]) == (409, "unknown_account")

    status, pool = await call(
        http_node,
        "POST",
        POOL,
        token=coordinator,
        json={"minimum": -600, "maximum": 600, "opened_on": "2026-03-01"},
    )
    assert status == 201, pool
    assert (pool["balance"], pool["minimum"], pool["maximum"]) == (0, -600, 600)
    assert pool["statement"] == {"items": [], "next_cursor": None}
    status, error = await call(http_node, "POST", POOL, token=http_node.admin_token)
    assert (status, error["error"]["code"]) == (409, "invalid_transition")

    status, paid = await call(
        http_node,
        "POST",
        f"{POOL}/transfers",
        token=coordinator,
        json={"member": rosa, "minutes": 120, "note": "Saturday garden"},
    )
    assert status == 201, paid
    assert (paid["direction"], paid["purpose"], paid["minutes"]) == (
        "from_pool",
        "volunteering",
        120,
    )
    assert paid["pool_balance"] == -120
    status, back = await call(
        http_node,
        "POST",
        f"{POOL}/transfers",
        token=http_node.admin_token,
        json={"member": rosa, "minutes": 30, "direction": "to_pool", "purpose": "gift"},
    )
    assert status == 201 and back["pool_balance"] == -90

    # Both sides of the double entry moved: the volunteer's own statement agrees.
    status, mine = await call(
        http_node, "GET", f"/api/timebank/accounts/{rosa}", token=rosa_token
    )
    assert status == 200 and mine["balance"] == 90
    assert [e["minutes"] for e in mine["statement"]["items"]] == [120, -30]
    assert all(
        e["counterparty"] == pool["account_id"] for e in mine["statement"]["items"]
    )

    status, first = await call(http_node, "GET", f"{POOL}?limit=1", token=coordinator)
    assert status == 200 and first["balance"] == -90
    [entry] = first["statement"]["items"]
    assert (entry["minutes"], entry["note"], entry["balance"]) == (
        -120,
        "Saturday garden",
        -120,
    )
    cursor = first["statement"]["next_cursor"]
    status, rest = await call(
        http_node, "GET", f"{POOL}?limit=1&cursor={cursor}", token=coordinator
    )
    assert [e["minutes"] for e in rest["statement"]["items"]] == [30]
    assert rest["statement"]["next_cursor"] is None
    account = http_node.node.coop_node.time_account(UUID(pool["account_id"]))
    assert (account.kind, account.balance) == ("pool", -90)


async def test_members_and_the_board_cannot_touch_the_pool(http_node: LiveNode) -> None:
    rosa, rosa_token = await admitted_member(http_node, "volunteer", "Rosa")
    await open_account(http_node, rosa)
    _, board = await staff_token(http_node, "board", "Bea")
    before = events(http_node)
    for token in (rosa_token, board):
        for method, path, body in (
            ("POST", POOL, {}),
            ("GET", POOL, None),
            ("POST", f"{POOL}/transfers", {"member": rosa, "minutes": 60}),
        ):
            status, refused = await call(
                http_node, method, path, token=token, json=body
            )
            assert (status, refused["error"]["code"]) == (403, "forbidden"), path
    assert events(http_node) == before


async def test_limits_missing_accounts_and_bad_input_write_nothing(
    http_node: LiveNode,
) -> None:
    rosa, _ = await admitted_member(http_node, "volunteer", "Rosa")
    omar, _ = await admitted_member(http_node, "volunteer", "Omar")
    await open_account(http_node, rosa)
    admin = http_node.admin_token
    for body, field in (
        ({"minimum": 60}, "minimum"),
        ({"maximum": -1}, "maximum"),
        ({"minimum": -60.5}, "minimum"),
        ({"owner": rosa}, "owner"),
    ):
        status, error = await call(http_node, "POST", POOL, token=admin, json=body)
        assert (status, error["error"]["field"]) == (400, field), body
    status, _ = await call(
        http_node, "POST", POOL, token=admin, json={"minimum": -60, "maximum": 60}
    )
    assert status == 201
    before = events(http_node)
    transfers = f"{POOL}/transfers"
    for body, field in (
        ({"member": rosa, "minutes": 0}, "minutes"),
        ({"member": rosa, "minutes": 1.5}, "minutes"),
        ({"member": rosa, "minutes": 10, "direction": "sideways"}, "direction"),
        ({"member": rosa, "minutes": 10, "purpose": "bribe"}, "purpose"),
        ({"member": "rosa", "minutes": 10}, "member"),
        ({"minutes": 10}, "member"),
    ):
        status, error = await call(http_node, "POST", transfers, token=admin, json=body)
        assert (status, error["error"]["field"]) == (400, field), body
    status, error = await call(
        http_node, "POST", transfers, token=admin, json={"member": omar, "minutes": 10}
    )
    assert (status, error["error"]["code"], error["error"]["field"]) == (
        409,
        "unknown_account",
        "member",
    )
    # The pool may go 1h below zero: 61 minutes would cross its minimum.
    status, error = await call(
        http_node, "POST", transfers, token=admin, json={"member": rosa, "minutes": 61}
    )
    assert (status, error["error"]["code"]) == (409, "balance_limit_exceeded")
    assert events(http_node) == before
    status, pool = await call(http_node, "GET", POOL, token=admin)
    assert pool["balance"] == 0 and pool["statement"]["items"] == []
