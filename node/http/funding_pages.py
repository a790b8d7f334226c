"""The coordinator's funding pages (coordinator and admin): who pays for each
service user's care, a form to record a new arrangement from a day, and per
person the hours commissioned against those delivered, by week and by month.

The form is checked by the API's own body (node.http.funding) and runs the same
command; a refusal is said beside its field, naming the person, and the form
keeps what was typed. Every write redirects to the page.
"""

import datetime as dt
from functools import partial
from typing import Any

from aiohttp import web

from node.application import CoopNode
from node.auth import CARE
from node.funding import FUNDER_TYPES
from node.http.audit import audited
from node.http.context import NODE, run
from node.http.coordinator_forms import (
    NO_SUCH_RECORD,
    Refused,
    minutes_of,
    parsed,
    run_form,
    typed_page,
)
from node.http.field_errors import path_id
from node.http.funding import NewArrangement, arrange, funding_summaries, funding_view
from node.http.pages import render, signed_in
from node.membership import Member
from toolkit.web.i18n import N_

funding_pages = web.RouteTableDef()
PAGE = "/staff/funding"
SERVICE_USER = "service_user"
DONE = {"arranged": N_("Funding recorded.")}
HINTS = {
    "service_user": N_("Choose the person whose care is funded."),
    "funder": N_("Choose who pays."),
    "weekly_hours": N_("Write the hours a week as 10, 7.5 or 7:30 (168 at most)."),
    "starts_on": N_("Write the day it starts, or leave it blank for today."),
    "funder_name": N_("The funder's name is too long (200 characters at most)."),
    "reference": N_("The reference is too long (100 characters at most)."),
}


def service_users(app: CoopNode) -> list[Member]:
    """Admitted service users by name; every admitted member where the co-op's
    rules have no service-user class."""
    admitted = [m for m in app.members() if m.is_admitted]
    users = [m for m in admitted if m.member_class == SERVICE_USER] or admitted
    return sorted(users, key=lambda m: m.name.casefold())


def _funding_context(app: CoopNode) -> dict[str, Any]:
    summaries = {s.service_user: s for s in funding_summaries(app, dt.date.today())}
    users = service_users(app)
    funded_elsewhere = [
        app.member(user) for user in summaries if user not in {m.id for m in users}
    ]
    return {
        "people": [(m, summaries.get(m.id)) for m in [*users, *funded_elsewhere]],
        "choices": users,
        "funders": FUNDER_TYPES,
        "today": dt.date.today().isoformat(),
    }


funding_page = partial(typed_page, "coordinator_funding.html", _funding_context, DONE)


@funding_pages.get(PAGE)
async def staff_funding(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    return await funding_page(request)


def record_funding(app: CoopNode, values: dict[str, str]) -> None:
    try:
        weekly = minutes_of(values["weekly_hours"]) if values["weekly_hours"] else None
    except ValueError:
        raise Refused("weekly_hours", HINTS["weekly_hours"], 400) from None
    fields: dict[str, Any] = {**values, "weekly_minutes": weekly}
    del fields["weekly_hours"]
    body = parsed(fields, NewArrangement, HINTS, {"weekly_minutes": "weekly_hours"})
    funding = app.funding_of(body.service_user)
    starts_on = body.starts_on or dt.date.today()
    if funding is not None and starts_on <= funding.arrangements[-1].starts_on:
        message = N_(
            "%(name)s has an arrangement from %(day)s: a new one starts after it."
        )
        raise Refused(
            "starts_on",
            message,
            name=app.member(body.service_user).name,
            day=funding.arrangements[-1].starts_on.isoformat(),
        )
    arrange(app, body)


@funding_pages.post(PAGE)
async def staff_record_funding(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    names = (
        "service_user",
        "funder",
        "weekly_hours",
        "starts_on",
        "funder_name",
        "reference",
    )
    done = f"{PAGE}?done=arranged#done"
    return await run_form(request, funding_page, "arrange", names, done, record_funding)


@funding_pages.get(f"{PAGE}/{{id}}")
async def staff_person_funding(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    person = path_id(request, NO_SUCH_RECORD)
    app = request.app[NODE].coop_node

    def read() -> dict[str, Any]:
        view = funding_view(app, person, dt.date.today())
        return {"person": app.member(person).name, "view": view}

    context = await run(request, read)
    await audited(request, person, "funding")
    return render(request, "coordinator_funding_person.html", **context)
