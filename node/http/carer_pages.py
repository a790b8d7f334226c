"""The carer's phone: their rounds (``/my-visits``, the next visit first) and one
visit's page, where they start it, end it with the visit note, or record it
missed with the reason, and read what the carers before them wrote.

The forms are decoded into the API's own bodies and run the API's own commands
(node.http.carer_visits), so the page and the API cannot disagree about what is
valid or whose visit it is. Every write redirects to the visit's page; a
refusal is said beside its field, or above the forms.
"""

import datetime as dt
from collections.abc import Callable
from uuid import UUID

from aiohttp import web

from node.application import CoopNode
from node.errors import DomainError
from node.http.audit import audited_all, audited_record
from node.http.carer_visits import (
    Ending,
    Missing,
    end,
    miss,
    my_round_visit,
    my_rounds,
    now_in,
    rounds_read,
    start,
)
from node.http.context import NODE, run, write
from node.http.coordinator_forms import Refused, Typed, parsed, posted
from node.http.error_words import said
from node.http.field_errors import path_id
from node.http.member_pages import member_id_of
from node.http.pages import render, status_of
from node.visits import VISIT_REASONS
from toolkit.web.i18n import N_

carer_pages = web.RouteTableDef()
PAGE = "/my-visits"
NOT_FOUND = N_("There is no such visit.")
DONE = {
    "started": N_("The visit is started. End it here when you leave."),
    "ended": N_("The visit is recorded as delivered. Thank you."),
    "missed": N_("The visit is recorded as missed."),
}
HINTS = {
    "reason": N_("Choose why the visit did not happen."),
    "notes": N_("The note is too long (2000 characters at most)."),
}


@carer_pages.get(PAGE)
async def rounds(request: web.Request) -> web.Response:
    carer = member_id_of(request)
    app = request.app[NODE].coop_node
    now = now_in(request)
    visits = await run(request, my_rounds, app, carer, now)
    await audited_all(request, rounds_read(visits))
    today = [v for v in visits if v.scheduled_for <= _day_end(now)]
    return render(
        request,
        "carer_rounds.html",
        today=today,
        later=visits[len(today) :],
        next_visit=next((v for v in today if v.status == "scheduled"), None),
    )


def _day_end(now: dt.datetime) -> dt.datetime:
    """The last moment of ``now``'s day."""
    return dt.datetime.combine(now.date(), dt.time.max, now.tzinfo)


async def visit_page(
    request: web.Request,
    status: int = 200,
    error: str | None = None,
    typed: Typed | None = None,
) -> web.Response:
    carer = member_id_of(request)
    visit_id = path_id(request, NOT_FOUND)
    app = request.app[NODE].coop_node
    found = await run(request, my_round_visit, app, carer, visit_id, now_in(request))
    if status == 200:  # shown again beside a refused form: read already
        await audited_record(request, "visit_notes", visit_id)
    return render(
        request,
        "carer_visit.html",
        status,
        v=found.visit,
        earlier=found.earlier,
        plan_review=found.plan_review,
        reasons=VISIT_REASONS,
        done=DONE.get(request.query.get("done", "")),
        error=error,
        typed=typed,
    )


@carer_pages.get(f"{PAGE}/{{id}}")
async def visit(request: web.Request) -> web.Response:
    return await visit_page(request)


async def _act(
    request: web.Request,
    form: str,
    names: tuple[str, ...],
    done: str,
    command: Callable[[CoopNode, UUID, UUID, dt.datetime, dict[str, str]], object],
) -> web.Response:
    """Run one of the visit's forms as the signed-in carer, then show the visit
    again; a refusal is shown with what was typed."""
    carer = member_id_of(request)
    visit_id = path_id(request, NOT_FOUND)
    values = posted(await request.post(), names)
    app = request.app[NODE].coop_node
    try:
        await write(request, command, app, carer, visit_id, now_in(request), values)
    except Refused as refused:
        typed = Typed(form, values, {refused.field: refused.problem})
        return await visit_page(request, refused.status, typed=typed)
    except DomainError as error:
        # Another's visit is refused as the API refuses it (403), page and all.
        if status_of(error) in (403, 404):
            raise
        typed = Typed(form, values, {})
        return await visit_page(request, status_of(error), said(error), typed)
    raise web.HTTPSeeOther(f"{PAGE}/{visit_id}?done={done}#done")


def _start(
    app: CoopNode, carer: UUID, visit_id: UUID, now: dt.datetime, _: dict[str, str]
) -> None:
    start(app, carer, visit_id, now)


def _end(
    app: CoopNode, carer: UUID, visit_id: UUID, now: dt.datetime, values: dict[str, str]
) -> None:
    end(app, carer, visit_id, now, parsed(values, Ending, HINTS))


def _miss(
    app: CoopNode, carer: UUID, visit_id: UUID, now: dt.datetime, values: dict[str, str]
) -> None:
    miss(app, carer, visit_id, now, parsed(values, Missing, HINTS))


@carer_pages.post(f"{PAGE}/{{id}}/start")
async def start_visit(request: web.Request) -> web.Response:
    return await _act(request, "start", (), "started", _start)


@carer_pages.post(f"{PAGE}/{{id}}/end")
async def end_visit(request: web.Request) -> web.Response:
    return await _act(request, "end", ("notes",), "ended", _end)


@carer_pages.post(f"{PAGE}/{{id}}/miss")
async def miss_visit(request: web.Request) -> web.Response:
    return await _act(request, "miss", ("reason", "notes"), "missed", _miss)
