"""The workforce over the node's HTTP API, with a real SQLite store and broker:
hiring and leaving, the refusals that write nothing, only the coordinator and
admin allowed; and the consortium's workforce figures following what the API
recorded, with nothing personal (member, name, reason for leaving) on the stream."""

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from federation.broker import NatsServer
from federation.service import ConsortiumService
from node.http.workforce import WorkerView
from tests.configs import node_config
from tests.keys import KeyBook
from tests.node_api import admitted_member, call, events, staff_token
from tests.streams import stream_envelopes, stream_messages
from tests.truth import reported, workforce_truth
from tests.waiting import wait_until_caught_up
from tests.web import LiveNode, live_node
from toolkit.config import StoreConfig

TODAY = dt.date.today()
NOBODY = "00000000-0000-4000-8000-000000000001"


async def hire(
    http: LiveNode, token: str, member: str, **fields: Any
) -> tuple[int, Any]:
    return await call(
        http, "POST", "/api/workers", token=token, json={"member": member, **fields}
    )


async def test_hire_and_leave_and_what_is_refused(http_node: LiveNode) -> None:
    wes, _ = await admitted_member(http_node, "worker", "Wes Tan")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    started = TODAY - dt.timedelta(days=40)
    status, hired = await hire(
        http_node, coordinator, wes, joined_on=str(started), disadvantaged=True
    )
    assert status == 201, hired
    worker = msgspec.convert(hired, WorkerView)
    assert (worker.member, worker.joined_on, worker.employed) == (
        msgspec.convert(wes, type(worker.member)),
        started,
        True,
    )
    assert worker.disadvantaged and not worker.type_b  # a UK co-op: no type B
    path = f"/api/workers/{worker.id}/leave"

    before = events(http_node)
    refusals: list[tuple[str, str, dict[str, Any], int, str | None]] = [
        ("POST", "/api/workers", {"member": wes}, 409, None),  # already employed
        ("POST", "/api/workers", {"member": NOBODY}, 409, None),  # no such member
        ("POST", "/api/workers", {"member": wes, "type_b": True}, 400, "type_b"),
        ("POST", path, {"left_on": str(started - dt.timedelta(days=1))}, 409, None),
        ("POST", path, {"reason": "x" * 501}, 400, "reason"),
        ("POST", f"/api/workers/{NOBODY}/leave", {}, 404, None),
    ]
    for method, where, body, expected, field in refusals:
        status, refused = await call(
            http_node, method, where, token=coordinator, json=body
        )
        assert status == expected, (where, body, refused)
        assert refused["error"]["field"] == field, refused
    _, applicant = await call(
        http_node,
        "POST",
        "/api/members",
        token=http_node.admin_token,
        json={"name": "Ann Lee", "email": "ann@example.org", "member_class": "worker"},
    )
    status, _ = await hire(http_node, coordinator, applicant["id"])
    assert status == 409  # not admitted
    assert events(http_node) == before + 1  # the application only

    status, left = await call(
        http_node,
        "POST",
        path,
        token=coordinator,
        json={"reason": "moved away", "left_on": str(TODAY)},
    )
    assert status == 200, left
    assert (left["employed"], left["left_on"], left["reason"]) == (
        False,
        str(TODAY),
        "moved away",
    )
    before = events(http_node)
    status, twice = await call(http_node, "POST", path, token=coordinator, json={})
    assert status == 409 and "already left" in twice["error"]["message"]
    assert events(http_node) == before
    # Left, they may be hired again: a second spell.
    status, again = await hire(http_node, http_node.admin_token, wes)
    assert status == 201 and again["id"] != left["id"]
    status, listed = await call(
        http_node, "GET", "/api/workers?limit=1", token=coordinator
    )
    assert status == 200 and [w["id"] for w in listed["items"]] == [left["id"]]
    status, rest = await call(
        http_node,
        "GET",
        f"/api/workers?cursor={listed['next_cursor']}",
        token=coordinator,
    )
    assert [w["id"] for w in rest["items"]] == [again["id"]]


async def test_only_the_coordinator_and_admin_reach_the_workforce(
    http_node: LiveNode,
) -> None:
    wes, wes_token = await admitted_member(http_node, "worker", "Wes Tan")
    _, board = await staff_token(http_node, "board", "Bea Ng")
    status, hired = await hire(http_node, http_node.admin_token, wes)
    assert status == 201
    before = events(http_node)
    for token in (wes_token, board):
        for method, path, body in (
            ("GET", "/api/workers", None),
            ("POST", "/api/workers", {"member": wes}),
            ("POST", f"/api/workers/{hired['id']}/leave", {}),
        ):
            status, refused = await call(
                http_node, method, path, token=token, json=body
            )
            assert (status, refused["error"]["code"]) == (403, "forbidden"), path
    assert events(http_node) == before
    status, document = await call(http_node, "GET", "/openapi.json")
    paths = document["paths"]
    for path, method in (
        ("/api/workers", "get"),
        ("/api/workers", "post"),
        ("/api/workers/{id}/leave", "post"),
    ):
        assert sorted(paths[path][method]["x-roles"]) == ["admin", "coordinator"]


async def test_the_report_follows_and_nothing_personal_leaves(
    tmp_path: Path,
    nats_server: NatsServer,
    make_consortium: Callable[..., ConsortiumService],
    key_book: KeyBook,
) -> None:
    consortium = make_consortium([nats_server.url])
    store = StoreConfig(path=str(tmp_path / "alpha.db"))
    config = node_config("alpha", store, [nats_server.url], share=["care"])
    key_book.add_coop("alpha", config.name)
    async with live_node(config) as http:
        people = [
            await admitted_member(http, "worker", name)
            for name in ("Wes Tan", "Ida Moro", "Lou Park")
        ]
        admin = http.admin_token
        spells = []
        for n, ((member, _), disadvantaged) in enumerate(
            zip(people, (True, False, True), strict=True)
        ):
            joined = TODAY - dt.timedelta(days=90 - n)
            status, hired = await hire(
                http,
                admin,
                member,
                joined_on=str(joined),
                disadvantaged=disadvantaged,
            )
            assert status == 201, hired
            spells.append(hired["id"])
        reason = "moved to Leeds for family"
        status, _ = await call(
            http,
            "POST",
            f"/api/workers/{spells[0]}/leave",
            token=admin,
            json={"reason": reason, "left_on": str(TODAY - dt.timedelta(days=5))},
        )
        assert status == 200
        app = http.node.coop_node
        await wait_until_caught_up([http.node], consortium)
        figures = reported(consortium.report(TODAY).workforce, "alpha")
        assert figures == workforce_truth(app, TODAY)
        assert (figures["headcount"], figures["joiners_12m"]) == (2, 3)
        assert (figures["leavers_12m"], figures["disadvantaged"]) == (1, 1)

        worker_payloads = [
            msgspec.json.decode(e.payload)
            for e in await stream_envelopes(nats_server.url)
            if e.schema.startswith("worker.")
        ]
        assert len(worker_payloads) == 4
        assert {frozenset(p) for p in worker_payloads} == {
            frozenset({"disadvantaged", "type_b", "joined_on"}),
            frozenset({"disadvantaged", "type_b", "left_on"}),
        }
        messages = await stream_messages(nats_server.url)
        everything = b"".join(data for _, data in messages)
        personal = [reason, *(m.name for m in app.members())]
        personal += [str(m.id) for m in app.members()] + spells
        for value in personal:
            assert value.encode() not in everything, value
