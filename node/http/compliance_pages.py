"""The compliance pages: the coordinator's ``/staff/compliance`` (every carer,
what they hold, what expires within 30 days, what is expired or missing; what
each service type requires), a page per carer to record a check, the induction
or a training (or take one recorded by mistake off), and a carer's own record
at ``/compliance``.

The forms are checked by the API's own bodies and run its own commands
(node.http.compliance); a refusal is said beside its field. Every write
redirects to the page.
"""

import datetime as dt
from functools import partial
from typing import Any, NamedTuple
from uuid import UUID

from aiohttp import web

from node.application import CoopNode
from node.auth import CARE
from node.compliance import CHECK_KINDS, TRAININGS, Lack
from node.http.audit import audited
from node.http.compliance import (
    CheckRecord,
    ComplianceView,
    Induction,
    Needs,
    Removal,
    TrainingRecord,
    carers_view,
    compliance_view,
    record_check,
    record_induction,
    record_training,
    remove,
    requirements_view,
    set_needs,
)
from node.http.context import NODE, run
from node.http.coordinator_forms import (
    NO_SUCH_RECORD,
    FormPage,
    Refused,
    parsed,
    run_form,
    typed_page,
)
from node.http.field_errors import path_id
from node.http.member_pages import member_id_of
from node.http.pages import render, signed_in
from toolkit.web.i18n import N_

compliance_pages = web.RouteTableDef()
PAGE = "/staff/compliance"
DONE = {
    "requirements": N_("Requirements saved."),
    "check": N_("Check recorded."),
    "training": N_("Training recorded."),
    "induction": N_("Induction recorded."),
    "removed": N_("Taken off the record."),
}
HINTS = {
    "kind": N_("Choose a kind of check."),
    "name": N_("Choose a training."),
    "done_on": N_("Write the day it was done."),
    "expires_on": N_("Write the day it expires, or leave it blank if it does not."),
    "certificate": N_("The reference is too long (200 characters at most)."),
    "entry": N_("Choose what to take off."),
    "reason": N_("The reason is too long (200 characters at most)."),
}
EXPIRES_FIRST = N_("It cannot expire before the day it was done.")
CHECK_FIELDS = tuple(f"check_{k}" for k in CHECK_KINDS)
TRAINING_FIELDS = tuple(f"training_{t}" for t in TRAININGS)


def _names(app: CoopNode) -> dict[UUID, str]:
    return {m.id: m.name for m in app.members()}


class Summary(NamedTuple):
    """A carer on the compliance page: (item, kind) of what they hold valid
    today, what of it expires within 30 days, and what they lack."""

    carer: ComplianceView
    held: list[tuple[str, str]]
    expiring: list[tuple[str, str, dt.date | None]]
    lacks: list[Lack]


def summary(app: CoopNode, carer: ComplianceView, today: dt.date) -> Summary:
    rows = [("check", h) for h in carer.checks]
    rows += [("training", h) for h in carer.trainings]
    services = app.coop().profile.service_types
    return Summary(
        carer,
        [(item, h.kind) for item, h in rows if h.state in ("valid", "expiring")],
        [(item, h.kind, h.expires_on) for item, h in rows if h.state == "expiring"],
        app.compliance_lacks(carer.member, services, today),
    )


def _compliance_context(app: CoopNode) -> dict[str, Any]:
    names = _names(app)
    today = dt.date.today()
    carers = sorted(carers_view(app, today), key=lambda c: names[c.member].casefold())
    return {
        "carers": [summary(app, c, today) for c in carers],
        "names": names,
        "requirements": requirements_view(app),
        "check_kinds": CHECK_KINDS,
        "trainings": TRAININGS,
    }


compliance_page = partial(typed_page, "compliance.html", _compliance_context, DONE)


