"""Incidents API for the coordinator: raise an incident or a safeguarding concern,
close it with its outcome, list them, read one.

Only the coordinator and admin reach these. What happened (the description) and
the outcome are care records in free text: they are answered only when one
incident is read, never in a list nor in the answer to a write.
"""

import datetime as dt
from typing import Annotated
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import CARE
from node.errors import UnknownVisit
from node.http.audit import audited_record
from node.http.context import NODE, run, write
from node.http.guard import require
from node.incidents import Incident
from schemas.care import IncidentKind
from toolkit.web.errors import ApiError
from toolkit.web.paging import ListQuery, Page, ids_page
from toolkit.web.routes import Api, path_uuid

api = Api()
ID = {"id": UUID}
Text = Annotated[str, msgspec.Meta(max_length=4000)]


class NewIncident(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: IncidentKind
    description: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
    # The visit it happened on, if any.
    visit: UUID | None = None
    raised_on: dt.date | None = None


class IncidentClosing(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    outcome: Text = ""
    closed_on: dt.date | None = None


class IncidentView(msgspec.Struct, frozen=True):
    id: UUID
    kind: str
    visit: UUID | None
    raised_on: dt.date
    closed_on: dt.date | None
    status: str


class IncidentRecord(msgspec.Struct, frozen=True):
    """One incident with its free text: answered to the coordinator and admin."""

    incident: IncidentView
    description: str
    outcome: str


def incident_view(incident: Incident) -> IncidentView:
    return IncidentView(
        incident.id,
        incident.kind,
        incident.visit,
        incident.raised_on,
        incident.closed_on,
        "open" if incident.closed_on is None else "closed",
    )


def incident_page(app: CoopNode, query: ListQuery) -> Page[IncidentView]:
    ids = ids_page(app, Incident.Raised.TOPIC, query)
    return Page([incident_view(app.incident(i)) for i in ids.items], ids.next_cursor)


def incident_record(app: CoopNode, incident_id: UUID) -> IncidentRecord:
    incident = app.incident(incident_id)
    return IncidentRecord(
        incident_view(incident), incident.description, incident.outcome
    )


@api.route(
    "GET",
    "/api/incidents",
    summary="List incidents and safeguarding concerns, oldest first, without "
    "their free text (coordinator, admin)",
    tag="incidents",
    query=ListQuery,
    response=Page[IncidentView],
    roles=CARE,
)
async def list_incidents(request: web.Request, query: ListQuery) -> Page[IncidentView]:
    require(request, CARE, "list incidents")
    return await run(request, incident_page, request.app[NODE].coop_node, query)


@api.route(
    "POST",
    "/api/incidents",
    summary="Raise an incident or a safeguarding concern (coordinator, admin)",
    tag="incidents",
    body=NewIncident,
    response=IncidentView,
    status=201,
    roles=CARE,
)
async def raise_incident(request: web.Request, body: NewIncident) -> IncidentView:
    require(request, CARE, "raise incidents")
    app = request.app[NODE].coop_node

    def command() -> IncidentView:
        try:
            incident_id = app.raise_incident(
                body.kind, body.description, body.raised_on, body.visit
            )
        except UnknownVisit as error:
            # Named in the body, not the path: a conflict with what exists.
            raise ApiError(409, error.code, str(error), "visit") from None
        return incident_view(app.incident(incident_id))

    return await write(request, command)


@api.route(
    "GET",
    "/api/incidents/{id}",
    summary="One incident with its description and outcome (coordinator, admin)",
    tag="incidents",
    response=IncidentRecord,
    params=ID,
    roles=CARE,
)
async def get_incident(request: web.Request) -> IncidentRecord:
    require(request, CARE, "read incidents")
    incident_id = path_uuid(request)
    app = request.app[NODE].coop_node
    record = await run(request, incident_record, app, incident_id)
    await audited_record(request, "incident", incident_id)
    return record


@api.route(
    "POST",
    "/api/incidents/{id}/close",
    summary="Close an incident with its outcome (coordinator, admin)",
    tag="incidents",
    body=IncidentClosing,
    response=IncidentView,
    params=ID,
    roles=CARE,
)
async def close_incident(request: web.Request, body: IncidentClosing) -> IncidentView:
    require(request, CARE, "close incidents")
    incident_id = path_uuid(request)
    app = request.app[NODE].coop_node

    def command() -> IncidentView:
        app.close_incident(incident_id, body.outcome, body.closed_on)
        return incident_view(app.incident(incident_id))

    return await write(request, command)
