"""Staff pages for the coordinator (and admin): move scheduled visits, record
them delivered or missed or cancel them, and approve, reject and pay expense
claims. Plain forms that post and redirect; no JavaScript needed, readable on a
phone.

The forms are decoded into the API's own bodies (``Move``, ``Delivery``, ``Miss``,
``Rejection``) and run the API's own commands through ``write``, so a page and
the API cannot disagree about what is valid or who may do it.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

import msgspec
from aiohttp import web
from multidict import MultiDictProxy

from node.access_audit import Reading
from node.application import CoopNode
from node.auth import CARE
from node.errors import DomainError, UnknownVisit
from node.expenses import REJECTION_REASONS, ExpenseClaim
from node.http.audit import audited_all
from node.http.context import NODE, run, write
from node.http.coordinator_forms import Problem, Refused, Typed, parsed, posted
from node.http.error_words import said
from node.http.expenses import (
    Action,
    Rejection,
    claim_readings,
    claim_view,
    decision,
)
from node.http.pages import form_error, render, signed_in, status_of
from node.http.visits import (
    Cancellation,
    Delivery,
    Miss,
    Move,
    cancel,
    deliver,
    miss,
    move,
    visit_view,
)
from node.visits import VISIT_REASONS, Visit
from toolkit.aggregates import ids_with
from toolkit.web.i18n import N_

staff_pages = web.RouteTableDef()
RECENT = 20
HINTS = {
    "worker": N_("Choose who delivered the visit."),
    "minutes": N_("Write the visit's length in whole minutes, 1 to 1440."),
    "service_types": N_("Tick at least one service type."),
    "reason": N_("Choose a reason."),
    "notes": N_("The notes are too long (2000 characters at most)."),
    "note": N_("The note is too long (1000 characters at most)."),
    "started_at": N_("Write the date and time the visit began."),
    "scheduled_for": N_("Write the new date and time."),
}


def _id(request: web.Request) -> UUID:
    try:
        return UUID(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound(text="No such record.") from None


def _filled(form: MultiDictProxy[Any], names: Iterable[str]) -> dict[str, str]:
    """The form's non-blank fields among ``names``: a blank one counts as left out,
    so a required one is reported missing by name."""
    values = {name: str(form.get(name, "")).strip() for name in names}
    return {name: value for name, value in values.items() if value}


def _open_and_ended(
    app: CoopNode, created: str, ending: tuple[str, ...]
) -> tuple[list[UUID], list[UUID]]:
    """Ids of the records still open (oldest first) and of the last ``RECENT`` to
    end (latest first), read from the event log's topics: only the open ones and
    those few are then loaded, however long the co-op's history."""
    ended = list(dict.fromkeys(ids_with(app, *ending)))
    done = set(ended)
    still_open = [i for i in ids_with(app, created) if i not in done]
    return still_open, ended[::-1][:RECENT]


def _visits_context(app: CoopNode) -> dict[str, Any]:
    ending = (Visit.Delivered.TOPIC, Visit.Missed.TOPIC, Visit.Cancelled.TOPIC)
    scheduled, ended = _open_and_ended(app, Visit.Scheduled.TOPIC, ending)
    members = list(app.members())
    recent = [app.visit(i) for i in ended]
    workers = sorted(
        (m for m in members if m.is_admitted),
        key=lambda m: (m.member_class not in ("worker", "volunteer"), m.name),
    )
    return {
        "scheduled": sorted(
            (visit_view(app.visit(i)) for i in scheduled),
            # Visits scheduled without a zone are in the machine's own.
            key=lambda v: v.scheduled_for.astimezone(),
        ),
        "recent": [visit_view(v) for v in recent],
        # What was written when each was delivered or missed (care records).
        "outcome_notes": {v.id: v.outcome_notes for v in recent},
        "names": {m.id: m.name for m in members},
        "workers": workers,
        # Whom a visit may be given to (node.http.rota_forms).
        "carers": [m for m in workers if app.is_carer(m.id)],
        # Whom a visit may be scheduled for: service users first.
        "people": sorted(
            (m for m in members if m.is_admitted),
            key=lambda m: (m.member_class != "service_user", m.name),
        ),
        "service_types": list(app.coop().profile.service_types),
        "reasons": VISIT_REASONS,
    }


