"""The node's JSON API over a real HTTP server, SQLite store and broker: the member
lifecycle, errors (status, stable code, failing field, nothing written),
pagination, the report, health, metrics and the OpenAPI document."""

from typing import Any

import pytest

from tests.node_api import APPLICANT, admitted_member, call, events
from tests.web import LiveNode


async def test_apply_admit_and_the_member_token(http_node: LiveNode) -> None:
    status, member = await call(
        http_node, "POST", "/api/members", token=http_node.admin_token, json=APPLICANT
    )
    assert status == 201
    assert (member["status"], member["member_class"]) == ("applied", "worker")
    status, admission = await call(
        http_node,
        "POST",
        f"/api/members/{member['id']}/admit",
        token=http_node.admin_token,
        json={"on": "2026-03-02"},
    )
    assert status == 200
    assert admission["member"]["status"] == "admitted"
    assert admission["member"]["admitted_on"] == "2026-03-02"
    token = admission["token"]["token"]
    # Only the hash is stored: the token's text is nowhere in the event store.
    assert (
        token.encode()
        not in http_node.node.coop_node.recorder.select_notifications(
            start=1, limit=1000
        )
        .__repr__()
        .encode()
    )
    status, me = await call(http_node, "GET", "/api/me", token=token)
    assert (status, me["role"], me["member"]["id"]) == (200, "member", member["id"])
    status, own = await call(
        http_node, "GET", f"/api/members/{member['id']}", token=token
    )
    assert (status, own["name"]) == (200, "Rosa Bianchi")


async def test_double_admission_is_a_409_conflict_that_writes_nothing(
    http_node: LiveNode,
) -> None:
    member_id, _ = await admitted_member(http_node)
    before = events(http_node)
    status, body = await call(
        http_node,
        "POST",
        f"/api/members/{member_id}/admit",
        token=http_node.admin_token,
    )
    assert status == 409
    assert body["error"]["code"] == "invalid_transition"
    assert events(http_node) == before


@pytest.mark.parametrize(
    ("method", "path", "payload", "code", "field"),
    [
        ("POST", "/api/members", {**APPLICANT, "name": ""}, "invalid_input", "name"),
        (
            "POST",
            "/api/members",
            {"name": "Ann", "member_class": "worker"},
            "invalid_input",
            "email",
        ),
        (
            "POST",
            "/api/members",
            {**APPLICANT, "member_class": "pirate"},
            "unknown_member_class",
            "member_class",
        ),
        (
            "POST",
            "/api/members",
            {**APPLICANT, "applied_on": "yesterday"},
            "invalid_input",
            "applied_on",
        ),
        ("POST", "/api/members", {**APPLICANT, "extra": 1}, "invalid_input", "extra"),
        ("POST", "/api/members", [1, 2], "invalid_input", None),
        ("GET", "/api/members?limit=0", None, "invalid_input", "limit"),
        ("GET", "/api/members?cursor=x", None, "invalid_input", "cursor"),
        ("GET", "/api/members/not-a-uuid", None, "invalid_input", "id"),
    ],
)
async def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(
    http_node: LiveNode,
    method: str,
    path: str,
    payload: Any,
    code: str,
    field: str | None,
) -> None:
    before = events(http_node)
    status, body = await call(
        http_node, method, path, token=http_node.admin_token, json=payload
    )
    assert status == 400, body
    assert body["error"]["code"] == code
    assert body["error"]["field"] == field
    assert body["error"]["message"]
    assert events(http_node) == before


async def test_malformed_json_is_a_400(http_node: LiveNode) -> None:
    before = events(http_node)
    status, body = await call(
        http_node, "POST", "/api/members", token=http_node.admin_token, data=b"{nope"
    )
    assert (status, body["error"]["code"]) == (400, "malformed_json")
    assert events(http_node) == before


async def test_unknown_member_is_404_and_unknown_route_is_json_404(
    http_node: LiveNode,
) -> None:
    path = "/api/members/00000000-0000-4000-8000-000000000000"
    status, body = await call(http_node, "GET", path, token=http_node.admin_token)
    assert (status, body["error"]["code"]) == (404, "unknown_member")
    status, body = await call(http_node, "GET", "/api/nothing", token="x")
    assert status == 401  # a bad token is refused before routing says anything
    status, body = await call(
        http_node, "GET", "/api/nothing", token=http_node.admin_token
    )
    assert (status, body["error"]["code"]) == (404, "not_found")


async def test_lists_are_paginated_by_cursor_in_application_order(
    http_node: LiveNode,
) -> None:
    for i in range(7):
        await call(
            http_node,
            "POST",
            "/api/members",
            token=http_node.admin_token,
            json={**APPLICANT, "name": f"Applicant {i}"},
        )
    names: list[str] = []
    cursor: int | None = 0
    pages = 0
    while cursor is not None:
        status, page = await call(
            http_node,
            "GET",
            f"/api/members?limit=3&cursor={cursor}",
            token=http_node.admin_token,
        )
        assert status == 200
        assert len(page["items"]) <= 3
        names += [m["name"] for m in page["items"]]
        cursor = page["next_cursor"]
        pages += 1
    assert names == [f"Applicant {i}" for i in range(7)]
    assert pages == 3


async def test_local_report_counts_members_by_class(http_node: LiveNode) -> None:
    await admitted_member(http_node, "worker")
    await admitted_member(http_node, "volunteer")
    await admitted_member(http_node, "volunteer")
    await call(
        http_node, "POST", "/api/members", token=http_node.admin_token, json=APPLICANT
    )
    status, report = await call(
        http_node, "GET", "/api/report", token=http_node.admin_token
    )
    assert status == 200
    membership = report["membership"]
    assert membership["members_by_class"]["volunteer"] == 2
    assert membership["members_by_class"]["worker"] == 1
    assert (membership["members"], membership["applicants"]) == (3, 1)


async def test_healthz_metrics_and_openapi(http_node: LiveNode) -> None:
    await admitted_member(http_node)
    status, health = await call(http_node, "GET", "/healthz")
    assert (status, health) == (200, {"status": "ok"})  # and nothing more
    status, text = await call(http_node, "GET", "/metrics")
    assert status == 200
    stored = f'commonweal_node_events_stored{{coop_id="alpha"}} {events(http_node)}.0'
    assert stored in text
    assert "commonweal_node_envelopes_published_total" in text
    assert "commonweal_node_replication_lag_events" in text
    assert (
        'commonweal_http_request_duration_seconds_count{method="POST",'
        'route="/api/members/{id}/admit",status="200"} 1.0'
    ) in text
    status, document = await call(http_node, "GET", "/openapi.json")
    assert status == 200
    for path in (
        "/api/members",
        "/api/members/{id}",
        "/api/members/{id}/admit",
        "/api/members/{id}/withdraw",
        "/api/members/{id}/class",
        "/api/report",
    ):
        assert path in document["paths"], path
    refs = _refs(document["paths"])
    assert refs <= set(document["components"]["schemas"])
    assert {"ErrorBody", "MemberView", "MembershipApplication"} <= refs


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[1]} if "$ref" in node else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()
