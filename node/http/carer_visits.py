"""The carer's visits API: a worker or volunteer, signed in as themselves, reads
their rounds (today's and this week's visits, with the address, the access
notes and the person's phone) and starts, ends or records missed a visit
assigned to them; on one of their visits they read the person's earlier visit
notes and latest care plan review notes. The coordinator reads today's visits,
the late ones first, and any visit's notes.

Every write checks that the visit is the caller's own (node.carer_day): another
carer, a member who is no carer and the service user are refused (403) and
nothing is written. Times are the node's clock, in the co-op's time zone.
"""

import datetime as dt
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec
from aiohttp import web

from node.access_audit import Reading
from node.application import CoopNode
from node.auth import CARE, MEMBERS
from node.carer_day import is_late
from node.config import NodeConfig
from node.errors import NotYourVisit
from node.http.audit import audited_all, audited_record
from node.http.context import NODE, run, write
from node.http.guard import require
from node.visit_notes import EarlierNote, ReviewNote
from node.visits import Visit
from schemas.care import VisitReason
from toolkit.web.routes import Api, path_uuid

api = Api()
ID = {"id": UUID}
REFUSED = (403, 404, 409)
Notes = Annotated[str, msgspec.Meta(max_length=2000)]


def zone_of(config: NodeConfig) -> dt.tzinfo:
    """The co-op's time zone (UTC when its config names none)."""
    name = config.locale.time_zone
    return ZoneInfo(name) if name else dt.UTC


def now_in(request: web.Request) -> dt.datetime:
    node = request.app[NODE]
    return node.clock(zone_of(node.config))


