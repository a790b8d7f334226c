"""The rota page's forms (node.http.rota_pages): weekly visits booked, given to
another worker or ended; a carer's hours and leave; a visit given to a worker
(from the rota page or the visits page). Each is decoded into the API's own body
and runs the API's own command (node.http.rota, node.http.visits); a clash is
said beside the worker's field, naming its days and times.
"""

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from aiohttp import web

from node.application import CoopNode
from node.auth import CARE
from node.errors import DomainError, RotaClash
from node.http.context import NODE, write
from node.http.coordinator_forms import Problem, Refused, Typed, parsed, posted
from node.http.error_words import said
from node.http.pages import signed_in, status_of
from node.http.rota import (
    Availability,
    NewLeave,
    NewPattern,
    PatternChange,
    PatternEnd,
    SlotBody,
    add_leave,
    book_weekly,
    change_weekly,
    end_weekly,
    remove_leave,
    set_hours,
)
from node.http.rota_pages import PAGE, WEEKDAYS, clash_problem, rota_page
from node.http.staff_pages import visits_page
from node.http.visits import Assignment, assign
from toolkit.web.i18n import N_

rota_forms = web.RouteTableDef()
HINTS = {
    "service_user": N_("Choose who the visits are for."),
    "weekdays": N_("Tick at least one day of the week."),
    "time": N_("Write the time of the visits."),
    "first_day": N_("Write the first day."),
    "last_day": N_("Write the last day, at most 26 weeks after the first."),
    "service_types": N_("Tick at least one service."),
    "worker": N_("Choose a worker or volunteer, or nobody."),
    "planned_minutes": N_("Write the visit's length in whole minutes, 1 to 1440."),
    "address": N_("The address is too long (500 characters at most)."),
    "notes": N_("The notes are too long (2000 characters at most)."),
    "from_day": N_("Write the day it starts from."),
    "reason": N_("Choose a reason."),
    "kind": N_("Choose the kind of leave."),
}
BOTH_TIMES = N_("Write both times for that day, or neither.")
CLOCK = N_("Write the time as hours and minutes, like 08:30.")
START_BEFORE_END = N_("The hours must start before they end.")
# A refused page, shown again: (request, status, the form as typed).
Page = Callable[[web.Request, int, Typed], Awaitable[web.Response]]


def _id(request: web.Request, name: str = "id") -> UUID:
    try:
        return UUID(request.match_info[name])
    except ValueError:
        raise web.HTTPNotFound(text="No such record.") from None


async def _run(
    request: web.Request,
    typed: Typed,
    done: str,
    command: Callable[..., Any],
    *args: Any,
    page: Page = rota_page,
) -> web.Response:
    """Run ``command(app, *args)`` and redirect to ``done``; when refused,
    ``page`` again with what was typed and the problem beside its field (a
    clash beside the worker's)."""
    app = request.app[NODE].coop_node
    problem: tuple[str, Problem, int] | None = None
    try:
        await write(request, command, app, *args)
    except Refused as refused:
        problem = (refused.field, refused.problem, refused.status)
    except RotaClash as clash:
        problem = ("worker", clash_problem(request, clash), status_of(clash))
    except DomainError as error:
        problem = ("form", Problem(said(error)), status_of(error))
    if problem is None:
        raise web.HTTPSeeOther(done)
    field, said_, status = problem
    typed.errors[field] = said_
    return await page(request, status, typed)


