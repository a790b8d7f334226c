"""The general meeting over a real server: the API's role boundaries, and the
board's pages (call, attendance, room totals, postal vote, minutes) that post
and redirect, with refusals shown beside their field in plain words."""

import datetime as dt
from typing import Any

from tests.node_api import admitted_member, call, post_form, staff_token
from tests.page_text import UUID_TEXT
from tests.web import LiveNode

DAY = (dt.date.today() + dt.timedelta(days=7)).isoformat()


async def ballot(http: LiveNode, **fields: Any) -> str:
    status, body = await call(
        http,
        "POST",
        "/api/ballots",
        token=http.admin_token,
        json={"title": "Adopt the budget", **fields},
    )
    assert status == 201, body
    return str(body["id"])


async def test_the_api_by_role(http_node: LiveNode) -> None:
    rosa, rosa_token = await admitted_member(http_node, "worker", "Rosa")
    omar, _ = await admitted_member(http_node, "worker", "Omar")
    _, board = await staff_token(http_node, "board", "Bea Board")
    budget = await ballot(http_node)
    new = {
        "title": "AGM",
        "held_on": DAY,
        "starts_at": "18:30",
        "place": "Village hall",
        "agenda": [budget],
    }
    status, _ = await call(
        http_node, "POST", "/api/meetings", token=rosa_token, json=new
    )
    assert status == 403
    status, meeting = await call(
        http_node, "POST", "/api/meetings", token=board, json=new
    )
    assert status == 201, meeting
    path = f"/api/meetings/{meeting['id']}"
    attendance = {"present": [rosa], "proxies": []}
    status, _ = await call(
        http_node, "PUT", path + "/attendance", token=rosa_token, json=attendance
    )
    assert status == 403
    status, _ = await call(http_node, "GET", path + "/attendance", token=rosa_token)
    assert status == 403
    assert (
        await call(http_node, "PUT", path + "/attendance", token=board, json=attendance)
    )[0] == 200
    totals = {"ballot_id": budget, "totals": {"worker": {"for": 2}}}
    status, refused = await call(
        http_node, "POST", path + "/in-room-totals", token=board, json=totals
    )
    assert (status, refused["error"]["code"]) == (409, "in_room_totals_refused")
    totals["totals"] = {"worker": {"for": 1}}
    status, _ = await call(
        http_node, "POST", path + "/in-room-totals", token=board, json=totals
    )
    assert status == 200
    postal = f"/api/ballots/{budget}/postal-votes"
    vote = {"member_id": omar, "choice": "against"}
    assert (await call(http_node, "POST", postal, token=rosa_token, json=vote))[
        0
    ] == 403
    status, entered = await call(http_node, "POST", postal, token=board, json=vote)
    assert status == 201 and entered["receipt"] is None
    status, again = await call(http_node, "POST", postal, token=board, json=vote)
    assert (status, again["error"]["code"]) == (409, "already_voted")
    status, trail = await call(http_node, "GET", postal, token=board)
    assert [(e["member_id"], e["channel"]) for e in trail] == [(omar, "postal")]
    minutes = {"text": "Budget adopted.", "written_by": "Ann Lee"}
    assert (
        await call(http_node, "POST", path + "/minutes", token=rosa_token, json=minutes)
    )[0] == 403
    status, read = await call(
        http_node, "POST", path + "/minutes", token=board, json=minutes
    )
    assert status == 201 and read["minutes"][0]["text"] == "Budget adopted."
    status, closed = await call(
        http_node, "POST", f"/api/ballots/{budget}/close", token=http_node.admin_token
    )
    assert status == 200, closed
    (worker,) = [
        c for c in closed["result"]["classes"] if c["member_class"] == "worker"
    ]
    assert worker["votes"] == {"for": 1, "against": 1, "abstain": 0}
    status, seen = await call(http_node, "GET", path, token=rosa_token)
    assert status == 200 and (seen["present"], seen["by_proxy"]) == (1, 0)
    assert "Rosa" not in str(seen) and rosa not in str(seen)


async def test_the_pages_post_redirect_and_refuse_in_plain_words(
    http_node: LiveNode,
) -> None:
    rosa, rosa_token = await admitted_member(http_node, "worker", "Rosa")
    _, board = await staff_token(http_node, "board", "Bea Board")
    budget = await ballot(http_node)
    status, page = await post_form(
        http_node,
        "/meetings",
        board,
        {"title": "AGM", "held_on": "", "starts_at": "18:30", "place": "Hall"},
    )
    assert status == 400 and 'aria-describedby="held_on-problem"' in page
    assert 'value="AGM"' in page
    past = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    status, page = await post_form(
        http_node,
        "/meetings",
        board,
        {"title": "AGM", "held_on": past, "starts_at": "25:00", "place": "Hall"},
    )
    assert status == 400 and "cannot be in the past" in page
    assert 'aria-describedby="starts_at-problem"' in page
    status, where = await post_form(
        http_node,
        "/meetings",
        board,
        {
            "title": "AGM",
            "held_on": DAY,
            "starts_at": "18:30",
            "place": "Hall",
            "agenda": budget,
        },
    )
    assert status == 303 and where.endswith("?done=called#done")
    meeting = where.split("?")[0]
    status, page = await post_form(
        http_node,
        meeting + "/in-room",
        board,
        {"ballot_id": budget, "count-worker-for": "1"},
    )
    # Nobody is recorded present yet: refused beside the totals, in words.
    assert status == 409 and f'aria-describedby="totals-{budget}-problem"' in page
    assert "present who have not voted" in page
    assert not UUID_TEXT.search(page.split("<main")[1].split("data-api")[0])
    status, where = await post_form(
        http_node, meeting + "/attendance", board, {"present": rosa}
    )
    assert status == 303
    status, where = await post_form(
        http_node,
        meeting + "/in-room",
        board,
        {"ballot_id": budget, "count-worker-for": "1"},
    )
    assert status == 303 and where.endswith("done=in-room#done")
    status, where = await post_form(
        http_node,
        meeting + "/minutes",
        board,
        {"text": "Budget adopted.", "written_by": "Ann Lee"},
    )
    assert status == 303
    status, page = await post_form(
        http_node, meeting + "/minutes", rosa_token, {"text": "x", "written_by": "y"}
    )
    assert status == 403
