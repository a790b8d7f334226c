"""The incidents API over a real server, SQLite store and broker: raised on
``/api/concerns`` (by anyone, tests/test_safeguarding.py), listed, read and
closed by the coordinator and admin; the free text answered only on the single
read; unknown ids, bad input and refused roles write nothing."""

from typing import Any
from uuid import UUID

from tests.node_api import admitted_member, call, events, schedule, staff_token
from tests.web import LiveNode

NOBODY = "00000000-0000-4000-8000-000000000001"
SECRET = "Una fell on the stairs; bruised wrist"


async def a_visit(http: LiveNode) -> str:
    user, _ = await admitted_member(http, "service_user", "Una")
    service = http.node.coop_node.coop().profile.service_types[0]
    return str(await schedule(http, user, [service]))


async def raise_one(http: LiveNode, token: str, **body: Any) -> tuple[int, Any]:
    return await call(http, "POST", "/api/concerns", token=token, json=body)


async def test_the_coordinator_raises_lists_reads_and_closes_incidents(
    http_node: LiveNode,
) -> None:
    visit = await a_visit(http_node)
    _, coordinator = await staff_token(http_node, "coordinator", "Cal")
    status, fall = await raise_one(
        http_node,
        coordinator,
        kind="incident",
        description=SECRET,
        visit=visit,
        raised_on="2026-03-02",
    )
    assert status == 201, fall
    assert (fall["kind"], fall["status"]) == ("incident", "open")
    assert fall["raised_on"] == "2026-03-02" and SECRET not in str(fall)
    status, concern = await raise_one(
        http_node,
        http_node.admin_token,
        kind="safeguarding",
        description="Neighbour reports shouting at night",
    )
    assert status == 201

    # Lists page oldest first and never carry the free text.
    status, page = await call(
        http_node, "GET", "/api/incidents?limit=1", token=coordinator
    )
    assert status == 200 and [i["id"] for i in page["items"]] == [fall["id"]]
    status, rest = await call(
        http_node,
        "GET",
        f"/api/incidents?cursor={page['next_cursor']}",
        token=coordinator,
    )
    assert [i["id"] for i in rest["items"]] == [concern["id"]]
    assert rest["next_cursor"] is None
    assert "stairs" not in str(page) + str(rest) and "shouting" not in str(rest)

    # The single read has it, for the coordinator.
    status, record = await call(
        http_node, "GET", f"/api/incidents/{fall['id']}", token=coordinator
    )
    assert status == 200
    assert (record["description"], record["outcome"]) == (SECRET, "")
    assert record["incident"]["id"] == fall["id"]
    assert record["incident"]["visit"] == visit

    status, closed = await call(
        http_node,
        "POST",
        f"/api/incidents/{fall['id']}/close",
        token=coordinator,
        json={"outcome": "GP saw her; no fracture", "closed_on": "2026-03-05"},
    )
    assert status == 200, closed
    assert (closed["status"], closed["closed_on"]) == ("closed", "2026-03-05")
    assert "fracture" not in str(closed)
    status, record = await call(
        http_node, "GET", f"/api/incidents/{fall['id']}", token=http_node.admin_token
    )
    assert record["outcome"] == "GP saw her; no fracture"
    assert record["incident"]["status"] == "closed"
    incident = http_node.node.coop_node.incident(UUID(fall["id"]))
    assert incident.closed_on is not None and incident.outcome.startswith("GP")

    before = events(http_node)
    status, error = await call(
        http_node, "POST", f"/api/incidents/{fall['id']}/close", token=coordinator
    )
    assert (status, error["error"]["code"]) == (409, "concern_closed")
    assert events(http_node) == before


async def test_members_and_the_board_reach_no_incident(http_node: LiveNode) -> None:
    _, member = await admitted_member(http_node, "service_user", "Una")
    _, board = await staff_token(http_node, "board", "Bea")
    status, fall = await raise_one(
        http_node, http_node.admin_token, kind="incident", description=SECRET
    )
    assert status == 201
    before = events(http_node)
    for token in (member, board):
        for method, path, body in (
            ("GET", "/api/incidents", None),
            ("GET", f"/api/incidents/{fall['id']}", None),
            ("POST", f"/api/incidents/{fall['id']}/acknowledge", {}),
            ("POST", f"/api/incidents/{fall['id']}/refer", {"to": "police"}),
            ("POST", f"/api/incidents/{fall['id']}/close", {"outcome": "done"}),
        ):
            status, refused = await call(
                http_node, method, path, token=token, json=body
            )
            assert (status, refused["error"]["code"]) == (403, "forbidden"), path
            assert "stairs" not in str(refused)
    status, _ = await call(http_node, "GET", "/api/incidents")
    assert status == 401
    assert events(http_node) == before
    assert http_node.node.coop_node.incident(UUID(fall["id"])).closed_on is None


async def test_unknown_incidents_and_bad_input_name_the_problem_and_write_nothing(
    http_node: LiveNode,
) -> None:
    admin = http_node.admin_token
    before = events(http_node)
    status, error = await call(
        http_node, "GET", f"/api/incidents/{NOBODY}", token=admin
    )
    assert (status, error["error"]["code"]) == (404, "unknown_incident")
    status, error = await call(
        http_node, "POST", f"/api/incidents/{NOBODY}/close", token=admin
    )
    assert (status, error["error"]["code"]) == (404, "unknown_incident")
    status, error = await call(http_node, "GET", "/api/incidents/nope", token=admin)
    assert (status, error["error"]["field"]) == (400, "id")
    for body, field in (
        ({"kind": "fire", "description": "smoke"}, "kind"),
        ({"kind": "incident", "description": ""}, "description"),
        ({"kind": "incident"}, "description"),
        ({"kind": "incident", "description": "x", "visit": "v1"}, "visit"),
        ({"kind": "incident", "description": "x", "raised_on": "soon"}, "raised_on"),
        ({"kind": "incident", "description": "x", "colour": "red"}, "colour"),
    ):
        status, error = await raise_one(http_node, admin, **body)
        assert (status, error["error"]["field"]) == (400, field), body
    # A visit that does not exist, named in the body: a conflict naming the field.
    status, error = await raise_one(
        http_node, admin, kind="incident", description="x", visit=NOBODY
    )
    assert (status, error["error"]["code"], error["error"]["field"]) == (
        409,
        "unknown_visit",
        "visit",
    )
    assert events(http_node) == before
    assert list(http_node.node.coop_node.incidents()) == []


async def test_incident_routes_are_in_the_openapi_document(
    http_node: LiveNode,
) -> None:
    status, document = await call(http_node, "GET", "/openapi.json")
    assert status == 200
    paths = document["paths"]
    assert set(paths["/api/incidents"]) == {"get"}
    assert set(paths["/api/concerns"]) == {"get", "post"}
    assert "404" in paths["/api/incidents/{id}"]["get"]["responses"]
    listed = document["components"]["schemas"]["IncidentView"]["properties"]
    assert "description" not in listed and "kind" in listed
