"""Motions through the API and the pages, on a live node: the board drafts, adds
a paper, opens the vote; members discuss and vote; the node closes it on time;
everyone reads the result. Roles are enforced as /openapi.json says."""

import asyncio
import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any
from uuid import UUID

import aiohttp

from node.papers import papers_dir
from tests.node_api import admitted_member, call, post_form, staff_token
from tests.page_text import UUID_TEXT, visible_text
from tests.web import LiveNode, bearer

PDF = b"%PDF-1.4\n% the budget\n"


def error_beside(page: str, field_id: str) -> str:
    """The error shown beside a field (or fieldset), which points to it."""
    field = re.search(
        rf'<(?:input|select|textarea|fieldset)\b[^>]*(?:\bid="{field_id}")?[^>]*'
        rf'aria-describedby="{field_id}-problem"[^>]*>',
        page,
    )
    assert field and 'aria-invalid="true"' in field.group(0), page
    found = re.search(rf'<p class="error" id="{field_id}-problem">([^<]*)</p>', page)
    assert found, f"no error beside {field_id}"
    assert not UUID_TEXT.search(found.group(1)), found.group(1)
    return found.group(1)


async def upload(
    http: LiveNode, motion: str, token: str, content: bytes, kind: str, name: str
) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{http.url}/api/motions/{motion}/papers",
            params={"name": name},
            data=content,
            headers={**bearer(token), "Content-Type": kind},
        ) as response,
    ):
        return response.status, await response.json()


async def fetch(http: LiveNode, path: str, token: str | None) -> tuple[int, bytes]:
    headers = bearer(token) if token else {}
    async with (
        aiohttp.ClientSession() as session,
        session.get(http.url + path, headers=headers) as response,
    ):
        return response.status, await response.read()


async def test_the_cycle_through_the_api(http_node: LiveNode) -> None:
    _, board = await staff_token(http_node, "board", "Bea Board")
    member_id, member = await admitted_member(http_node, name="Mo Member")
    draft = {
        "title": "Adopt the budget",
        "kind": "ordinary",
        "proposer": member_id,
        "text": "The co-op adopts the budget in the paper.",
    }
    status, _ = await call(http_node, "POST", "/api/motions", token=member, json=draft)
    assert status == 403
    status, made = await call(
        http_node, "POST", "/api/motions", token=board, json=draft
    )
    assert status == 201, made
    motion = made["summary"]["id"]
    assert made["summary"]["threshold"] is None  # set when the vote opens

    status, _ = await upload(http_node, motion, member, PDF, "application/pdf", "B")
    assert status == 403
    status, refused = await upload(
        http_node, motion, board, b"<script>", "application/pdf", "Budget"
    )
    assert (status, refused["error"]["code"]) == (400, "paper_refused")
    status, with_paper = await upload(
        http_node, motion, board, PDF, "application/pdf", "../../Budget.pdf"
    )
    assert status == 201, with_paper
    (paper,) = with_paper["papers"]
    digest = hashlib.sha256(PDF).hexdigest()
    assert (paper["digest"], paper["name"]) == (digest, "../../Budget.pdf")
    folder = papers_dir(http_node.node.config)
    assert [p.name for p in folder.iterdir()] == [digest]
    path = f"/api/motions/{motion}/papers/{digest}"
    assert await fetch(http_node, path, member) == (200, PDF)
    assert (await fetch(http_node, path, None))[0] == 401
    assert (await fetch(http_node, f"/motions/{motion}/papers/{digest}", member)) == (
        200,
        PDF,
    )

    status, said = await call(
        http_node,
        "POST",
        f"/api/motions/{motion}/comments",
        token=member,
        json={"text": "I read the paper: good."},
    )
    assert status == 201, said
    closes_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
    vote = {"closes_at": closes_at.isoformat()}
    status, _ = await call(
        http_node, "POST", f"/api/motions/{motion}/vote", token=member, json=vote
    )
    assert status == 403
    status, opened = await call(
        http_node, "POST", f"/api/motions/{motion}/vote", token=board, json=vote
    )
    assert status == 200, opened
    assert opened["summary"]["status"] == "voting"
    edit = {**draft, "title": "Changed"}
    status, locked = await call(
        http_node, "PUT", f"/api/motions/{motion}", token=board, json=edit
    )
    assert (status, locked["error"]["code"]) == (409, "motion_locked")

    status, rude = await call(
        http_node,
        "POST",
        f"/api/motions/{motion}/comments",
        token=board,
        json={"text": "Rude remark"},
    )
    comment = rude["comments"][-1]["id"]
    hide = {"reason": "Not respectful"}
    path = f"/api/motions/{motion}/comments/{comment}/hide"
    assert (await call(http_node, "POST", path, token=member, json=hide))[0] == 403
    status, hidden = await call(http_node, "POST", path, token=board, json=hide)
    assert status == 200
    assert hidden["comments"][-1] | {} == {
        **hidden["comments"][-1],
        "hidden": True,
        "text": "Rude remark",
        "reason": "Not respectful",
    }
    _, seen = await call(http_node, "GET", f"/api/motions/{motion}", token=member)
    assert seen["comments"][-1]["text"] is None
    assert seen["comments"][-1]["reason"] is None
    assert seen["comments"][0]["text"] == "I read the paper: good."

    ballot = opened["summary"]["ballot_id"]
    for token in (board, member):
        status, _ = await call(
            http_node,
            "POST",
            f"/api/ballots/{ballot}/votes",
            token=token,
            json={"choice": "for"},
        )
        assert status == 201
    await asyncio.sleep((closes_at - dt.datetime.now(dt.UTC)).total_seconds() + 0.1)
    http_node.node.closing.wake()
    for _ in range(50):
        _, seen = await call(http_node, "GET", f"/api/motions/{motion}", token=member)
        if seen["summary"]["status"] == "counted":
            break
        await asyncio.sleep(0.1)
    assert seen["summary"] | {} == {**seen["summary"], "quorate": True, "passed": True}
    assert seen["result"]["voted"] == 2
    status, late = await call(
        http_node,
        "POST",
        f"/api/motions/{motion}/comments",
        token=member,
        json={"text": "Too late"},
    )
    assert (status, late["error"]["code"]) == (409, "discussion_closed")
    _, listed = await call(http_node, "GET", "/api/motions", token=member)
    assert [m["title"] for m in listed["items"]] == ["Adopt the budget"]