async def _page(
    request: web.Request,
    template: str,
    context: Callable[[CoopNode], dict[str, Any]],
    status: int,
    error: str | None,
    shown: Callable[[dict[str, Any]], list[Reading]] | None = None,
    **extra: Any,
) -> web.Response:
    """A care page; ``?done=<id>`` (where a form redirects) marks what was just
    recorded or decided. ``shown`` says which personal records it shows, for
    the access log."""
    data = await run(request, context, request.app[NODE].coop_node)
    if shown is not None:
        await audited_all(request, shown(data))
    done = request.query.get("done")
    return render(request, template, status, error=error, done=done, **data, **extra)


async def visits_page(
    request: web.Request,
    status: int = 200,
    error: str | None = None,
    typed: Typed | None = None,
) -> web.Response:
    """The visits page; ``typed`` is the cancel form refused, kept as typed."""
    return await _page(
        request, "visits.html", _visits_context, status, error, typed=typed
    )


@staff_pages.get("/staff/visits")
async def staff_visits(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    return await visits_page(request)


def started_at(value: str, scheduled_for: dt.datetime) -> dt.datetime:
    """The form's local date and time, in the scheduled time's zone; the
    scheduled time itself when left blank. A visit scheduled without a zone
    (by a script, say) is read in the node machine's own."""
    moment = dt.datetime.fromisoformat(value) if value else scheduled_for
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=scheduled_for.tzinfo)
    return moment if moment.tzinfo else moment.astimezone()


