"""Pages for those who handle incidents and safeguarding concerns: the
safeguarding lead (by duty, whatever their role), the coordinators and the
admin. ``/staff/concerns`` lists them, the open ones first, with how long each
has waited and who is handling it (without their free text); per concern a page
with what was seen, whom it is about, its history, and forms to acknowledge it,
refer it and close it with its outcome. Raising one is ``/concerns/new``, the
same form as everyone's. The old ``/staff/incidents`` addresses lead here.

The forms are checked against the API's own bodies (``node.http.incidents``) and
run the same commands, so a page and the API cannot disagree about what is valid.
"""

import datetime as dt
from functools import partial
from typing import Any, NamedTuple
from uuid import UUID

from aiohttp import web

from node.application import CoopNode
from node.errors import InvalidTransition, UnknownIncident
from node.http.audit import audited_record
from node.http.concern_pages import visit_label
from node.http.context import NODE, run, write
from node.http.corrections import CORRECTION_DONE
from node.http.error_words import said
from node.http.field_errors import checked, filled, form_page, path_id
from node.http.incidents import (
    IncidentClosing,
    IncidentView,
    Referral,
    handles_concerns,
    incident_record,
    incident_view,
)
from node.http.pages import signed_in
from node.incidents import REFERRAL_BODIES
from toolkit.web.i18n import N_

incident_pages = web.RouteTableDef()
LIST = "/staff/concerns"
DONE = {
    "raised": N_("Recorded."),
    "acknowledged": N_("Acknowledged: you are handling it."),
    "referred": N_("The referral is recorded."),
    "closed": N_("Closed, with its outcome."),
    **CORRECTION_DONE,
}
NOT_FOUND = N_("There is no such incident.")
FOR_HANDLERS = N_(
    "This page is for the safeguarding lead, the coordinators and the administrator."
)
OUTCOME = N_("Write the outcome: what was done and how it ended.")
CLOSE_HINTS = {"outcome": N_("The outcome is too long (4000 characters at most).")}
REFER_HINTS = {
    "to": N_("Choose whom it was referred to."),
    "reference": N_("The reference is too long (200 characters at most)."),
}


class Row(NamedTuple):
    view: IncidentView
    waiting_days: int
    handler: str | None  # who acknowledged it, by name


def _name(app: CoopNode, member_id: UUID | None) -> str | None:
    return app.member(member_id).name if member_id is not None else None


def _list_context(app: CoopNode) -> dict[str, Any]:
    today = dt.date.today()
    incidents = list(app.incidents())
    # The open ones first, longest waiting first; then the closed, latest first.
    incidents.sort(
        key=lambda i: (
            i.closed_on is not None,
            i.raised_on.toordinal() * (1 if i.closed_on is None else -1),
        )
    )
    rows = [
        Row(incident_view(i), (today - i.raised_on).days, _name(app, i.handled_by))
        for i in incidents
    ]
    return {"rows": rows, "lead": _name(app, app.lead("safeguarding"))}


def _record_context(app: CoopNode, incident_id: UUID) -> dict[str, Any]:
    try:
        record = incident_record(app, incident_id)
    except UnknownIncident:
        raise web.HTTPNotFound(text=NOT_FOUND) from None
    visit = record.incident.visit
    names = {s.by: _name(app, s.by) for s in record.history if s.by is not None}
    return {
        "record": record,
        "visit": visit_label(app, app.visit(visit)) if visit else None,
        "person": _name(app, record.person),
        "raised_by": _name(app, record.raised_by),
        "names": names,
        "handler": _name(app, record.incident.handled_by),
        "bodies": REFERRAL_BODIES,
    }


list_page = partial(form_page, "incidents.html", _list_context, DONE)
record_page = partial(form_page, "incident.html", _record_context, DONE)


async def handler(request: web.Request) -> UUID | None:
    """The signed-in member who handles concerns (None: the admin); anyone
    else is refused the page."""
    who = signed_in(request)
    if not await run(request, handles_concerns, request.app[NODE].coop_node, who):
        raise web.HTTPForbidden(text=FOR_HANDLERS, content_type="text/plain")
    return who.member_id


@incident_pages.get("/staff/incidents")
async def old_list(request: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently(LIST)


@incident_pages.get("/staff/incidents/{id}")
async def old_record(request: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently(f"{LIST}/{path_id(request, NOT_FOUND)}")


@incident_pages.get(LIST)
async def concerns(request: web.Request) -> web.Response:
    await handler(request)
    return await list_page(request)


@incident_pages.get(LIST + "/{id}")
async def concern(request: web.Request) -> web.Response:
    await handler(request)
    incident_id = path_id(request, NOT_FOUND)
    page = await record_page(request, incident_id)
    await audited_record(request, "incident", incident_id)
    return page


async def _act(
    request: web.Request, incident_id: UUID, done: str, command: Any, *args: Any
) -> web.Response:
    """Run a step of the workflow and show the concern again; a step the state
    refuses (closed already) is said above the forms, nothing written."""
    try:
        await write(request, command, incident_id, *args)
    except UnknownIncident:
        raise web.HTTPNotFound(text=NOT_FOUND) from None
    except InvalidTransition as error:
        errors = {"workflow": said(error)}
        return await record_page(request, incident_id, status=409, errors=errors)
    raise web.HTTPSeeOther(f"{LIST}/{incident_id}?done={done}#done")


@incident_pages.post(LIST + "/{id}/acknowledge")
async def acknowledge(request: web.Request) -> web.Response:
    by = await handler(request)
    incident_id = path_id(request, NOT_FOUND)
    app = request.app[NODE].coop_node
    return await _act(
        request, incident_id, "acknowledged", app.acknowledge_incident, by
    )


@incident_pages.post(LIST + "/{id}/refer")
async def refer(request: web.Request) -> web.Response:
    by = await handler(request)
    incident_id = path_id(request, NOT_FOUND)
    form = filled(await request.post(), ("to", "reference"))
    body, errors = checked(Referral, form, REFER_HINTS)
    if body is None:
        return await record_page(
            request, incident_id, status=400, errors=errors, form=form
        )
    app = request.app[NODE].coop_node
    args = (body.to, body.reference, by)
    return await _act(request, incident_id, "referred", app.refer_incident, *args)


@incident_pages.post(LIST + "/{id}/close")
async def close(request: web.Request) -> web.Response:
    by = await handler(request)
    incident_id = path_id(request, NOT_FOUND)
    form = filled(await request.post(), ("outcome",))
    body, errors = checked(IncidentClosing, form, CLOSE_HINTS)
    # The API lets the outcome be left out; a page closing a record asks for it.
    if "outcome" not in form:
        errors["outcome"] = OUTCOME
    if body is None or errors:
        return await record_page(
            request, incident_id, status=400, errors=errors, form=form
        )
    app = request.app[NODE].coop_node
    args = (body.outcome, None, by)
    return await _act(request, incident_id, "closed", app.close_incident, *args)
