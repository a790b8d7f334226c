"""Every operation in /openapi.json that a role may perform is reachable from that
role's pages, and no page offers a role an operation it may not perform.

Pages name the operation each form performs, and each section the operation
whose answer it shows, with ``data-api="METHOD /api/path"``. The test signs in
as each role the way a browser does, follows every link from the home page, and
compares what it found with the operations whose ``x-roles`` name the role.
"""

from typing import Any

from node.http.guard import COOKIE
from tests.a_day import (
    a_day_of_records,
    crawl,
    everyone_appoints_a_proxy,
    the_claim_is_approved,
)
from tests.node_api import call
from tests.web import LiveNode, browser_session


def operations_for(document: dict[str, Any], role: str) -> set[str]:
    return {
        f"{method.upper()} {path}"
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
        if role in operation.get("x-roles", ())
    }


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
                found_by_role[role] |= (await crawl(session)).operations
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