class Ending(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    notes: Notes = ""  # the visit note, read by the next carer and the coordinator


class Missing(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: VisitReason
    notes: Notes = ""


class RoundVisit(msgspec.Struct, frozen=True):
    """A visit as its carer needs it at the door."""

    id: UUID
    service_user: UUID
    service_user_name: str
    phone: str  # the person's, from their contact details ("" if none)
    scheduled_for: dt.datetime
    planned_minutes: int
    service_types: list[str]
    address: str
    access_notes: str  # how to get in (a key-safe code), what to know
    status: str  # scheduled, delivered, missed or cancelled
    started_at: dt.datetime | None
    minutes: int
    notes: str  # what was written when it was delivered or missed


class EarlierVisitNote(msgspec.Struct, frozen=True):
    scheduled_for: dt.datetime
    status: str  # delivered or missed
    worker_name: str | None
    reason: str | None
    notes: str


class PlanReviewNote(msgspec.Struct, frozen=True):
    reviewed_on: dt.date
    notes: str


class RoundVisitWithNotes(msgspec.Struct, frozen=True):
    visit: RoundVisit
    earlier: list[EarlierVisitNote]
    plan_review: PlanReviewNote | None


class DayVisit(msgspec.Struct, frozen=True):
    """One of today's visits on the coordinator's page."""

    id: UUID
    scheduled_for: dt.datetime
    service_user_name: str
    carer: UUID | None
    carer_name: str | None
    carer_phone: str
    status: str
    started_at: dt.datetime | None
    late: bool  # not started LATE_AFTER after its time


class Today(msgspec.Struct, frozen=True):
    day: dt.date
    late: list[DayVisit]
    visits: list[DayVisit]


def round_visit(app: CoopNode, visit: Visit) -> RoundVisit:
    person = app.member(visit.service_user)
    return RoundVisit(
        visit.id,
        visit.service_user,
        person.name,
        person.phone,
        visit.scheduled_for,
        visit.planned_minutes,
        list(visit.service_types),
        visit.address,
        visit.notes,
        visit.status,
        visit.started_at,
        visit.minutes,
        visit.outcome_notes,
    )


def earlier_note(app: CoopNode, note: EarlierNote) -> EarlierVisitNote:
    worker = app.member(note.worker).name if note.worker else None
    return EarlierVisitNote(
        note.scheduled_for, note.status, worker, note.reason, note.notes
    )


def review_note(note: ReviewNote | None) -> PlanReviewNote | None:
    return PlanReviewNote(note.reviewed_on, note.notes) if note else None


def rounds_read(visits: list[RoundVisit]) -> list[Reading]:
    """A carer's rounds show each person's address and how to get in."""
    return [Reading(v.service_user, "visit", v.id) for v in visits]


def my_rounds(app: CoopNode, carer: UUID, now: dt.datetime) -> list[RoundVisit]:
    return [
        round_visit(app, v) for v in app.rounds(carer, now.date(), now.tzinfo or dt.UTC)
    ]


def my_round_visit(
    app: CoopNode, carer: UUID, visit_id: UUID, now: dt.datetime
) -> RoundVisitWithNotes:
    """One of ``carer``'s visits with the person's earlier notes (refused if the
    visit is not theirs)."""
    visit = app.own_visit(visit_id, carer)
    try:
        earlier, review = app.notes_for_carer(
            carer, visit.service_user, now.date(), now.tzinfo or dt.UTC
        )
    except NotYourVisit:  # an old visit of theirs, out of their rounds: its note
        earlier, review = [], None
    return RoundVisitWithNotes(
        round_visit(app, visit),
        [earlier_note(app, n) for n in earlier if n.visit_id != visit_id],
        review_note(review),
    )


def day_visit(app: CoopNode, visit: Visit, now: dt.datetime) -> DayVisit:
    carer = app.member(visit.assigned_to) if visit.assigned_to else None
    return DayVisit(
        visit.id,
        visit.scheduled_for,
        app.member(visit.service_user).name,
        visit.assigned_to,
        carer.name if carer else None,
        carer.phone if carer else "",
        visit.status,
        visit.started_at,
        is_late(visit, now),
    )


def today_visits(app: CoopNode, now: dt.datetime) -> Today:
    """Today's visits by time, and the late ones among them first."""
    visits = [
        day_visit(app, v, now) for v in app.day_visits(now.date(), now.tzinfo or dt.UTC)
    ]
    return Today(now.date(), [v for v in visits if v.late], visits)


# The commands, shared by the API and the carer's pages (node.http.carer_pages).


def start(app: CoopNode, carer: UUID, visit_id: UUID, now: dt.datetime) -> RoundVisit:
    app.start_visit(visit_id, carer, now)
    return round_visit(app, app.visit(visit_id))


def end(
    app: CoopNode, carer: UUID, visit_id: UUID, now: dt.datetime, body: Ending
) -> RoundVisit:
    app.end_visit(visit_id, carer, now, body.notes)
    return round_visit(app, app.visit(visit_id))


def miss(
    app: CoopNode, carer: UUID, visit_id: UUID, now: dt.datetime, body: Missing
) -> RoundVisit:
    app.miss_own_visit(visit_id, carer, body.reason, body.notes, now.date())
    return round_visit(app, app.visit(visit_id))


def _carer(request: web.Request, action: str) -> UUID:
    who = require(request, MEMBERS, action)
    assert who.member_id is not None  # every role in MEMBERS is a member's
    return who.member_id


@api.route(
    "GET",
    "/api/me/rounds",
    summary="The calling carer's visits: today's, and those still to do this week, "
    "soonest first, with the address and access notes",
    tag="visits",
    response=list[RoundVisit],
    roles=MEMBERS,
)
async def list_my_rounds(request: web.Request) -> list[RoundVisit]:
    carer = _carer(request, "have visits to do")
    app = request.app[NODE].coop_node
    visits = await run(request, my_rounds, app, carer, now_in(request))
    await audited_all(request, rounds_read(visits))
    return visits


@api.route(
    "GET",
    "/api/me/rounds/{id}",
    summary="One of the calling carer's visits, with the person's earlier visit "
    "notes and latest care plan review notes (the carer it is assigned to)",
    tag="visits",
    response=RoundVisitWithNotes,
    params=ID,
    roles=MEMBERS,
    errors=REFUSED,
)
async def read_my_round_visit(request: web.Request) -> RoundVisitWithNotes:
    carer = _carer(request, "read visits")
    visit_id = path_uuid(request)
    app = request.app[NODE].coop_node
    found = await run(request, my_round_visit, app, carer, visit_id, now_in(request))
    await audited_record(request, "visit_notes", visit_id)
    return found


@api.route(
    "POST",
    "/api/me/rounds/{id}/start",
    summary="Start a visit now (the carer it is assigned to)",
    tag="visits",
    response=RoundVisit,
    params=ID,
    roles=MEMBERS,
    errors=REFUSED,
)
async def start_my_visit(request: web.Request) -> RoundVisit:
    carer = _carer(request, "start visits")
    visit_id = path_uuid(request)
    app = request.app[NODE].coop_node
    return await write(request, start, app, carer, visit_id, now_in(request))


@api.route(
    "POST",
    "/api/me/rounds/{id}/end",
    summary="End a started visit now, with the visit note: it is delivered, for the "
    "minutes since its start (the carer it is assigned to)",
    tag="visits",
    body=Ending,
    response=RoundVisit,
    params=ID,
    roles=MEMBERS,
    errors=REFUSED,
)
async def end_my_visit(request: web.Request, body: Ending) -> RoundVisit:
    carer = _carer(request, "end visits")
    visit_id = path_uuid(request)
    app = request.app[NODE].coop_node
    return await write(request, end, app, carer, visit_id, now_in(request), body)


@api.route(
    "POST",
    "/api/me/rounds/{id}/miss",
    summary="Record a visit missed today, with the reason (the carer it is "
    "assigned to)",
    tag="visits",
    body=Missing,
    response=RoundVisit,
    params=ID,
    roles=MEMBERS,
    errors=REFUSED,
)
async def miss_my_visit(request: web.Request, body: Missing) -> RoundVisit:
    carer = _carer(request, "record visits missed")
    visit_id = path_uuid(request)
    app = request.app[NODE].coop_node
    return await write(request, miss, app, carer, visit_id, now_in(request), body)


@api.route(
    "GET",
    "/api/visits/today",
    summary="Today's visits by time with their state, and those not started "
    "15 minutes after their time (coordinator, admin)",
    tag="visits",
    response=Today,
    roles=CARE,
)
async def list_today(request: web.Request) -> Today:
    require(request, CARE, "see today's visits")
    app = request.app[NODE].coop_node
    return await run(request, today_visits, app, now_in(request))


class VisitNotes(msgspec.Struct, frozen=True):
    """What was written for and about one visit."""

    id: UUID
    address: str
    access_notes: str
    status: str
    notes: str  # written when it was delivered or missed


def visit_notes(app: CoopNode, visit_id: UUID) -> VisitNotes:
    visit = app.visit(visit_id)
    return VisitNotes(
        visit.id, visit.address, visit.notes, visit.status, visit.outcome_notes
    )


@api.route(
    "GET",
    "/api/visits/{id}/notes",
    summary="A visit's address, access notes and the note written when it was "
    "delivered or missed (coordinator, admin)",
    tag="visits",
    response=VisitNotes,
    params=ID,
    roles=CARE,
    errors=(404,),
)
async def read_visit_notes(request: web.Request) -> VisitNotes:
    require(request, CARE, "read visit notes")
    visit_id = path_uuid(request)
    notes = await run(request, visit_notes, request.app[NODE].coop_node, visit_id)
    await audited_record(request, "visit_notes", visit_id)
    return notes
