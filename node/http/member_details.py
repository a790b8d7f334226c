"""The member's details page: correct their own email, phone and address, and
leave the co-op (after saying they understand what it means); and their access
tokens, listed on the devices page, where a lost one is revoked.

Contact details are personal data: the event that records a correction is in
no sharing rule, so it stays in the node (node.membership).
"""

from functools import partial
from typing import Any
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.errors import DomainError
from node.http.audit import audited
from node.http.context import NODE, write
from node.http.field_errors import form_page, trimmed
from node.http.guard import COOKIE, SESSION
from node.http.member_pages import member_id_of
from node.http.members import (
    CONTACT_HINTS,
    ContactDetails,
    correct_contact,
    member_view,
    token_view,
)
from node.http.pages import render, status_of
from toolkit.web.errors import invalid_input
from toolkit.web.i18n import N_

member_details = web.RouteTableDef()
UNDERSTOOD = "understood"
CONTACT = ("name", "email", "phone", "address")
DONE = {"corrected": N_("Your details are saved.")}
NOT_UNDERSTOOD = N_("Tick the box to say you understand, or keep your membership.")
NOT_ENDED = N_("Your membership could not be ended: ask the co-op office.")


def details_context(app: CoopNode, member_id: UUID) -> dict[str, Any]:
    member = member_view(app.member(member_id))
    form = {name: getattr(member, name) for name in CONTACT}
    return {"member": member, "form": form}


details_page = partial(form_page, "member_details.html", details_context, DONE)


@member_details.get("/details")
async def details(request: web.Request) -> web.Response:
    member_id = member_id_of(request)
    page = await details_page(request, member_id)
    await audited(request, member_id, "contact_details")
    return page


@member_details.post("/details")
async def correct(request: web.Request) -> web.Response:
    member_id = member_id_of(request)
    form = trimmed(await request.post(), CONTACT)
    given = {k: v for k, v in form.items() if v or k != "name"}  # blank: unchanged
    try:
        body = msgspec.convert(given, ContactDetails)
    except msgspec.ValidationError as error:
        named = invalid_input(error, "form").detail.field
        field = named if named in CONTACT_HINTS else "email"
        return await details_page(
            request,
            member_id,
            status=400,
            form=form,
            errors={field: CONTACT_HINTS[field]},
        )
    app = request.app[NODE].coop_node
    await write(request, correct_contact, app, member_id, body, member_id)
    raise web.HTTPSeeOther("/details?done=corrected")


@member_details.post("/details/withdraw")
async def withdraw(request: web.Request) -> web.Response:
    member_id = member_id_of(request)
    posted = await request.post()
    if posted.get(UNDERSTOOD) != "yes":
        errors = {UNDERSTOOD: NOT_UNDERSTOOD}
        return await details_page(request, member_id, status=400, errors=errors)
    app = request.app[NODE].coop_node
    try:
        await write(request, app.withdraw_member, member_id, None)
    except DomainError as error:
        errors = {UNDERSTOOD: NOT_ENDED}
        return await details_page(
            request, member_id, status=status_of(error), errors=errors
        )
    # Membership over, the session is too: the browser forgets it.
    if secret := request.get(SESSION):
        await write(request, app.end_session, secret)
    response = web.HTTPSeeOther("/withdrawn")
    response.del_cookie(COOKIE, path="/")
    raise response


@member_details.get("/withdrawn")
async def withdrawn(request: web.Request) -> web.Response:
    return render(request, "member_withdrawn.html")


# Tokens, on the devices page (node.http.sign_in_pages)


def my_tokens(app: CoopNode, member_id: UUID | None) -> list[Any]:
    """The member's tokens, newest first, without their secrets."""
    if member_id is None:
        return []
    return [token_view(t) for t in app.tokens_of(member_id)][::-1]


@member_details.post("/devices/tokens/{id}/revoke")
async def revoke(request: web.Request) -> web.Response:
    member_id = member_id_of(request)
    try:
        token_id = UUID(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound(text="No such token.") from None
    app = request.app[NODE].coop_node

    def command() -> None:
        if token_id not in {t.id for t in app.tokens_of(member_id)}:
            raise web.HTTPNotFound(text="No such token.")
        app.revoke_token(token_id)

    await write(request, command)
    raise web.HTTPSeeOther("/devices?revoked=1")
