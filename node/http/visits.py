"""Visits API for the coordinator: schedule a visit, move it, record it delivered
or missed, cancel it, list visits.

Only the coordinator and admin reach these; a visit's address and notes are care
records and are never answered in a list.
"""

import datetime as dt
from typing import Annotated
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import CARE, MEMBERS
from node.http.context import NODE, run, write
from node.http.guard import require
from node.visits import DEFAULT_PLANNED_MINUTES, MAX_VISIT_MINUTES, Visit
from schemas.care import VisitReason
from toolkit.web.paging import ListQuery, Page, ids_page
from toolkit.web.routes import Api, path_uuid

api = Api()
ID = {"id": UUID}
# Narrowed to this co-op's service types in the node's OpenAPI document.
ServiceType = Annotated[str, msgspec.Meta(pattern=r"^[a-z_]+$", max_length=64)]
ServiceTypes = Annotated[list[ServiceType], msgspec.Meta(min_length=1, max_length=20)]
Notes = Annotated[str, msgspec.Meta(max_length=2000)]
# With a timezone, so the schema says date-time and a visit's time is unambiguous.
Moment = Annotated[dt.datetime, msgspec.Meta(tz=True)]
PlannedMinutes = Annotated[int, msgspec.Meta(ge=1, le=MAX_VISIT_MINUTES)]


