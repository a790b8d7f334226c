"""Erasing a person (node.erasure): on the API, and from the member's record page
(``/staff/members/{id}``, node.http.board_pages), by the board or the co-op's
data protection lead (node.leads), whatever their role.

The record page then says which of the person's keys were destroyed and which
are kept until when; everywhere else the person's name reads "erased".
"""

import datetime as dt
from typing import Literal
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import BOARD, Principal
from node.erasure import ERASURE_REASONS, Erasure
from node.errors import AlreadyErased, DomainError, StillAMember
from node.http.board_forms import Invalid, Problem, posted
from node.http.board_pages import may_erase, record_page
from node.http.context import NODE, write
from node.http.field_errors import path_id
from node.http.guard import principal
from node.http.pages import signed_in
from toolkit.web.errors import forbidden
from toolkit.web.i18n import N_
from toolkit.web.routes import Api, path_uuid

api = Api()
erasure_pages = web.RouteTableDef()

Reason = Literal["requested", "consent_withdrawn", "no_longer_needed"]


class ErasureRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: Reason = "requested"


class ErasureView(msgspec.Struct, frozen=True):
    member_id: UUID
    erased_on: dt.date
    # The categories of personal data whose key is destroyed now, and those
    # (care records) kept until their retention period ends.
    destroyed: list[str]
    kept_until: dict[str, dt.date]


def erase(app: CoopNode, member_id: UUID, who: Principal, reason: str) -> ErasureView:
    erasure: Erasure = app.erase_person(member_id, who.member_id, reason)
    return ErasureView(
        erasure.subject, erasure.erased_on, erasure.destroyed, erasure.kept
    )


@api.route(
    "POST",
    "/api/members/{id}/erase",
    summary="Erase someone no longer a member: their personal data now, their "
    "care records when the retention period ends (board or data protection lead)",
    tag="members",
    body=ErasureRequest,
    response=ErasureView,
    params={"id": UUID},
    roles=BOARD,
    errors=(404, 409),
)
async def erase_member(request: web.Request, body: ErasureRequest) -> ErasureView:
    who = principal(request)
    member_id = path_uuid(request)
    app = request.app[NODE].coop_node
    if not may_erase(app, who):
        raise forbidden(f"a {who.role} may not erase people's data")
    return await write(request, erase, app, member_id, who, body.reason)


@erasure_pages.post("/staff/members/{id}/erase")
async def erase_from_record(request: web.Request) -> web.Response:
    who = signed_in(request)
    app = request.app[NODE].coop_node
    if not may_erase(app, who):
        raise web.HTTPForbidden(
            text="This is for the board and the data protection lead.",
            content_type="text/plain",
        )
    member_id = path_id(request, N_("No such member."))
    form = await posted(request)
    try:
        reason = form.get("reason", "")
        if reason not in ERASURE_REASONS:
            raise Invalid("reason", Problem(N_("Choose why the data is erased.")))
        if form.get("erase_confirm") != "yes":
            raise Invalid(
                "erase_confirm", Problem(N_("Tick the box to confirm the erasure."))
            )
        await write(request, erase, app, member_id, who, reason)
    except Invalid as error:
        return await record_page(request, member_id, 400, error.problems, form)
    except (StillAMember, AlreadyErased, DomainError) as error:
        problem = Problem(
            N_("A member must withdraw before their data can be erased.")
            if isinstance(error, StillAMember)
            else N_("This person has been erased already.")
        )
        return await record_page(request, member_id, 409, {"erase_confirm": problem})
    raise web.HTTPSeeOther(f"/staff/members/{member_id}?done=erased#done")