async def test_the_openapi_roles_of_motions(http_node: LiveNode) -> None:
    _, document = await call(http_node, "GET", "/openapi.json")
    roles = {
        (method.upper(), path): set(op["x-roles"])
        for path, item in document["paths"].items()
        if path.startswith("/api/motions")
        for method, op in item.items()
    }
    board = {"admin", "board"}
    everyone = {"admin", "board", "coordinator", "member"}
    assert roles == {
        ("GET", "/api/motions"): everyone,
        ("POST", "/api/motions"): board,
        ("GET", "/api/motions/{id}"): everyone,
        ("PUT", "/api/motions/{id}"): board,
        ("POST", "/api/motions/{id}/papers"): board,
        ("GET", "/api/motions/{id}/papers/{digest}"): everyone,
        ("POST", "/api/motions/{id}/vote"): board,
        ("POST", "/api/motions/{id}/comments"): {"board", "coordinator", "member"},
        ("POST", "/api/motions/{id}/comments/{comment}/hide"): board,
    }


async def test_the_pages_draft_open_discuss_and_refuse_plainly(
    http_node: LiveNode, tmp_path: Path
) -> None:
    _, board = await staff_token(http_node, "board", "Bea Board")
    member_id, member = await admitted_member(http_node, name="Mo Member")
    status, page = await post_form(
        http_node, "/motions", member, [("title", "X"), ("kind", "ordinary")]
    )
    assert status == 403
    status, page = await post_form(
        http_node, "/motions", board, [("title", ""), ("kind", "ordinary")]
    )
    assert status == 400
    assert "Give the motion a title" in error_beside(page, "title")
    status, where = await post_form(
        http_node,
        "/motions",
        board,
        [
            ("title", "Change the rules"),
            ("kind", "rules_amendment"),
            ("proposer", member_id),
            ("text", "Rule 4 is replaced."),
        ],
    )
    assert status == 303 and where.endswith("?done=drafted#done"), where
    motion = where.split("/")[2].split("?")[0]

    form = aiohttp.FormData()
    form.add_field("paper_name", "The new rules")
    form.add_field(
        "paper", b"Rule 4: ...", filename="rules.txt", content_type="text/plain"
    )
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{http_node.url}/motions/{motion}/papers",
            data=form,
            headers={**bearer(board), "Accept": "text/html"},
            allow_redirects=False,
        ) as response,
    ):
        assert response.status == 303, await response.text()

    status, page = await post_form(
        http_node,
        f"/motions/{motion}/vote",
        board,
        [("closes_day", "2020-01-01"), ("closes_time", "10:00")],
    )
    assert status == 400
    assert "later than now" in error_beside(page, "closes")
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    status, where = await post_form(
        http_node,
        f"/motions/{motion}/vote",
        board,
        [("closes_day", tomorrow.isoformat()), ("closes_time", "18:30")],
    )
    assert status == 303, where
    status, where = await post_form(
        http_node, f"/motions/{motion}/comments", member, [("comment", "Agreed.")]
    )
    assert status == 303 and where.endswith("done=commented#done")

    _, page = await call(http_node, "GET", f"/motions/{motion}", token=member)
    text = visible_text(page)
    assert not UUID_TEXT.search(text)
    assert "three quarters" in text and "Mo Member" in text
    assert "Agreed." in text and "The new rules" in text
    assert "Vote on this motion" in text
    assert 'data-api="POST /api/motions/{id}/comments"' in page
    assert 'data-api="PUT /api/motions/{id}"' not in page  # the board's only
    _, listing = await call(http_node, "GET", "/motions", token=member)
    assert "Change the rules" in visible_text(listing)


async def test_a_secret_vote_shows_no_count_that_reveals_a_choice(
    http_node: LiveNode,
) -> None:
    _, board = await staff_token(http_node, "board", "Bea Board")
    member_id, member = await admitted_member(http_node, name="Mo Member")
    draft = {"title": "Buy a van", "kind": "ordinary", "proposer": member_id}
    _, made = await call(http_node, "POST", "/api/motions", token=board, json=draft)
    motion = made["summary"]["id"]
    closes_at = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    vote = {"closes_at": closes_at.isoformat(), "secret": True}
    _, opened = await call(
        http_node, "POST", f"/api/motions/{motion}/vote", token=board, json=vote
    )
    ballot = opened["summary"]["ballot_id"]
    status, _ = await call(
        http_node,
        "POST",
        f"/api/ballots/{ballot}/votes",
        token=member,
        json={"choice": "against"},
    )
    assert status == 201
    app = http_node.node.coop_node
    assert app.close_due(closes_at) == [app.motion(UUID(motion)).id]
    _, seen = await call(http_node, "GET", f"/api/motions/{motion}", token=member)
    assert [c["votes"] for c in seen["result"]["classes"]] == [None] * 4
    _, page = await call(http_node, "GET", f"/motions/{motion}", token=member)
    assert "Not shown: so few voted" in visible_text(page)
    assert "Not carried." in visible_text(page)