class NewVisit(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    service_user: UUID
    scheduled_for: Moment
    service_types: ServiceTypes
    address: Annotated[str, msgspec.Meta(max_length=500)] = ""
    notes: Notes = ""
    worker: UUID | None = None  # who is to go: an employed worker or a volunteer
    planned_minutes: PlannedMinutes = DEFAULT_PLANNED_MINUTES


class Assignment(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    worker: UUID | None = None  # nobody: the visit waits for someone to be given it


class Move(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    scheduled_for: Moment


class Delivery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    worker: UUID
    started_at: Moment
    minutes: Annotated[int, msgspec.Meta(ge=1, le=MAX_VISIT_MINUTES)]
    service_types: ServiceTypes | None = None
    notes: Notes = ""


class Miss(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: VisitReason
    notes: Notes = ""
    missed_on: dt.date | None = None


class Cancellation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: VisitReason
    notes: Notes = ""
    cancelled_on: dt.date | None = None  # today when left out


class VisitView(msgspec.Struct, frozen=True):
    id: UUID
    service_user: UUID
    scheduled_for: dt.datetime
    service_types: list[str]
    status: str
    worker: UUID | None
    minutes: int
    reason: str | None
    assigned_to: UUID | None  # who is to go (``worker`` is who went)
    planned_minutes: int


def visit_view(visit: Visit) -> VisitView:
    return VisitView(
        visit.id,
        visit.service_user,
        visit.scheduled_for,
        list(visit.service_types),
        visit.status,
        visit.worker,
        visit.minutes,
        visit.reason,
        visit.assigned_to,
        visit.planned_minutes,
    )


def visit_page(app: CoopNode, query: ListQuery) -> Page[VisitView]:
    ids = ids_page(app, Visit.Scheduled.TOPIC, query)
    return Page([visit_view(app.visit(i)) for i in ids.items], ids.next_cursor)


def distinct(types: list[str]) -> list[str]:
    return list(dict.fromkeys(types))


# The commands, shared by the API and the staff pages (node.http.staff_pages).


def move(app: CoopNode, visit_id: UUID, body: Move) -> VisitView:
    app.reschedule_visit(visit_id, body.scheduled_for)
    return visit_view(app.visit(visit_id))


def assign(app: CoopNode, visit_id: UUID, body: Assignment) -> VisitView:
    app.assign_visit(visit_id, body.worker)
    return visit_view(app.visit(visit_id))


def deliver(app: CoopNode, visit_id: UUID, body: Delivery) -> VisitView:
    types = distinct(body.service_types) if body.service_types else None
    app.deliver_visit(
        visit_id, body.worker, body.started_at, body.minutes, types, body.notes
    )
    return visit_view(app.visit(visit_id))


def miss(app: CoopNode, visit_id: UUID, body: Miss) -> VisitView:
    app.miss_visit(visit_id, body.reason, body.notes, body.missed_on)
    return visit_view(app.visit(visit_id))


def cancel(app: CoopNode, visit_id: UUID, body: Cancellation) -> VisitView:
    app.cancel_visit(visit_id, body.reason, body.notes, body.cancelled_on)
    return visit_view(app.visit(visit_id))


@api.route(
    "GET",
    "/api/visits",
    summary="List visits, oldest scheduled first (coordinator, admin)",
    tag="visits",
    query=ListQuery,
    response=Page[VisitView],
    roles=CARE,
)
async def list_visits(request: web.Request, query: ListQuery) -> Page[VisitView]:
    require(request, CARE, "list visits")
    return await run(request, visit_page, request.app[NODE].coop_node, query)


@api.route(
    "POST",
    "/api/visits",
    summary="Schedule a visit to a member (coordinator, admin)",
    tag="visits",
    body=NewVisit,
    response=VisitView,
    status=201,
    roles=CARE,
)
async def schedule_visit(request: web.Request, body: NewVisit) -> VisitView:
    require(request, CARE, "schedule visits")
    app = request.app[NODE].coop_node

    def command() -> VisitView:
        visit_id = app.schedule_visit(
            body.service_user,
            body.scheduled_for,
            distinct(body.service_types),
            body.address,
            body.notes,
            body.worker,
            body.planned_minutes,
        )
        return visit_view(app.visit(visit_id))

    view = await write(request, command)
    return view


@api.route(
    "POST",
    "/api/visits/{id}/reschedule",
    summary="Move a scheduled visit to another day or time; the service user is "
    "told (coordinator, admin)",
    tag="visits",
    body=Move,
    response=VisitView,
    params=ID,
    roles=CARE,
)
async def reschedule_visit(request: web.Request, body: Move) -> VisitView:
    require(request, CARE, "move visits")
    visit_id = path_uuid(request)
    return await write(request, move, request.app[NODE].coop_node, visit_id, body)


@api.route(
    "POST",
    "/api/visits/{id}/assign",
    summary="Give a scheduled visit to a worker or volunteer free then, or to "
    "nobody; a clash is refused and named (coordinator, admin)",
    tag="visits",
    body=Assignment,
    response=VisitView,
    params=ID,
    roles=CARE,
)
async def assign_visit(request: web.Request, body: Assignment) -> VisitView:
    require(request, CARE, "give visits to workers")
    visit_id = path_uuid(request)
    return await write(request, assign, request.app[NODE].coop_node, visit_id, body)


@api.route(
    "POST",
    "/api/visits/{id}/deliver",
    summary="Record a visit as delivered by a worker or volunteer (coordinator, admin)",
    tag="visits",
    body=Delivery,
    response=VisitView,
    params=ID,
    roles=CARE,
)
async def deliver_visit(request: web.Request, body: Delivery) -> VisitView:
    require(request, CARE, "record visits")
    visit_id = path_uuid(request)
    return await write(request, deliver, request.app[NODE].coop_node, visit_id, body)


@api.route(
    "POST",
    "/api/visits/{id}/miss",
    summary="Record a visit as missed, with the reason (coordinator, admin)",
    tag="visits",
    body=Miss,
    response=VisitView,
    params=ID,
    roles=CARE,
)
async def miss_visit(request: web.Request, body: Miss) -> VisitView:
    require(request, CARE, "record visits")
    visit_id = path_uuid(request)
    return await write(request, miss, request.app[NODE].coop_node, visit_id, body)


@api.route(
    "POST",
    "/api/visits/{id}/cancel",
    summary="Cancel a scheduled visit, with the reason; the service user is told "
    "(coordinator, admin)",
    tag="visits",
    body=Cancellation,
    response=VisitView,
    params=ID,
    roles=CARE,
)
async def cancel_visit(request: web.Request, body: Cancellation) -> VisitView:
    require(request, CARE, "cancel visits")
    visit_id = path_uuid(request)
    return await write(request, cancel, request.app[NODE].coop_node, visit_id, body)


# The member's own visits (as the service user): what is booked for them.


class MyVisit(msgspec.Struct, frozen=True):
    id: UUID
    scheduled_for: dt.datetime
    service_types: list[str]
    status: str  # scheduled, delivered, missed or cancelled
    # Who came or is to come, by name: who delivered it, else who it is
    # assigned to; None while nobody is arranged.
    worker_name: str | None
    reason: str | None  # why a visit was missed or cancelled
    planned_minutes: int


def my_visits(app: CoopNode, member_id: UUID, today: dt.date) -> list[MyVisit]:
    """``member_id``'s visits from ``today`` on, soonest first; the cancelled and
    missed among them too, so a member sees what will not happen."""
    mine = [
        visit
        for visit in app.visits()
        if visit.service_user == member_id
        # Visits scheduled without a zone are in the machine's own.
        and visit.scheduled_for.astimezone().date() >= today
    ]
    mine.sort(key=lambda visit: visit.scheduled_for.astimezone())
    return [
        MyVisit(
            visit.id,
            visit.scheduled_for,
            list(visit.service_types),
            visit.status,
            _carer_name(app, visit),
            visit.reason,
            visit.planned_minutes,
        )
        for visit in mine
    ]


def _carer_name(app: CoopNode, visit: Visit) -> str | None:
    carer = visit.worker or (visit.assigned_to if visit.status == "scheduled" else None)
    return app.member(carer).name if carer else None


@api.route(
    "GET",
    "/api/me/visits",
    summary="The calling member's visits from today on, as the service user",
    tag="visits",
    response=list[MyVisit],
    roles=MEMBERS,
)
async def list_my_visits(request: web.Request) -> list[MyVisit]:
    who = require(request, MEMBERS, "have visits of their own")
    assert who.member_id is not None  # every role in MEMBERS is a member's
    app = request.app[NODE].coop_node
    return await run(request, my_visits, app, who.member_id, dt.date.today())
