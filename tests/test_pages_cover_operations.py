"""Every operation in /openapi.json that a role may perform is reachable from that
role's pages, and no page offers a role an operation it may not perform.

Pages name the operation each form performs, and each section the operation
whose answer it shows, with ``data-api="METHOD /api/path"``. The test signs in
as each role the way a browser does, follows every link from the home page, and
compares what it found with the operations whose ``x-roles`` name the role.
"""

from html.parser import HTMLParser
from typing import Any
from uuid import UUID

import aiohttp

from node.http.guard import COOKIE
from tests.node_api import admitted_member, call, open_account, schedule, staff_token
from tests.web import LiveNode, browser_session

# Pages a crawl must not open: they end the session, spend a one-time secret
# or are not pages.
NOT_CRAWLED = ("/logout", "/signin/", "/api/", "/static/", "/staff/letters/")


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: set[str] = set()
        self.operations: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if operation := found.get("data-api"):
            self.operations.add(operation)
        href = found.get("href")
        if tag == "a" and href and href.startswith("/"):
            self.hrefs.add(href.split("#")[0].split("?")[0])


async def reachable_operations(session: aiohttp.ClientSession) -> set[str]:
    seen: set[str] = set()
    queue = ["/"]
    operations: set[str] = set()
    while queue and len(seen) < 300:
        path = queue.pop()
        if path in seen or path.startswith(NOT_CRAWLED) or path.endswith(".csv"):
            continue
        seen.add(path)
        async with session.get(path) as response:
            if response.status != 200 or response.content_type != "text/html":
                continue
            links = Links()
            links.feed(await response.text())
        operations |= links.operations
        queue += sorted(links.hrefs - seen)
    return operations


def operations_for(document: dict[str, Any], role: str) -> set[str]:
    return {
        f"{method.upper()} {path}"
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
        if role in operation.get("x-roles", ())
    }


async def a_day_of_records(http: LiveNode) -> tuple[dict[str, str], list[str]]:
    """A member, staff of each role, and one of each record, so that the forms
    that act on a record are on the pages. Also answers a member who may hold
    others' proxies."""
    admin = http.admin_token
    user, _ = await admitted_member(http, "service_user", "Una Ward")
    rosa, rosa_token = await admitted_member(http, "volunteer", "Rosa Bianchi")
    bea, board = await staff_token(http, "board", "Bea Ng")
    cal, coordinator = await staff_token(http, "coordinator", "Cal Roy")
    holder, _ = await admitted_member(http, "worker", "Hal Holder")
    await call(
        http,
        "POST",
        "/api/members",
        token=admin,
        json={
            "name": "Ada Applicant",
            "email": "ada@example.org",
            "member_class": "worker",
        },
    )
    await open_account(http, rosa)
    await open_account(http, user)
    await open_account(http, bea)
    service = http.node.coop_node.coop().profile.service_types[0]
    await schedule(http, user, [service])
    app = http.node.coop_node
    app.open_care_plan(UUID(user), [("Cook a meal", 3, 4)])
    app.raise_incident("incident", "A fall")
    app.hire_worker(UUID(cal))
    for path, token, body in [
        ("/api/ballots", admin, {"title": "Open a second day centre"}),
        ("/api/ballots", admin, {"title": "Elect the auditor", "secret": True}),
        ("/api/expenses", rosa_token, {"category": "travel", "amount": 480}),
    ]:
        status, answer = await call(http, "POST", path, token=token, json=body)
        assert status == 201, (path, answer)
    tokens = {
        "member": rosa_token,
        "board": board,
        "coordinator": coordinator,
        "admin": admin,
    }
    return tokens, [holder, holder, user]


async def everyone_appoints_a_proxy(
    http: LiveNode, tokens: dict[str, str], holders: list[str]
) -> None:
    """Each member-role appoints a proxy in the first ballot (so that the form
    revoking it is on the page)."""
    _, ballots = await call(http, "GET", "/api/ballots", token=tokens["admin"])
    ballot = ballots["items"][0]["id"]
    # A member may hold two proxies at most.
    for role, holder in zip(("member", "board", "coordinator"), holders, strict=True):
        status, answer = await call(
            http,
            "POST",
            f"/api/ballots/{ballot}/proxies",
            token=tokens[role],
            json={"holder": holder},
        )
        assert status == 200, answer


async def the_claim_is_approved(http: LiveNode, coordinator: str) -> None:
    """(So that the form paying it is on the page.)"""
    _, claims = await call(http, "GET", "/api/expenses", token=coordinator)
    claim = claims["items"][0]["id"]
    path = f"/api/expenses/{claim}/approve"
    status, answer = await call(http, "POST", path, token=coordinator, json={})
    assert status == 200, answer


async def test_every_operation_of_a_role_is_on_its_pages(http_node: LiveNode) -> None:
    status, document = await call(http_node, "GET", "/openapi.json")
    assert status == 200
    # The browser's session cookie is the one the document names.
    assert document["components"]["securitySchemes"]["cookie"]["name"] == COOKIE
    tokens, holders = await a_day_of_records(http_node)
    # Some forms belong to a moment of the day (the pool is opened once, then
    # used): the pages are crawled before and after it.
    found_by_role = {role: set[str]() for role in tokens}
    for moment in ("before", "after"):
        if moment == "after":
            status, _ = await call(
                http_node, "POST", "/api/timebank/pool", token=tokens["admin"]
            )
            assert status == 201
            await everyone_appoints_a_proxy(http_node, tokens, holders)
            await the_claim_is_approved(http_node, tokens["coordinator"])
        for role, token in tokens.items():
            async with browser_session(http_node, token) as session:
                found_by_role[role] |= await reachable_operations(session)
    missing: dict[str, list[str]] = {}
    offered: dict[str, list[str]] = {}
    for role, found in found_by_role.items():
        allowed = operations_for(document, role)
        assert allowed, f"no operation names {role} in x-roles"
        if gaps := sorted(allowed - found):
            missing[role] = gaps
        if extra := sorted(found - allowed):
            offered[role] = extra
    assert missing == {}, f"operations with no page for the role: {missing}"
    assert offered == {}, f"pages offer operations the role may not perform: {offered}"
