"""Incident pages for the coordinator (and admin): the incidents and safeguarding
concerns (without their free text), raising one, and per incident a page with what
happened and its outcome, and a form to close it. Plain forms that post and
redirect; no JavaScript needed, readable on a phone.

The forms are checked against the API's own bodies (``node.http.incidents``) and
run the same commands, so a page and the API cannot disagree about what is valid.
"""

import datetime as dt
from collections import deque
from functools import partial
from typing import Any
from uuid import UUID

from aiohttp import web

from node.application import CoopNode
from node.auth import CARE
from node.errors import InvalidTransition, UnknownIncident, UnknownVisit
from node.http.audit import audited_record
from node.http.context import NODE, write
from node.http.field_errors import checked, filled, form_page, path_id
from node.http.incidents import (
    IncidentClosing,
    NewIncident,
    incident_record,
    incident_view,
)
from node.http.pages import signed_in
from node.visits import Visit
from toolkit.aggregates import ids_with
from toolkit.web.i18n import N_

incident_pages = web.RouteTableDef()
KINDS = {"incident": N_("Incident"), "safeguarding": N_("Safeguarding concern")}
STATUSES = {"open": N_("Open"), "closed": N_("Closed")}
DONE = {"raised": N_("Recorded."), "closed": N_("Closed, with its outcome.")}
NOT_FOUND = N_("There is no such incident.")
RAISE_HINTS = {
    "kind": N_("Choose whether it is an incident or a safeguarding concern."),
    "description": N_("Write what happened (4000 characters at most)."),
    "visit": N_("Choose the visit from the list, or no visit."),
}
RECENT_VISITS = 40  # the visits offered: the latest scheduled, up to today
OUTCOME = N_("Write the outcome: what was done and how it ended.")
CLOSE_HINTS = {"outcome": N_("The outcome is too long (4000 characters at most).")}
ALREADY_CLOSED = N_("This was already closed.")


def _visit_label(app: CoopNode, visit: Visit) -> str:
    """A visit as people know it: whose, and when (as the visits page shows it)."""
    name = app.member(visit.service_user).name
    return f"{name}, {visit.scheduled_for.strftime('%a %d %b %Y %H:%M')}"


def _recent_visits(app: CoopNode) -> list[tuple[UUID, str]]:
    """The visits an incident may be about, latest first: of the last
    ``RECENT_VISITS`` scheduled, those due by the end of today (only their ids are
    read for the rest, however long the history)."""
    latest = deque(dict.fromkeys(ids_with(app, Visit.Scheduled.TOPIC)), RECENT_VISITS)
    visits = [app.visit(i) for i in latest]
    today = dt.date.today()
    due = [v for v in visits if v.scheduled_for.date() <= today]
    due.sort(key=lambda v: v.scheduled_for.timestamp(), reverse=True)
    return [(v.id, _visit_label(app, v)) for v in due]


def _list_context(app: CoopNode) -> dict[str, Any]:
    views = [incident_view(i) for i in app.incidents()]
    views.sort(key=lambda v: (v.status != "open", -v.raised_on.toordinal()))
    return {
        "incidents": views,
        "kinds": KINDS,
        "statuses": STATUSES,
        "visits": _recent_visits(app),
    }


def _record_context(app: CoopNode, incident_id: UUID) -> dict[str, Any]:
    try:
        record = incident_record(app, incident_id)
    except UnknownIncident:
        raise web.HTTPNotFound(text=NOT_FOUND) from None
    visit = record.incident.visit
    return {
        "record": record,
        "kinds": KINDS,
        "statuses": STATUSES,
        "visit": _visit_label(app, app.visit(visit)) if visit else None,
    }


incidents_page = partial(form_page, "incidents.html", _list_context, DONE)


incident_page = partial(form_page, "incident.html", _record_context, DONE)


@incident_pages.get("/staff/incidents")
async def incidents(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    return await incidents_page(request)


@incident_pages.post("/staff/incidents")
async def raise_incident(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    form = filled(await request.post(), ("kind", "description", "visit"))
    body, errors = checked(NewIncident, form, RAISE_HINTS)
    if body is None:
        return await incidents_page(request, status=400, errors=errors, form=form)
    app = request.app[NODE].coop_node
    args = (body.kind, body.description, None, body.visit)
    try:
        incident_id = await write(request, app.raise_incident, *args)
    except UnknownVisit:
        errors = {"visit": RAISE_HINTS["visit"]}
        return await incidents_page(request, status=409, errors=errors, form=form)
    raise web.HTTPSeeOther(f"/staff/incidents/{incident_id}?done=raised#done")


@incident_pages.get("/staff/incidents/{id}")
async def incident(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    incident_id = path_id(request, NOT_FOUND)
    page = await incident_page(request, incident_id)
    await audited_record(request, "incident", incident_id)
    return page


@incident_pages.post("/staff/incidents/{id}/close")
async def close_incident(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    incident_id = path_id(request, NOT_FOUND)
    form = filled(await request.post(), ("outcome",))
    body, errors = checked(IncidentClosing, form, CLOSE_HINTS)
    # The API lets the outcome be left out; a page closing a record asks for it.
    if "outcome" not in form:
        errors["outcome"] = OUTCOME
    if body is None or errors:
        return await incident_page(
            request, incident_id, status=400, errors=errors, form=form
        )
    app = request.app[NODE].coop_node
    try:
        await write(request, app.close_incident, incident_id, body.outcome, None)
    except UnknownIncident:
        raise web.HTTPNotFound(text=NOT_FOUND) from None
    except InvalidTransition:
        errors = {"close": ALREADY_CLOSED}
        return await incident_page(
            request, incident_id, status=409, errors=errors, form=form
        )
    raise web.HTTPSeeOther(f"/staff/incidents/{incident_id}?done=closed#done")
