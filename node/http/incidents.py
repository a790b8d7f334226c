"""Incidents API for those who handle them: list incidents and safeguarding
concerns, read one, acknowledge, refer and close it with its outcome.

The coordinator and the admin reach these by their role; the safeguarding lead
by their duty, whatever token they hold (node.leads). Anyone else is refused,
the raiser of a concern too: they follow it on ``/api/concerns``. What happened
(the description), the person concerned, the referral and the outcome are care
records: they are answered only when one incident is read, never in a list nor
in the answer to a write. Raising one is ``POST /api/concerns``, for everyone.
"""

import datetime as dt
from typing import Annotated
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import CARE, Principal
from node.http.audit import audited_record
from node.http.context import NODE, run, write
from node.http.guard import principal
from node.incidents import ConcernStatus, Incident, ReferralBody, Step
from toolkit.web.errors import forbidden
from toolkit.web.paging import ListQuery, Page, ids_page
from toolkit.web.routes import Api, path_uuid

api = Api()
ID = {"id": UUID}
Text = Annotated[str, msgspec.Meta(max_length=4000)]


class Acknowledgement(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    acknowledged_on: dt.date | None = None


class Referral(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    to: ReferralBody
    # The body's own reference for the case, if it gave one.
    reference: Annotated[str, msgspec.Meta(max_length=200)] = ""
    referred_on: dt.date | None = None


class IncidentClosing(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    outcome: Text = ""
    closed_on: dt.date | None = None


class IncidentView(msgspec.Struct, frozen=True):
    id: UUID
    kind: str
    visit: UUID | None
    raised_on: dt.date
    closed_on: dt.date | None
    status: ConcernStatus
    acknowledged_on: dt.date | None
    # Who acknowledged it (or first referred it): who is handling it.
    handled_by: UUID | None


class StepView(msgspec.Struct, frozen=True):
    what: str
    by: UUID | None  # None: the admin
    on: dt.date
    to: str = ""
    reference: str = ""


class IncidentRecord(msgspec.Struct, frozen=True):
    """One incident with its free text and history: answered to those who
    handle it."""

    incident: IncidentView
    description: str
    outcome: str
    raised_by: UUID | None
    person: UUID | None  # the member it is about, if any
    someone: str  # or someone who is not a member, in the raiser's words
    history: list[StepView]


def incident_view(incident: Incident) -> IncidentView:
    return IncidentView(
        incident.id,
        incident.kind,
        incident.visit,
        incident.raised_on,
        incident.closed_on,
        incident.status,
        incident.acknowledged_on,
        incident.handled_by,
    )


def step_view(step: Step) -> StepView:
    return StepView(step.what, step.by, step.on, step.to, step.reference)


def incident_page(app: CoopNode, query: ListQuery) -> Page[IncidentView]:
    ids = ids_page(app, Incident.Raised.TOPIC, query)
    return Page([incident_view(app.incident(i)) for i in ids.items], ids.next_cursor)


def incident_record(app: CoopNode, incident_id: UUID) -> IncidentRecord:
    incident = app.incident(incident_id)
    return IncidentRecord(
        incident_view(incident),
        incident.description,
        incident.outcome,
        incident.raised_by,
        incident.person,
        incident.someone,
        [step_view(s) for s in incident.history],
    )


def handles_concerns(app: CoopNode, who: Principal) -> bool:
    """The coordinator and the admin by role; the safeguarding lead by duty."""
    return who.role in CARE or app.is_lead("safeguarding", who.member_id)


async def require_handler(request: web.Request, action: str) -> Principal:
    who = principal(request)
    app = request.app[NODE].coop_node
    if not await run(request, handles_concerns, app, who):
        raise forbidden(
            f"only the safeguarding lead, a coordinator or the admin may {action}"
        )
    return who


@api.route(
    "GET",
    "/api/incidents",
    summary="List incidents and safeguarding concerns, oldest first, without "
    "their free text (the safeguarding lead, coordinator, admin)",
    tag="incidents",
    query=ListQuery,
    response=Page[IncidentView],
    roles=CARE,
)
async def list_incidents(request: web.Request, query: ListQuery) -> Page[IncidentView]:
    await require_handler(request, "list incidents")
    return await run(request, incident_page, request.app[NODE].coop_node, query)


@api.route(
    "GET",
    "/api/incidents/{id}",
    summary="One incident with its description, whom it is about, its history "
    "and outcome (the safeguarding lead, coordinator, admin)",
    tag="incidents",
    response=IncidentRecord,
    params=ID,
    roles=CARE,
)
async def get_incident(request: web.Request) -> IncidentRecord:
    await require_handler(request, "read incidents")
    incident_id = path_uuid(request)
    app = request.app[NODE].coop_node
    record = await run(request, incident_record, app, incident_id)
    await audited_record(request, "incident", incident_id)
    return record


@api.route(
    "POST",
    "/api/incidents/{id}/acknowledge",
    summary="Acknowledge an incident or concern: someone is handling it (the "
    "safeguarding lead, coordinator, admin)",
    tag="incidents",
    body=Acknowledgement,
    response=IncidentView,
    params=ID,
    roles=CARE,
)
async def acknowledge_incident(
    request: web.Request, body: Acknowledgement
) -> IncidentView:
    who = await require_handler(request, "acknowledge incidents")
    incident_id = path_uuid(request)
    app = request.app[NODE].coop_node

    def command() -> IncidentView:
        app.acknowledge_incident(incident_id, who.member_id, body.acknowledged_on)
        return incident_view(app.incident(incident_id))

    return await write(request, command)


@api.route(
    "POST",
    "/api/incidents/{id}/refer",
    summary="Record that an incident or concern was referred to the local "
    "authority, the police, the CQC or another body (the safeguarding lead, "
    "coordinator, admin)",
    tag="incidents",
    body=Referral,
    response=IncidentView,
    params=ID,
    roles=CARE,
)
async def refer_incident(request: web.Request, body: Referral) -> IncidentView:
    who = await require_handler(request, "refer incidents")
    incident_id = path_uuid(request)
    app = request.app[NODE].coop_node

    def command() -> IncidentView:
        app.refer_incident(
            incident_id, body.to, body.reference, who.member_id, body.referred_on
        )
        return incident_view(app.incident(incident_id))

    return await write(request, command)


@api.route(
    "POST",
    "/api/incidents/{id}/close",
    summary="Close an incident with its outcome (the safeguarding lead, "
    "coordinator, admin)",
    tag="incidents",
    body=IncidentClosing,
    response=IncidentView,
    params=ID,
    roles=CARE,
)
async def close_incident(request: web.Request, body: IncidentClosing) -> IncidentView:
    who = await require_handler(request, "close incidents")
    incident_id = path_uuid(request)
    app = request.app[NODE].coop_node

    def command() -> IncidentView:
        app.close_incident(incident_id, body.outcome, body.closed_on, who.member_id)
        return incident_view(app.incident(incident_id))

    return await write(request, command)