@compliance_pages.get(PAGE)
async def staff_compliance(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    return await compliance_page(request)


def save_requirements(app: CoopNode, service_type: str, values: dict[str, str]) -> None:
    needs = Needs(
        checks=[k for k in CHECK_KINDS if values.get(f"check_{k}")],  # type: ignore[misc]
        trainings=[t for t in TRAININGS if values.get(f"training_{t}")],  # type: ignore[misc]
    )
    set_needs(app, service_type, needs)


@compliance_pages.post(f"{PAGE}/requirements/{{service_type}}")
async def staff_requirements(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    service_type = request.match_info["service_type"]
    if service_type not in request.app[NODE].coop_node.coop().profile.service_types:
        raise web.HTTPNotFound(text="No such service.")
    done = f"{PAGE}?done=requirements#done"
    return await run_form(
        request,
        compliance_page,
        f"needs-{service_type}",
        CHECK_FIELDS + TRAINING_FIELDS,
        done,
        save_requirements,
        service_type,
    )


# One carer's page.


def _carer_context(app: CoopNode, member_id: UUID) -> dict[str, Any]:
    today = dt.date.today()
    return {
        "summary": summary(app, compliance_view(app, member_id, today), today),
        "carer_name": app.member(member_id).name,
        "check_kinds": CHECK_KINDS,
        "trainings": TRAININGS,
        "today": today.isoformat(),
    }


def carer_page(member_id: UUID) -> FormPage:
    context = partial(_carer_context, member_id=member_id)
    return partial(typed_page, "compliance_carer.html", context, DONE)


@compliance_pages.get(f"{PAGE}/{{id}}")
async def staff_carer(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    member_id = path_id(request, NO_SUCH_RECORD)
    context = partial(_carer_context, member_id=member_id)
    page = await typed_page("compliance_carer.html", context, DONE, request)
    await audited(request, member_id, "compliance")
    return page


def _dated(values: dict[str, str], into: type[Any]) -> Any:
    body = parsed(values, into, HINTS)
    expires_on = getattr(body, "expires_on", None)
    if expires_on is not None and expires_on < body.done_on:
        raise Refused("expires_on", EXPIRES_FIRST, 400)
    return body


def check_form(app: CoopNode, member_id: UUID, values: dict[str, str]) -> None:
    record_check(app, member_id, _dated(values, CheckRecord))


def training_form(app: CoopNode, member_id: UUID, values: dict[str, str]) -> None:
    record_training(app, member_id, _dated(values, TrainingRecord))


def induction_form(app: CoopNode, member_id: UUID, values: dict[str, str]) -> None:
    record_induction(app, member_id, _dated(values, Induction))


def removal_form(app: CoopNode, member_id: UUID, values: dict[str, str]) -> None:
    item, _, kind = values["entry"].partition(":")
    fields = {"item": item, "kind": kind, "reason": values["reason"]}
    remove(app, member_id, parsed(fields, Removal, HINTS, {"item": "entry"}))


FORMS = {
    "checks": ("check", ("kind", "done_on", "certificate", "expires_on"), check_form),
    "trainings": ("training", ("name", "done_on", "expires_on"), training_form),
    "induction": ("induction", ("done_on",), induction_form),
    "removals": ("removed", ("entry", "reason"), removal_form),
}


@compliance_pages.post(f"{PAGE}/{{id}}/{{form}}")
async def staff_record(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    member_id = path_id(request, NO_SUCH_RECORD)
    form = request.match_info["form"]
    if form not in FORMS:
        raise web.HTTPNotFound(text=NO_SUCH_RECORD)
    done_key, names, command = FORMS[form]
    done = f"{PAGE}/{member_id}?done={done_key}#done"
    return await run_form(
        request, carer_page(member_id), form, names, done, command, member_id
    )


# The carer's own record.


@compliance_pages.get("/compliance")
async def my_compliance(request: web.Request) -> web.Response:
    member_id = member_id_of(request)
    app = request.app[NODE].coop_node
    today = dt.date.today()
    view = await run(request, compliance_view, app, member_id, today)
    services = app.coop().profile.service_types
    lacks = await run(request, app.compliance_lacks, member_id, services, today)
    return render(request, "my_compliance.html", carer=view, lacks=lacks)