@rota_forms.post(PAGE + "/patterns")
async def book_pattern(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    form = await request.post()
    names = ("service_user", "time", "first_day", "last_day", "worker")
    values = posted(form, (*names, "planned_minutes", "address", "notes"))
    weekdays = [str(d) for d in form.getall("weekdays", [])]
    services = [str(s) for s in form.getall("service_types", [])]
    typed = Typed(
        "pattern",
        {**values, "weekdays": ",".join(weekdays), "services": ",".join(services)},
        {},
    )
    zone = request.app[NODE].config.locale.time_zone
    try:
        body = parsed(
            {**values, "weekdays": weekdays, "service_types": services},
            NewPattern,
            HINTS,
        )
    except Refused as refused:
        typed.errors[refused.field] = refused.problem
        return await rota_page(request, refused.status, typed)
    return await _run(
        request, typed, f"{PAGE}?done=booked#done", book_weekly, body, zone
    )


@rota_forms.post(PAGE + "/patterns/{id}/reassign")
async def reassign_pattern(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    pattern_id = _id(request)
    values = posted(await request.post(), ("worker", "from_day"))
    typed = Typed(f"reassign-{pattern_id}", values, {})
    done = f"{PAGE}?done=reassigned#done"

    def command(app: CoopNode) -> None:
        change_weekly(app, pattern_id, parsed(values, PatternChange, HINTS))

    return await _run(request, typed, done, command)


@rota_forms.post(PAGE + "/patterns/{id}/end")
async def end_pattern(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    pattern_id = _id(request)
    values = posted(await request.post(), ("from_day", "reason"))
    typed = Typed(f"end-{pattern_id}", values, {})

    def command(app: CoopNode) -> None:
        end_weekly(app, pattern_id, parsed(values, PatternEnd, HINTS))

    return await _run(request, typed, f"{PAGE}?done=ended#done", command)


@rota_forms.post(PAGE + "/carers/{id}/availability")
async def set_availability(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    member_id = _id(request)
    names = [f"{edge}_{day}" for day in WEEKDAYS for edge in ("starts", "ends")]
    values = posted(await request.post(), names)
    typed = Typed(f"hours-{member_id}", values, {})
    zone = request.app[NODE].config.locale.time_zone

    def command(app: CoopNode) -> None:
        slots = []
        for day in WEEKDAYS:
            starts, ends = values[f"starts_{day}"], values[f"ends_{day}"]
            if not starts and not ends:
                continue
            if not starts or not ends:
                raise Refused(f"starts_{day}", BOTH_TIMES, 400)
            slot = parsed(
                {"weekday": day, "starts": starts, "ends": ends},
                SlotBody,
                {f"starts_{day}": CLOCK, f"ends_{day}": CLOCK},
                renamed={"starts": f"starts_{day}", "ends": f"ends_{day}"},
            )
            if slot.starts >= slot.ends:
                raise Refused(f"starts_{day}", START_BEFORE_END, 400)
            slots.append(slot)
        set_hours(app, member_id, Availability(slots), zone)

    return await _run(request, typed, f"{PAGE}?done=hours#done", command)


@rota_forms.post(PAGE + "/carers/{id}/leave")
async def take_leave(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    member_id = _id(request)
    values = posted(await request.post(), ("kind", "first_day", "last_day"))
    typed = Typed(f"leave-{member_id}", values, {})
    zone = request.app[NODE].config.locale.time_zone

    def command(app: CoopNode) -> None:
        add_leave(app, member_id, parsed(values, NewLeave, HINTS), zone)

    return await _run(request, typed, f"{PAGE}?done=leave#done", command)


@rota_forms.post(PAGE + "/carers/{id}/leave/{leave}/remove")
async def remove(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    member_id, leave_id = _id(request), _id(request, "leave")
    typed = Typed(f"leave-{member_id}", {}, {})
    done = f"{PAGE}?done=removed#done"
    return await _run(request, typed, done, remove_leave, member_id, leave_id)


async def _visits_again(
    request: web.Request, status: int, typed: Typed
) -> web.Response:
    return await visits_page(request, status, typed=typed)


@rota_forms.post("/staff/visits/{id}/assign")
async def assign_visit(request: web.Request) -> web.Response:
    """From the visits page, or from the rota page (``back=rota``)."""
    signed_in(request, CARE)
    visit_id = _id(request)
    form = await request.post()
    values = posted(form, ("worker",))
    typed = Typed(f"assign-{visit_id}", values, {})
    page: Page = _visits_again
    done = f"/staff/visits?done={visit_id}#done"
    if form.get("back") == "rota":
        page, done = rota_page, f"{PAGE}?done=assigned#done"

    def command(app: CoopNode) -> None:
        assign(app, visit_id, parsed(values, Assignment, HINTS))

    return await _run(request, typed, done, command, page=page)
