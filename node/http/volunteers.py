"""Volunteers (node.volunteers) for the coordinator: enrol an admitted member as
a volunteer, record one standing down, list them; on the API and in a section
of the coordinator's workers page (node.http.worker_pages).

Volunteers are carers, not workers: none of this leaves the node.
"""

import datetime as dt
from typing import Annotated
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import CARE
from node.http.context import NODE, run, write
from node.http.coordinator_forms import NO_SUCH_RECORD, Refused, parsed, run_form
from node.http.field_errors import path_id
from node.http.guard import require
from node.http.pages import signed_in
from node.http.worker_pages import PAGE, workers_page
from node.volunteers import Volunteer
from toolkit.web.i18n import N_
from toolkit.web.paging import ListQuery, Page, ids_page
from toolkit.web.routes import Api, path_uuid

api = Api()
volunteer_pages = web.RouteTableDef()
ID = {"id": UUID}
Reason = Annotated[str, msgspec.Meta(max_length=500)]
HINTS = {
    "member": N_("Choose a member."),
    "enrolled_on": N_("Write the day they start, or leave it blank for today."),
    "on": N_("Write the day they stood down, or leave it blank for today."),
    "reason": N_("The reason is too long (500 characters at most)."),
}


class Enrolment(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    member: UUID
    enrolled_on: dt.date | None = None  # today when left out


class StandingDown(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: Reason = ""
    on: dt.date | None = None  # today when left out


class VolunteerView(msgspec.Struct, frozen=True):
    id: UUID
    member: UUID
    enrolled_on: dt.date
    enrolled: bool
    stood_down_on: dt.date | None
    reason: str  # why they stood down: stays in the node


def volunteer_view(volunteer: Volunteer) -> VolunteerView:
    return VolunteerView(
        volunteer.id,
        volunteer.member,
        volunteer.enrolled_on,
        volunteer.is_enrolled,
        volunteer.stood_down_on,
        volunteer.reason,
    )


def volunteer_page(app: CoopNode, query: ListQuery) -> Page[VolunteerView]:
    ids = ids_page(app, Volunteer.Enrolled.TOPIC, query)
    return Page([volunteer_view(app.volunteer(i)) for i in ids.items], ids.next_cursor)


def enrol(app: CoopNode, body: Enrolment) -> VolunteerView:
    volunteer_id = app.enrol_volunteer(body.member, body.enrolled_on)
    return volunteer_view(app.volunteer(volunteer_id))


def stand_down(app: CoopNode, volunteer_id: UUID, body: StandingDown) -> VolunteerView:
    app.volunteer_stands_down(volunteer_id, body.reason, body.on)
    return volunteer_view(app.volunteer(volunteer_id))


@api.route(
    "GET",
    "/api/volunteers",
    summary="List volunteers, enrolled and stood down, in the order they were "
    "enrolled (coordinator, admin)",
    tag="workforce",
    query=ListQuery,
    response=Page[VolunteerView],
    roles=CARE,
)
async def list_volunteers(
    request: web.Request, query: ListQuery
) -> Page[VolunteerView]:
    require(request, CARE, "list volunteers")
    return await run(request, volunteer_page, request.app[NODE].coop_node, query)


@api.route(
    "POST",
    "/api/volunteers",
    summary="Enrol an admitted member as a volunteer (coordinator, admin)",
    tag="workforce",
    body=Enrolment,
    response=VolunteerView,
    status=201,
    roles=CARE,
)
async def enrol_volunteer(request: web.Request, body: Enrolment) -> VolunteerView:
    require(request, CARE, "enrol volunteers")
    return await write(request, enrol, request.app[NODE].coop_node, body)


@api.route(
    "POST",
    "/api/volunteers/{id}/stand-down",
    summary="Record that a volunteer stood down, with the day and why "
    "(coordinator, admin)",
    tag="workforce",
    body=StandingDown,
    response=VolunteerView,
    params=ID,
    roles=CARE,
)
async def volunteer_stands_down(
    request: web.Request, body: StandingDown
) -> VolunteerView:
    require(request, CARE, "record volunteers standing down")
    volunteer_id = path_uuid(request)
    app = request.app[NODE].coop_node
    return await write(request, stand_down, app, volunteer_id, body)


# The workers page's volunteer forms.


def enrol_member(app: CoopNode, values: dict[str, str]) -> None:
    body = parsed(values, Enrolment, HINTS)
    member = app.member(body.member)
    if not member.is_admitted:
        message = N_("%(name)s is not an admitted member.")
        raise Refused("member", message, name=member.name)
    if app.enrolled_volunteer(body.member) is not None:
        message = N_("%(name)s is already a volunteer.")
        raise Refused("member", message, name=member.name)
    enrol(app, body)


def record_standing_down(
    app: CoopNode, volunteer_id: UUID, values: dict[str, str]
) -> None:
    body = parsed(values, StandingDown, HINTS)
    volunteer = app.volunteer(volunteer_id)
    name = app.member(volunteer.member).name
    if volunteer.stood_down_on is not None:
        message = N_("%(name)s already stood down, on %(day)s.")
        raise Refused("form", message, name=name, day=volunteer.stood_down_on)
    if body.on is not None and body.on < volunteer.enrolled_on:
        message = N_("%(name)s started on %(day)s: they cannot stand down before.")
        raise Refused("on", message, 400, name=name, day=volunteer.enrolled_on)
    stand_down(app, volunteer_id, body)


@volunteer_pages.post(f"{PAGE}/volunteers")
async def staff_enrol(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    done = f"{PAGE}?done=enrolled#done"
    names = ("member", "enrolled_on")
    return await run_form(request, workers_page, "enrol", names, done, enrol_member)


@volunteer_pages.post(f"{PAGE}/volunteers/{{id}}/stand-down")
async def staff_stand_down(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    volunteer_id = path_id(request, NO_SUCH_RECORD)
    form, done = f"stand-down-{volunteer_id}", f"{PAGE}?done=stood-down#done"
    return await run_form(
        request,
        workers_page,
        form,
        ("on", "reason"),
        done,
        record_standing_down,
        volunteer_id,
    )
