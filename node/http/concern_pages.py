"""Pages for raising a concern, open to everyone signed in (``/concerns/new``,
linked from every member's home page), and for following the concerns one
raised (``/concerns``: where each stands, never what was done about it).

The form is checked against the API's own body (``node.http.concerns``) and
runs the same command, so the page and the API cannot disagree about what is
valid or whose visit may be named.
"""

import datetime as dt
from collections import deque
from functools import partial
from typing import Any
from uuid import UUID

from aiohttp import web

from node.application import CoopNode
from node.auth import CARE, Principal
from node.errors import UnknownMember, UnknownVisit
from node.http.concerns import (
    NewConcern,
    NotTheirVisit,
    is_on_visit,
    my_concerns,
    raise_concern,
)
from node.http.context import NODE, run, write
from node.http.field_errors import checked, filled, form_page
from node.http.incidents import handles_concerns
from node.http.pages import signed_in
from node.visits import Visit
from toolkit.aggregates import ids_with
from toolkit.web.i18n import N_

concern_pages = web.RouteTableDef()
NEW = "/concerns/new"
DONE = {
    "raised": N_(
        "Thank you: it is recorded. A safeguarding concern is told at once to "
        "those who handle them."
    )
}
HINTS = {
    "kind": N_("Choose whether it is a safeguarding concern or an incident."),
    "description": N_("Write what you saw or heard (4000 characters at most)."),
    "visit": N_("Choose a visit of yours from the list, or no visit."),
    "person": N_("Choose the person from the list, or nobody."),
    "someone": N_("Describe them in 200 characters at most."),
}
RECENT_VISITS = 40  # the visits offered: the latest scheduled, up to today
SERVICE_USER = "service_user"


def visit_label(app: CoopNode, visit: Visit) -> str:
    """A visit as people know it: whose, and when (as the visits page shows it)."""
    name = app.member(visit.service_user).name
    return f"{name}, {visit.scheduled_for.strftime('%a %d %b %Y %H:%M')}"


def recent_visits(app: CoopNode, who: Principal) -> list[tuple[UUID, str]]:
    """The visits a concern may be about, latest first: of the last
    ``RECENT_VISITS`` scheduled, those due by the end of today and, for a
    member, those they are on (only their ids are read for the rest)."""
    latest = deque(dict.fromkeys(ids_with(app, Visit.Scheduled.TOPIC)), RECENT_VISITS)
    visits = [app.visit(i) for i in latest]
    today = dt.date.today()
    due = [
        v
        for v in visits
        if v.scheduled_for.date() <= today
        and (who.role in CARE or is_on_visit(v, who.member_id))
    ]
    due.sort(key=lambda v: v.scheduled_for.timestamp(), reverse=True)
    return [(v.id, visit_label(app, v)) for v in due]


def _new_context(app: CoopNode, who: Principal) -> dict[str, Any]:
    people = sorted(
        (m for m in app.members() if m.is_admitted and m.member_class == SERVICE_USER),
        key=lambda m: m.name.casefold(),
    )
    return {
        "visits": recent_visits(app, who),
        "people": [(m.id, m.name) for m in people if m.id != who.member_id],
        "form": {"kind": "safeguarding"},
    }


def _mine_context(app: CoopNode, who: Principal) -> dict[str, Any]:
    assert who.member_id is not None
    return {
        "concerns": my_concerns(app, who.member_id).items,
        "handles": handles_concerns(app, who),
    }


new_page = partial(form_page, "concern_new.html", _new_context, {})
mine_page = partial(form_page, "concerns.html", _mine_context, DONE)


@concern_pages.get("/concerns")
async def concerns(request: web.Request) -> web.Response:
    who = signed_in(request)
    if who.member_id is None:  # the admin raises, but has no concerns of its own
        raise web.HTTPSeeOther("/staff/concerns")
    return await mine_page(request, who)


@concern_pages.get(NEW)
async def new_concern(request: web.Request) -> web.Response:
    who = signed_in(request)
    return await new_page(request, who)


@concern_pages.post(NEW)
async def post_concern(request: web.Request) -> web.Response:
    who = signed_in(request)
    names = ("kind", "description", "visit", "person", "someone")
    form = filled(await request.post(), names)
    body, errors = checked(NewConcern, form, HINTS)
    if body is None:
        return await new_page(request, who, status=400, errors=errors, form=form)
    app = request.app[NODE].coop_node
    try:
        incident_id = await write(request, raise_concern, app, who, body)
    except (NotTheirVisit, UnknownVisit):
        errors = {"visit": HINTS["visit"]}
        return await new_page(request, who, status=409, errors=errors, form=form)
    except UnknownMember:
        errors = {"person": HINTS["person"]}
        return await new_page(request, who, status=409, errors=errors, form=form)
    # Who handles concerns goes on to the one just raised; anyone else to
    # where they follow theirs.
    if await run(request, handles_concerns, app, who):
        raise web.HTTPSeeOther(f"/staff/concerns/{incident_id}?done=raised#done")
    raise web.HTTPSeeOther("/concerns?done=raised#done")
