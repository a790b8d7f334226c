"""Elections through the API and the pages: the board calls an election,
members stand with statements (or are nominated and accept), the board
withdraws one and opens voting, a ranked ballot paper is checked beside its
field, the admin closes the ballot, and members read the elected, the stages of
the count and the board with its terms."""

import datetime as dt
import re
from typing import Any

import aiohttp

from tests.node_api import admitted_member, call, post_form, staff_token
from tests.page_text import UUID_TEXT, visible_text
from tests.web import LiveNode, bearer

TODAY = dt.date.today()


async def redirect_of(http: LiveNode, path: str, token: str) -> tuple[int, str]:
    """A GET that answers a redirect's Location instead of following it."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            http.url + path, headers=bearer(token), allow_redirects=False
        ) as response,
    ):
        return response.status, response.headers.get("Location", "")


async def election(
    http: LiveNode, token: str, title: str = "Board election", seat: str = "worker"
) -> dict[str, Any]:
    status, body = await call(
        http,
        "POST",
        "/api/elections",
        token=token,
        json={
            "title": title,
            "opens_on": TODAY.isoformat(),
            "closes_on": TODAY.isoformat(),
            "constituencies": [seat],
        },
    )
    assert status == 201, body
    return body


async def test_an_election_from_nominations_to_the_board(http_node: LiveNode) -> None:
    _, board = await staff_token(http_node, "board", "Bo Ard")
    ann, ann_token = await admitted_member(http_node, "worker", "Ann Ode")
    bea, bea_token = await admitted_member(http_node, "worker", "Bea Lutz")
    cai, cai_token = await admitted_member(http_node, "worker", "Cai Moss")
    dev, dev_token = await admitted_member(http_node, "worker", "Dev Roy")
    _, sue_token = await admitted_member(http_node, "supporter", "Sue Park")

    status, refused = await call(
        http_node,
        "POST",
        "/api/elections",
        token=ann_token,
        json={"title": "Mine", "opens_on": "2026-01-01", "closes_on": "2026-01-02"},
    )
    assert status == 403, refused
    e = await election(http_node, board)
    page = f"/elections/{e['id']}"

    # Ann stands from the page; a blank statement is refused beside its field.
    status, html = await post_form(
        http_node, f"{page}/nominate", ann_token, [("own", "1"), ("statement", "")]
    )
    assert status == 400 and 'id="statement-problem"' in html
    status, where = await post_form(
        http_node,
        f"{page}/nominate",
        ann_token,
        [("own", "1"), ("statement", "Ann will fix the rota.")],
    )
    assert (status, where) == (303, f"{page}?done=standing")
    # Bea nominates Cai, who accepts with a statement; Dev stands by the API.
    status, where = await post_form(
        http_node, f"{page}/nominate", bea_token, [("candidate", cai)]
    )
    assert status == 303, where
    status, where = await post_form(
        http_node,
        f"{page}/accept",
        cai_token,
        [("accept_statement", "Cai cares about training.")],
    )
    assert (status, where) == (303, f"{page}?done=accepted")
    status, body = await call(
        http_node,
        "POST",
        f"/api/elections/{e['id']}/nominations",
        token=dev_token,
        json={"statement": "Dev for pay."},
    )
    assert status == 201, body
    status, body = await call(
        http_node,
        "POST",
        f"/api/elections/{e['id']}/nominations",
        token=sue_token,
        json={"statement": "Sue would like to."},
    )
    assert status == 409 and body["error"]["code"] == "invalid_nomination", body
    # Bea stands too; the board withdraws her nomination with a reason.
    await call(
        http_node,
        "POST",
        f"/api/elections/{e['id']}/nominations",
        token=bea_token,
        json={"statement": "Bea."},
    )
    status, where = await post_form(
        http_node, f"{page}/withdraw", board, [("member", bea), ("reason", "")]
    )
    assert status == 400 and f'id="reason-{bea}-problem"' in where
    status, where = await post_form(
        http_node,
        f"{page}/withdraw",
        board,
        [("member", bea), ("reason", "Bea is employed as a manager")],
    )
    assert status == 303, where
    status, view = await call(
        http_node, "GET", f"/api/elections/{e['id']}", token=dev_token
    )
    assert [(c["name"], c["status"], c["reason"]) for c in view["candidates"]] == [
        ("Ann Ode", "standing", None),
        ("Cai Moss", "standing", None),
        ("Dev Roy", "standing", None),
        ("Bea Lutz", "withdrawn", None),  # the reason is the board's
    ]
    status, html = await call(http_node, "GET", page, token=dev_token)
    assert "Cai cares about training." in html and "<details" in html

    status, where = await post_form(http_node, f"{page}/voting", board, [])
    assert (status, where) == (303, f"{page}?done=voting")
    status, view = await call(
        http_node, "GET", f"/api/elections/{e['id']}", token=board
    )
    ballot = view["ballot_id"]
    assert view["status"] == "voting" and ballot

    # From the ballot's own page (linked from the member's home) to its paper.
    status, html = await call(http_node, "GET", f"/ballots/{ballot}", token=dev_token)
    assert f'href="/elections/ballot/{ballot}"' in html
    status, where = await redirect_of(
        http_node, f"/elections/ballot/{ballot}", dev_token
    )
    assert (status, where) == (303, page)

    # The ballot paper: the same number twice, then a number skipped, are
    # refused beside the paper with the ranks kept.
    twice = [(f"rank-{ann}", "1"), (f"rank-{cai}", "1")]
    status, html = await post_form(http_node, f"{page}/vote", dev_token, twice)
    assert status == 400 and "same number" in visible_text(html)
    assert 'aria-describedby="paper-problem"' in html
    assert re.search(rf'name="rank-{cai}".*?value="1" selected', html, re.S)
    gap = [(f"rank-{ann}", "1"), (f"rank-{cai}", "3")]
    status, html = await post_form(http_node, f"{page}/vote", dev_token, gap)
    assert status == 400 and "without skipping" in visible_text(html)
    assert not UUID_TEXT.search(visible_text(html))
    for token, ranks in (
        (dev_token, [(f"rank-{dev}", "1"), (f"rank-{ann}", "2")]),
        (ann_token, [(f"rank-{ann}", "1")]),
        (cai_token, [(f"rank-{cai}", "1"), (f"rank-{ann}", "2")]),
        (bea_token, [(f"rank-{ann}", "2"), (f"rank-{cai}", "1")]),
    ):
        status, html = await post_form(http_node, f"{page}/vote", token, ranks)
        assert status == 200 and 'id="receipt-secret"' in html, html
    receipt = re.search(r'id="receipt-secret">([^<]+)<', html)
    assert receipt is not None
    status, html = await post_form(
        http_node,
        f"/ballots/{ballot}/receipt",
        bea_token,
        [("check_receipt", receipt[1])],
    )
    assert status == 200, html

    status, where = await post_form(
        http_node, f"/staff/ballots/{ballot}/close", http_node.admin_token, []
    )
    assert status == 303, where
    status, results = await call(
        http_node, "GET", f"/api/elections/{e['id']}/results", token=sue_token
    )
    assert status == 200 and results["status"] == "closed", results
    (count,) = results["counts"]
    assert {n["name"] for n in count["elected"]} == {"Ann Ode", "Cai Moss", "Dev Roy"}
    assert count["stages"] and count["stages"][0]["action"] == "first"
    ends = TODAY.replace(year=TODAY.year + 3) - dt.timedelta(days=1)
    assert {(s["name"], s["ends_on"]) for s in results["elected"]} == {
        (n, ends.isoformat()) for n in ("Ann Ode", "Cai Moss", "Dev Roy")
    }
    status, html = await call(http_node, "GET", page, token=sue_token)
    text = visible_text(html)
    assert (
        "Stages of the count for the Worker seats" in text
        and "First preferences" in text
    )
    status, seats = await call(http_node, "GET", "/api/board", token=sue_token)
    assert sorted(s["name"] for s in seats) == ["Ann Ode", "Cai Moss", "Dev Roy"]
    status, html = await call(http_node, "GET", "/board", token=sue_token)
    text = visible_text(html)
    assert "Cai Moss" in text and not UUID_TEXT.search(text)


async def test_election_operations_publish_the_roles_they_enforce(
    http_node: LiveNode,
) -> None:
    status, document = await call(http_node, "GET", "/openapi.json")
    paths = document["paths"]
    assert paths["/api/elections"]["post"]["x-roles"] == ["admin", "board"]
    assert paths["/api/elections/{id}/voting"]["post"]["x-roles"] == ["admin", "board"]
    assert sorted(paths["/api/elections/{id}/nominations"]["post"]["x-roles"]) == [
        "board",
        "coordinator",
        "member",
    ]
    _, member = await admitted_member(http_node, "worker", "Ann Ode")
    _, board = await staff_token(http_node, "board", "Bo Ard")
    e = await election(http_node, board)
    for path in (f"/api/elections/{e['id']}/voting",):
        status, body = await call(http_node, "POST", path, token=member)
        assert status == 403, body
    status, body = await call(
        http_node,
        "POST",
        f"/api/elections/{e['id']}/nominations",
        token=http_node.admin_token,
        json={"statement": "x"},
    )
    assert status == 403, body


async def test_one_seat_is_a_radio_group_and_a_small_count_keeps_its_secret(
    http_node: LiveNode,
) -> None:
    _, board = await staff_token(http_node, "board", "Bo Ard")
    _, vic_token = await admitted_member(http_node, "volunteer", "Vic Hale")
    val, val_token = await admitted_member(http_node, "volunteer", "Val Kim")
    e = await election(http_node, board, "Volunteers' seat", "volunteer")
    page = f"/elections/{e['id']}"
    for token in (vic_token, val_token):
        status, body = await call(
            http_node,
            "POST",
            f"/api{page}/nominations",
            token=token,
            json={"statement": "Volunteering for years."},
        )
        assert status == 201, body
    status, view = await call(http_node, "POST", f"/api{page}/voting", token=board)
    assert status == 200 and view["status"] == "voting", view

    status, html = await call(http_node, "GET", page, token=vic_token)
    assert html.count('type="radio" name="choice"') == 2 and "<select" not in html
    status, html = await post_form(http_node, f"{page}/vote", vic_token, [])
    assert status == 400 and "Choose one candidate." in visible_text(html)
    status, html = await post_form(
        http_node, f"{page}/vote", vic_token, [("choice", val)]
    )
    assert status == 200 and 'id="receipt-secret"' in html
    status, closed = await call(
        http_node,
        "POST",
        f"/api/ballots/{view['ballot_id']}/close",
        token=http_node.admin_token,
        json={},
    )
    assert status == 200, closed

    status, results = await call(
        http_node, "GET", f"/api{page}/results", token=vic_token
    )
    (count,) = results["counts"]
    # One voter: the stages would show how they voted; the winner is still named.
    assert count["method"] == "plurality" and count["stages"] is None
    # The ballot's own record hides those rounds too.
    status, ballot = await call(
        http_node, "GET", f"/api/ballots/{view['ballot_id']}", token=vic_token
    )
    assert status == 200
    assert [c["rounds"] for c in ballot["result"]["counts"].values()] == [None]
    assert [n["name"] for n in count["elected"]] == ["Val Kim"]
    status, html = await call(http_node, "GET", page, token=vic_token)
    assert "too few voted to keep their votes secret" in html
    assert "table" not in html.split('id="results"')[1].split("</section>")[0]
    status, seats = await call(http_node, "GET", "/api/board", token=vic_token)
    assert [(s["name"], s["member_class"]) for s in seats] == [("Val Kim", "volunteer")]
