"""Workforce API for the coordinator: hire a member as a worker, record a worker
leaving, list workers (employed and left).

Each worker is one spell of employment of a member (node.workforce). Whether a
worker is from a disadvantaged group is personal: it is answered only to the
coordinator and admin, and leaves the node only as the consortium's type B count
(node.workforce's sharing rules), never with the member or the reason for leaving.
Whether a spell counts for a type B co-op is the co-op's rules', not the caller's.
"""

import datetime as dt
from typing import Annotated
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import CARE
from node.http.context import NODE, run, write
from node.http.guard import require
from node.workforce import Worker
from toolkit.web.paging import ListQuery, Page, ids_page
from toolkit.web.routes import Api, path_uuid

api = Api()
ID = {"id": UUID}
Reason = Annotated[str, msgspec.Meta(max_length=500)]


class Hire(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    member: UUID
    joined_on: dt.date | None = None  # today when left out
    disadvantaged: bool = False


class Leaving(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: Reason = ""
    left_on: dt.date | None = None  # today when left out


class WorkerView(msgspec.Struct, frozen=True):
    id: UUID
    member: UUID
    joined_on: dt.date
    disadvantaged: bool
    type_b: bool  # whether the co-op counted the spell for its type B share
    employed: bool
    left_on: dt.date | None
    reason: str  # why they left: stays in the node


def worker_view(worker: Worker) -> WorkerView:
    return WorkerView(
        worker.id,
        worker.member,
        worker.joined_on,
        worker.disadvantaged,
        worker.type_b,
        worker.is_employed,
        worker.left_on,
        worker.left_reason,
    )


def worker_page(app: CoopNode, query: ListQuery) -> Page[WorkerView]:
    ids = ids_page(app, Worker.Joined.TOPIC, query)
    return Page([worker_view(app.worker(i)) for i in ids.items], ids.next_cursor)


# The commands, shared by the API and the coordinator's pages.


def hire(app: CoopNode, body: Hire) -> WorkerView:
    worker_id = app.hire_worker(body.member, body.joined_on, body.disadvantaged)
    return worker_view(app.worker(worker_id))


def leave(app: CoopNode, worker_id: UUID, body: Leaving) -> WorkerView:
    app.worker_leaves(worker_id, body.reason, body.left_on)
    return worker_view(app.worker(worker_id))


@api.route(
    "GET",
    "/api/workers",
    summary="List workers, employed and left, in the order they were hired "
    "(coordinator, admin)",
    tag="workforce",
    query=ListQuery,
    response=Page[WorkerView],
    roles=CARE,
)
async def list_workers(request: web.Request, query: ListQuery) -> Page[WorkerView]:
    require(request, CARE, "list workers")
    return await run(request, worker_page, request.app[NODE].coop_node, query)


@api.route(
    "POST",
    "/api/workers",
    summary="Hire an admitted member as a worker (coordinator, admin)",
    tag="workforce",
    body=Hire,
    response=WorkerView,
    status=201,
    roles=CARE,
)
async def hire_worker(request: web.Request, body: Hire) -> WorkerView:
    require(request, CARE, "hire workers")
    return await write(request, hire, request.app[NODE].coop_node, body)


@api.route(
    "POST",
    "/api/workers/{id}/leave",
    summary="Record that a worker has left, with the day and why (coordinator, admin)",
    tag="workforce",
    body=Leaving,
    response=WorkerView,
    params=ID,
    roles=CARE,
)
async def worker_leaves(request: web.Request, body: Leaving) -> WorkerView:
    require(request, CARE, "record leavers")
    worker_id = path_uuid(request)
    return await write(request, leave, request.app[NODE].coop_node, worker_id, body)
