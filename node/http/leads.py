"""The co-op's leads (node.leads): who the board has named safeguarding lead and
data protection lead. Staff see them; the board names or replaces them, on the
API and on ``/staff/leads``.
"""

from functools import partial
from typing import Any
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import BOARD, STAFF
from node.http.context import NODE, run, write
from node.http.coordinator_forms import Refused, parsed, run_form, typed_page
from node.http.guard import require
from node.http.pages import signed_in
from node.leads import DUTIES, Duty
from toolkit.web.i18n import N_
from toolkit.web.routes import Api

api = Api()
lead_pages = web.RouteTableDef()
PAGE = "/staff/leads"
DONE = {"named": N_("The lead is named.")}
HINTS = {"member": N_("Choose a member, or nobody.")}


class LeadsView(msgspec.Struct, frozen=True):
    safeguarding: UUID | None
    data_protection: UUID | None


class Designation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    member: UUID | None = None  # nobody: the duty is left without a lead


def leads_view(app: CoopNode) -> LeadsView:
    return LeadsView(app.lead("safeguarding"), app.lead("data_protection"))


@api.route(
    "GET",
    "/api/leads",
    summary="The co-op's safeguarding lead and data protection lead (staff)",
    tag="leads",
    response=LeadsView,
    roles=STAFF,
)
async def list_leads(request: web.Request) -> LeadsView:
    require(request, STAFF, "see the co-op's leads")
    return await run(request, leads_view, request.app[NODE].coop_node)


@api.route(
    "PUT",
    "/api/leads/{duty}",
    summary="Name a member lead for a duty, or nobody (board)",
    tag="leads",
    body=Designation,
    response=LeadsView,
    params={"duty": str},
    roles=BOARD,
    errors=(404, 409),
)
async def designate_lead(request: web.Request, body: Designation) -> LeadsView:
    who = require(request, BOARD, "name the co-op's leads")
    duty = duty_of(request)
    app = request.app[NODE].coop_node

    def command() -> LeadsView:
        app.designate_lead(duty, body.member, who.member_id)
        return leads_view(app)

    return await write(request, command)


def duty_of(request: web.Request) -> Duty:
    duty = request.match_info["duty"]
    if duty not in DUTIES:
        raise web.HTTPNotFound(text=f"no duty {duty!r}; duties: {', '.join(DUTIES)}")
    return duty  # type: ignore[return-value]  # checked against DUTIES just above


def _leads_context(app: CoopNode) -> dict[str, Any]:
    members = sorted(
        (m for m in app.members() if m.is_admitted), key=lambda m: m.name.casefold()
    )
    names = {m.id: m.name for m in members}
    return {
        "duties": [(d, app.lead(d)) for d in DUTIES],  # type: ignore[arg-type]
        "names": names,
        "members": members,
    }


leads_page = partial(typed_page, "leads.html", _leads_context, DONE)


@lead_pages.get(PAGE)
async def staff_leads(request: web.Request) -> web.Response:
    signed_in(request, STAFF)
    return await leads_page(request)


def name_lead(
    app: CoopNode, duty: Duty, by: UUID | None, values: dict[str, str]
) -> None:
    body = parsed(values, Designation, HINTS)
    if body.member is not None and not app.member(body.member).is_admitted:
        message = N_("%(name)s is not an admitted member.")
        raise Refused("member", message, name=app.member(body.member).name)
    app.designate_lead(duty, body.member, by)


@lead_pages.post(PAGE + "/{duty}")
async def staff_name_lead(request: web.Request) -> web.Response:
    who = signed_in(request, BOARD)
    duty = duty_of(request)
    done = f"{PAGE}?done=named#done"
    return await run_form(
        request, leads_page, duty, ("member",), done, name_lead, duty, who.member_id
    )
