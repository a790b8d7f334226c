"""The coordinator's workers page (coordinator and admin): who is employed and who
has left, a form to hire an admitted member and one to record a worker leaving;
and the volunteers enrolled, with their forms (node.http.volunteers).

The forms are checked by the API's own bodies and run its own commands
(node.http.workforce); a refusal is said beside the field it concerns, naming the
member, and the form keeps what was typed. Every write redirects to the page.
"""

import datetime as dt
from functools import partial
from typing import Any
from uuid import UUID

from aiohttp import web

from node.application import CoopNode
from node.auth import CARE
from node.http.coordinator_forms import (
    NO_SUCH_RECORD,
    Refused,
    parsed,
    run_form,
    typed_page,
)
from node.http.field_errors import path_id
from node.http.pages import signed_in
from node.http.workforce import Hire, Leaving, hire, leave, worker_view
from toolkit.web.i18n import N_

worker_pages = web.RouteTableDef()
PAGE = "/staff/workers"
DONE = {
    "hired": N_("Worker hired."),
    "left": N_("Leaver recorded."),
    "enrolled": N_("Volunteer enrolled."),
    "stood-down": N_("Volunteer stood down."),
}
HINTS = {
    "member": N_("Choose a member."),
    "joined_on": N_("Write the day they started, or leave it blank for today."),
    "left_on": N_("Write the day they left, or leave it blank for today."),
    "reason": N_("The reason is too long (500 characters at most)."),
}


def _workers_context(app: CoopNode) -> dict[str, Any]:
    members = {m.id: m for m in app.members()}
    workers = [worker_view(w) for w in app.workers()]
    employed = {w.member for w in workers if w.employed}
    return {
        "employed": sorted(
            (w for w in workers if w.employed),
            key=lambda w: members[w.member].name.casefold(),
        ),
        "left": sorted(
            (w for w in workers if not w.employed),
            key=lambda w: w.left_on or w.joined_on,
            reverse=True,
        ),
        "names": {i: m.name for i, m in members.items()},
        "hireable": sorted(
            (m for m in members.values() if m.is_admitted and m.id not in employed),
            key=lambda m: m.name.casefold(),
        ),
        # Volunteers (node.http.volunteers): carers, never counted as workers.
        "volunteers": sorted(
            (v for v in app.volunteers() if v.is_enrolled),
            key=lambda v: members[v.member].name.casefold(),
        ),
        "enrollable": sorted(
            (
                m
                for m in members.values()
                if m.is_admitted and app.enrolled_volunteer(m.id) is None
            ),
            key=lambda m: m.name.casefold(),
        ),
        "type_b": app.coop().profile.type_b,
        "today": dt.date.today().isoformat(),
    }


workers_page = partial(typed_page, "coordinator_workers.html", _workers_context, DONE)


@worker_pages.get(PAGE)
async def staff_workers(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    return await workers_page(request)


def hire_member(app: CoopNode, values: dict[str, str]) -> None:
    fields: dict[str, Any] = {**values, "disadvantaged": bool(values["disadvantaged"])}
    body = parsed(fields, Hire, HINTS)
    member = app.member(body.member)
    if not member.is_admitted:
        message = N_("%(name)s is not an admitted member.")
        raise Refused("member", message, name=member.name)
    if any(w.member == body.member and w.is_employed for w in app.workers()):
        message = N_("%(name)s is already employed.")
        raise Refused("member", message, name=member.name)
    hire(app, body)


def record_leaver(app: CoopNode, worker_id: UUID, values: dict[str, str]) -> None:
    body = parsed(values, Leaving, HINTS)
    worker = app.worker(worker_id)
    name = app.member(worker.member).name
    if worker.left_on is not None:
        message = N_("%(name)s already left, on %(day)s.")
        raise Refused("form", message, name=name, day=worker.left_on.isoformat())
    if body.left_on is not None and body.left_on < worker.joined_on:
        message = N_("%(name)s started on %(day)s: they cannot leave before that.")
        raise Refused("left_on", message, 400, name=name, day=worker.joined_on)
    leave(app, worker_id, body)


@worker_pages.post(PAGE)
async def staff_hire(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    names = ("member", "joined_on", "disadvantaged")
    done = f"{PAGE}?done=hired#done"
    return await run_form(request, workers_page, "hire", names, done, hire_member)


@worker_pages.post(f"{PAGE}/{{id}}/leave")
async def staff_leave(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    worker_id = path_id(request, NO_SUCH_RECORD)
    names = ("left_on", "reason")
    form, done = f"leave-{worker_id}", f"{PAGE}?done=left#done"
    return await run_form(
        request, workers_page, form, names, done, record_leaver, worker_id
    )