@staff_pages.post("/staff/visits/{id}/deliver")
async def staff_deliver(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    visit_id = _id(request)
    form = await request.post()
    app = request.app[NODE].coop_node
    try:
        visit = await run(request, app.visit, visit_id)
        fields: dict[str, Any] = _filled(form, ("worker", "minutes", "notes"))
        try:
            fields["started_at"] = started_at(
                str(form.get("started_at", "")).strip(), visit.scheduled_for
            )
        except ValueError:
            return await visits_page(request, 400, HINTS["started_at"])
        fields["service_types"] = [str(t) for t in form.getall("service_types", [])]
        body = msgspec.convert(fields, Delivery, strict=False)
        await write(request, deliver, app, visit_id, body)
    except msgspec.ValidationError as error:
        return await visits_page(request, 400, form_error(error, HINTS))
    except DomainError as error:
        return await visits_page(request, status_of(error), said(error))
    raise web.HTTPSeeOther(f"/staff/visits?done={visit_id}#done")


@staff_pages.post("/staff/visits/{id}/reschedule")
async def staff_reschedule(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    visit_id = _id(request)
    form = await request.post()
    app = request.app[NODE].coop_node
    value = str(form.get("scheduled_for", "")).strip()
    try:
        visit = await run(request, app.visit, visit_id)
        try:
            if not value:
                raise ValueError("blank")  # unlike "began at", there is no default
            moment = started_at(value, visit.scheduled_for)
        except ValueError:
            return await visits_page(request, 400, HINTS["scheduled_for"])
        await write(request, move, app, visit_id, Move(moment))
    except DomainError as error:
        return await visits_page(request, status_of(error), said(error))
    raise web.HTTPSeeOther(f"/staff/visits?done={visit_id}#done")


@staff_pages.post("/staff/visits/{id}/miss")
async def staff_miss(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    visit_id = _id(request)
    form = await request.post()
    app = request.app[NODE].coop_node
    try:
        body = msgspec.convert(_filled(form, ("reason", "notes")), Miss, strict=False)
        await write(request, miss, app, visit_id, body)
    except msgspec.ValidationError as error:
        return await visits_page(request, 400, form_error(error, HINTS))
    except DomainError as error:
        return await visits_page(request, status_of(error), said(error))
    raise web.HTTPSeeOther(f"/staff/visits?done={visit_id}#done")


NOT_SCHEDULED = N_("This visit is no longer scheduled: it cannot be cancelled.")
CANCEL_HINTS = {
    "reason": N_("Choose why the visit is cancelled."),
    "notes": N_("The notes are too long (2000 characters at most)."),
}


@staff_pages.post("/staff/visits/{id}/cancel")
async def staff_cancel(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    visit_id = _id(request)
    values = posted(await request.post(), ("reason", "notes"))
    app = request.app[NODE].coop_node
    form = f"cancel-{visit_id}"
    try:
        body = parsed(values, Cancellation, CANCEL_HINTS)
        # The service user is told by the notifier, which write wakes.
        await write(request, cancel, app, visit_id, body)
    except Refused as refused:
        typed = Typed(form, values, {refused.field: refused.problem})
        return await visits_page(request, refused.status, typed=typed)
    except UnknownVisit:
        raise web.HTTPNotFound(text="No such visit.") from None
    except DomainError as error:
        # Cancelled, delivered or missed meanwhile (its message names it by id).
        typed = Typed(form, values, {"form": Problem(NOT_SCHEDULED)})
        return await visits_page(request, status_of(error), typed=typed)
    raise web.HTTPSeeOther(f"/staff/visits?done={visit_id}#done")


def _expenses_context(app: CoopNode) -> dict[str, Any]:
    ending = (ExpenseClaim.Rejected.TOPIC, ExpenseClaim.Paid.TOPIC)
    still_open, ended = _open_and_ended(app, ExpenseClaim.Claimed.TOPIC, ending)
    claims = [claim_view(app.expense_claim(i)) for i in still_open]
    return {
        "claimed": [c for c in claims if c.status == "claimed"],
        "approved": [c for c in claims if c.status == "approved"],
        "recent": [claim_view(app.expense_claim(i)) for i in ended],
        "names": {m.id: m.name for m in app.members()},
        "reasons": REJECTION_REASONS,
    }


async def expenses_page(
    request: web.Request,
    status: int = 200,
    error: str | None = None,
    shown: Callable[[dict[str, Any]], list[Reading]] | None = None,
) -> web.Response:
    return await _page(
        request, "expenses.html", _expenses_context, status, error, shown
    )


def _claims_shown(data: dict[str, Any]) -> list[Reading]:
    return claim_readings([*data["claimed"], *data["approved"], *data["recent"]])


@staff_pages.get("/staff/expenses")
async def staff_expenses(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    # Recorded here, where the claims are opened; shown again beside a refused
    # form, they are what the reader had already opened.
    return await expenses_page(request, shown=_claims_shown)


@staff_pages.post("/staff/expenses/{id}/{action:approve|reject|pay}")
async def staff_decide(request: web.Request) -> web.Response:
    who = signed_in(request, CARE)
    claim_id = _id(request)
    action: Action = msgspec.convert(request.match_info["action"], Action)
    form = await request.post()
    app = request.app[NODE].coop_node
    try:
        if action == "reject":
            body = msgspec.convert(
                _filled(form, ("reason", "note")), Rejection, strict=False
            )
            args: tuple[object, ...] = (body.reason, body.note, body.on)
        else:
            args = (None,)  # decided or paid today
        await write(request, decision, app, claim_id, who.member_id, action, *args)
    except msgspec.ValidationError as error:
        return await expenses_page(request, 400, form_error(error, HINTS))
    except DomainError as error:
        return await expenses_page(request, status_of(error), said(error))
    raise web.HTTPSeeOther(f"/staff/expenses?done={claim_id}#done")
