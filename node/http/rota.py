"""The rota API for the coordinator (node.rota, node.recurring_visits): weekly
visits booked, listed, given to another worker and ended; each worker's or
volunteer's weekly hours and leave set, listed and removed.

Times of day are wall-clock times in the co-op's time zone (``[locale]
time_zone``) unless a body names another.
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
from node.http.visits import Notes, PlannedMinutes, ServiceTypes, distinct
from node.recurring_visits import MAX_WEEKS, RecurringVisits
from node.rota import CarerRota, LeaveKind, Slot
from node.visits import DEFAULT_PLANNED_MINUTES
from schemas.care import VisitReason
from toolkit.web.errors import ApiError
from toolkit.web.routes import Api, path_uuid

api = Api()
ID = {"id": UUID}
ClockTime = Annotated[str, msgspec.Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
Weekday = Annotated[int, msgspec.Meta(ge=0, le=6)]  # 0 is Monday
ZoneName = Annotated[str, msgspec.Meta(max_length=64)]  # "": the co-op's own


class NewPattern(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    service_user: UUID
    weekdays: Annotated[list[Weekday], msgspec.Meta(min_length=1, max_length=7)]
    time: ClockTime
    first_day: dt.date
    service_types: ServiceTypes
    # The last day, or a number of weeks from the first (12 if neither).
    last_day: dt.date | None = None
    weeks: Annotated[int, msgspec.Meta(ge=1, le=MAX_WEEKS)] | None = None
    worker: UUID | None = None
    planned_minutes: PlannedMinutes = DEFAULT_PLANNED_MINUTES
    address: Annotated[str, msgspec.Meta(max_length=500)] = ""
    notes: Notes = ""
    time_zone: ZoneName = ""


class PatternChange(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    from_day: dt.date
    worker: UUID | None = None  # nobody: the visits wait for someone


class PatternEnd(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    from_day: dt.date  # the first day without a visit
    reason: VisitReason = "other"


class PatternView(msgspec.Struct, frozen=True):
    id: UUID
    service_user: UUID
    weekdays: list[int]
    time: str
    time_zone: str
    planned_minutes: int
    service_types: list[str]
    worker: UUID | None
    first_day: dt.date
    last_day: dt.date
    visits: list[UUID]
    ended: bool


class SlotBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    weekday: Weekday
    starts: ClockTime
    ends: ClockTime


class Availability(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    # None: available at any time.
    slots: Annotated[list[SlotBody], msgspec.Meta(max_length=21)] = []
    time_zone: ZoneName = ""


class NewLeave(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: LeaveKind
    first_day: dt.date
    last_day: dt.date  # the last day away, included


class LeaveView(msgspec.Struct, frozen=True):
    id: UUID
    kind: str
    first_day: dt.date
    last_day: dt.date


class CarerView(msgspec.Struct, frozen=True):
    member: UUID
    slots: list[SlotBody]
    time_zone: str
    leave: list[LeaveView]


def pattern_view(pattern: RecurringVisits) -> PatternView:
    return PatternView(
        pattern.id,
        pattern.service_user,
        list(pattern.weekdays),
        pattern.time,
        pattern.time_zone,
        pattern.planned_minutes,
        list(pattern.service_types),
        pattern.worker,
        pattern.first_day,
        pattern.last_day,
        list(pattern.visits),
        pattern.ended,
    )


def carer_view(member_id: UUID, rota: CarerRota | None) -> CarerView:
    if rota is None:
        return CarerView(member_id, [], "", [])
    return CarerView(
        member_id,
        [
            SlotBody(
                s.weekday, s.starts.isoformat("minutes"), s.ends.isoformat("minutes")
            )
            for s in rota.slots
        ],
        rota.time_zone,
        [
            LeaveView(leave.id, leave.kind, leave.first_day, leave.last_day)
            for leave in sorted(rota.leave.values(), key=lambda leave: leave.first_day)
        ],
    )


def carers(app: CoopNode) -> list[CarerView]:
    """Every admitted worker and volunteer, with their hours and leave."""
    return [
        carer_view(m.id, app.carer_rota(m.id))
        for m in app.members()
        if m.is_admitted and app.is_carer(m.id)
    ]


# The commands, shared by the API and the rota page (node.http.rota_pages).


DEFAULT_WEEKS = 12  # a pattern given no end runs for this many weeks


def last_day_of(body: NewPattern) -> dt.date:
    """The pattern's last day: given, or counted in weeks from the first
    (``DEFAULT_WEEKS`` when neither is given); both must agree."""
    counted = body.first_day + dt.timedelta(weeks=body.weeks or DEFAULT_WEEKS, days=-1)
    if body.last_day is None:
        return counted
    if body.weeks is not None and body.last_day != counted:
        raise ApiError(
            409,
            "conflict",
            f"last_day {body.last_day} is not {body.weeks} weeks from "
            f"first_day {body.first_day}: give one of the two",
            "last_day",
        )
    return body.last_day


def book_weekly(app: CoopNode, body: NewPattern, time_zone: str) -> PatternView:
    last_day = last_day_of(body)
    pattern_id = app.schedule_weekly(
        body.service_user,
        body.weekdays,
        dt.time.fromisoformat(body.time),
        body.first_day,
        last_day,
        distinct(body.service_types),
        body.worker,
        body.planned_minutes,
        body.address,
        body.notes,
        body.time_zone or time_zone,
    )
    return pattern_view(app.pattern(pattern_id))


def change_weekly(app: CoopNode, pattern_id: UUID, body: PatternChange) -> PatternView:
    app.reassign_weekly(pattern_id, body.worker, body.from_day)
    return pattern_view(app.pattern(pattern_id))


def end_weekly(app: CoopNode, pattern_id: UUID, body: PatternEnd) -> PatternView:
    app.end_weekly(pattern_id, body.from_day, body.reason)
    return pattern_view(app.pattern(pattern_id))


def set_hours(
    app: CoopNode, member_id: UUID, body: Availability, time_zone: str
) -> CarerView:
    slots = [
        Slot(s.weekday, dt.time.fromisoformat(s.starts), dt.time.fromisoformat(s.ends))
        for s in body.slots
    ]
    app.set_availability(member_id, slots, body.time_zone or time_zone)
    return carer_view(member_id, app.carer_rota(member_id))


def add_leave(
    app: CoopNode, member_id: UUID, body: NewLeave, time_zone: str
) -> CarerView:
    app.take_leave(member_id, body.kind, body.first_day, body.last_day, time_zone)
    return carer_view(member_id, app.carer_rota(member_id))


def remove_leave(app: CoopNode, member_id: UUID, leave_id: UUID) -> CarerView:
    app.cancel_leave(member_id, leave_id)
    return carer_view(member_id, app.carer_rota(member_id))


def co_op_zone(request: web.Request) -> str:
    return request.app[NODE].config.locale.time_zone


@api.route(
    "GET",
    "/api/rota/patterns",
    summary="Weekly visits booked, oldest first (coordinator, admin)",
    tag="rota",
    response=list[PatternView],
    roles=CARE,
)
async def list_patterns(request: web.Request) -> list[PatternView]:
    require(request, CARE, "see weekly visits")
    app = request.app[NODE].coop_node
    return await run(request, lambda: [pattern_view(p) for p in app.patterns()])


@api.route(
    "POST",
    "/api/rota/patterns",
    summary="Book a visit on the same days each week, all of them or none if one "
    "clashes (coordinator, admin)",
    tag="rota",
    body=NewPattern,
    response=PatternView,
    status=201,
    roles=CARE,
    errors=(404, 409),
)
async def book_pattern(request: web.Request, body: NewPattern) -> PatternView:
    require(request, CARE, "book weekly visits")
    app = request.app[NODE].coop_node
    return await write(request, book_weekly, app, body, co_op_zone(request))


@api.route(
    "POST",
    "/api/rota/patterns/{id}/reassign",
    summary="Give weekly visits still to come, from a day, to another worker or "
    "volunteer (coordinator, admin)",
    tag="rota",
    body=PatternChange,
    response=PatternView,
    params=ID,
    roles=CARE,
    errors=(404, 409),
)
async def reassign_pattern(request: web.Request, body: PatternChange) -> PatternView:
    require(request, CARE, "give weekly visits to workers")
    pattern_id = path_uuid(request)
    app = request.app[NODE].coop_node
    return await write(request, change_weekly, app, pattern_id, body)


@api.route(
    "POST",
    "/api/rota/patterns/{id}/end",
    summary="End weekly visits from a day: those still to come are cancelled "
    "(coordinator, admin)",
    tag="rota",
    body=PatternEnd,
    response=PatternView,
    params=ID,
    roles=CARE,
    errors=(404, 409),
)
async def end_pattern(request: web.Request, body: PatternEnd) -> PatternView:
    require(request, CARE, "end weekly visits")
    pattern_id = path_uuid(request)
    app = request.app[NODE].coop_node
    return await write(request, end_weekly, app, pattern_id, body)


@api.route(
    "GET",
    "/api/rota/carers",
    summary="Every worker and volunteer with their weekly hours and leave "
    "(coordinator, admin)",
    tag="rota",
    response=list[CarerView],
    roles=CARE,
)
async def list_carers(request: web.Request) -> list[CarerView]:
    require(request, CARE, "see the rota")
    return await run(request, carers, request.app[NODE].coop_node)


@api.route(
    "PUT",
    "/api/rota/carers/{id}/availability",
    summary="Set the hours a worker or volunteer works each week; none: any time "
    "(coordinator, admin)",
    tag="rota",
    body=Availability,
    response=CarerView,
    params=ID,
    roles=CARE,
    errors=(404, 409),
)
async def set_availability(request: web.Request, body: Availability) -> CarerView:
    require(request, CARE, "set workers' hours")
    member_id = path_uuid(request)
    app = request.app[NODE].coop_node
    zone = co_op_zone(request)
    return await write(request, set_hours, app, member_id, body, zone)


@api.route(
    "POST",
    "/api/rota/carers/{id}/leave",
    summary="Record a worker or volunteer away; visits given to them then are "
    "listed to reassign (coordinator, admin)",
    tag="rota",
    body=NewLeave,
    response=CarerView,
    status=201,
    params=ID,
    roles=CARE,
    errors=(404, 409),
)
async def take_leave(request: web.Request, body: NewLeave) -> CarerView:
    require(request, CARE, "record workers' leave")
    member_id = path_uuid(request)
    app = request.app[NODE].coop_node
    zone = co_op_zone(request)
    return await write(request, add_leave, app, member_id, body, zone)


@api.route(
    "DELETE",
    "/api/rota/carers/{id}/leave/{leave}",
    summary="Remove a worker's or volunteer's leave (coordinator, admin)",
    tag="rota",
    response=CarerView,
    params={"id": UUID, "leave": UUID},
    roles=CARE,
    errors=(404,),
)
async def cancel_leave(request: web.Request) -> CarerView:
    require(request, CARE, "remove workers' leave")
    member_id, leave_id = path_uuid(request), path_uuid(request, "leave")
    app = request.app[NODE].coop_node
    return await write(request, remove_leave, app, member_id, leave_id)
