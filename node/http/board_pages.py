"""The board's pages: a member's record (correct their contact details, change
their class, withdraw them) and staff access (issue board or coordinator access,
revoke it). The share register is in node.http.share_pages; what the forms share
is in node.http.board_forms.

Every form runs the API's own command (node.http.members) through ``write``, and
answers with a redirect to the page (Post/Redirect/Get) saying what was done;
after a refusal the page is shown again with the problem beside its field and
the form as it was typed. A new token is shown once, on a page the redirect
leads to (as sign-in letters are, node.http.letters): never in a URL, and only
to the board member who issued it.
"""

import datetime as dt
from typing import Any, NamedTuple
from uuid import UUID

from aiohttp import web

from node.application import CoopNode
from node.auth import BOARD, MemberRole, Principal
from node.erasure import ERASURE_REASONS
from node.errors import DomainError, MembershipCapReached, UnknownMember
from node.http.audit import audited
from node.http.board_forms import (
    CHOOSE_MEMBER,
    Invalid,
    Problem,
    Problems,
    day,
    member_choice,
    posted,
)
from node.http.context import NODE, run, write
from node.http.field_errors import checked, filled, path_id
from node.http.guard import principal
from node.http.letters import OneTimeViews
from node.http.members import (
    CONTACT_HINTS,
    ContactDetails,
    correct_contact,
    member_view,
    token_view,
)
from node.http.pages import render, signed_in
from node.http.share_pages import KINDS
from node.http.tokens import BOARD_ISSUES, may_issue, staff_tokens
from node.shares import history
from toolkit.web.errors import ApiError
from toolkit.web.i18n import N_

board_pages = web.RouteTableDef()

DONE = {
    "contact": N_("The member's contact details are saved."),
    "class": N_("The member's class is changed."),
    "withdrawn": N_("The membership is withdrawn."),
    "revoked": N_("That access is revoked."),
    "erased": N_("The person's data is erased."),
}


def done_message(request: web.Request) -> str | None:
    return DONE.get(request.query.get("done", ""))


def may_erase(app: CoopNode, who: Principal) -> bool:
    """The board, or the co-op's data protection lead whatever their role."""
    return who.role in BOARD or app.is_lead("data_protection", who.member_id)


def _record(app: CoopNode, member_id: UUID, who: Principal) -> dict[str, Any]:
    member = app.member(member_id)
    names = {m.id: m.name for m in app.members()}
    register = app.erasure_register()
    return {
        "board": who.role in BOARD,
        "may_erase": may_erase(app, who),
        "reasons": ERASURE_REASONS,
        "erased_on": register.erased.get(member_id),
        "destroyed": sorted(
            (category, on)
            for (subject, category), on in register.destroyed.items()
            if subject == member_id
        ),
        "kept": sorted(
            (category, until)
            for (subject, category), until in register.kept.items()
            if subject == member_id
        ),
        "member": member_view(member),
        "classes": app.coop().profile.class_names,
        "tokens": [token_view(t) for t in app.tokens_of(member_id)],
        "history": history(app.repository.event_store.get(member_id)),
        "names": names,
        "kinds": KINDS,
    }


async def record_page(
    request: web.Request,
    member_id: UUID,
    status: int = 200,
    problems: Problems | None = None,
    form: dict[str, str] | None = None,
) -> web.Response:
    try:
        app = request.app[NODE].coop_node
        data = await run(request, _record, app, member_id, principal(request))
    except UnknownMember:
        raise web.HTTPNotFound(text=N_("No such member.")) from None
    return render(
        request,
        "board_member.html",
        status,
        done=done_message(request) if status == 200 else None,
        problems=problems or {},
        form=form or {},
        today=dt.date.today().isoformat(),
        **data,
    )


@board_pages.get("/staff/members/{id}")
async def member_record(request: web.Request) -> web.Response:
    if not may_erase(request.app[NODE].coop_node, signed_in(request)):
        raise web.HTTPForbidden(
            text="This page is for the board.", content_type="text/plain"
        )
    member_id = path_id(request, N_("No such member."))
    page = await record_page(request, member_id)
    await audited(request, member_id, "member_record")
    return page


async def _member_form(request: web.Request) -> tuple[UUID, dict[str, str]]:
    """The member a board form is about (the board only), and the form as
    posted."""
    signed_in(request, BOARD)
    return path_id(request, N_("No such member.")), await posted(request)


@board_pages.post("/staff/members/{id}/contact")
async def correct_contact_details(request: web.Request) -> web.Response:
    member_id, form = await _member_form(request)
    values = filled(await request.post(), CONTACT_HINTS)
    body, errors = checked(ContactDetails, values, CONTACT_HINTS)
    if body is None:
        problems = {field: Problem(hint) for field, hint in errors.items()}
        return await record_page(request, member_id, 400, problems, form)
    app = request.app[NODE].coop_node
    by = signed_in(request, BOARD).member_id
    try:
        await write(request, correct_contact, app, member_id, body, by)
    except DomainError:
        problem = Problem(N_("A member who has left keeps the details they left with."))
        return await record_page(request, member_id, 409, {"email": problem}, form)
    raise web.HTTPSeeOther(f"/staff/members/{member_id}?done=contact#done")


@board_pages.post("/staff/members/{id}/class")
async def change_class(request: web.Request) -> web.Response:
    member_id, form = await _member_form(request)
    app = request.app[NODE].coop_node
    try:
        on = day(form, "class_on")
        member = await run(request, app.member, member_id)
        to_class = form.get("member_class", "")
        if to_class not in app.coop().profile.class_names:
            raise Invalid("member_class", Problem(N_("Choose one of the classes.")))
        if to_class == member.member_class:
            raise Invalid(
                "member_class",
                Problem(
                    N_("%(name)s is already in that class."), {"name": member.name}
                ),
            )
        await write(request, app.change_member_class, member_id, to_class, on)
    except Invalid as error:
        return await record_page(request, member_id, 400, error.problems, form)
    except MembershipCapReached:
        problem = Problem(N_("The co-op's rules allow no more members in that class."))
        return await record_page(request, member_id, 409, {"member_class": problem})
    except DomainError:
        problem = Problem(N_("Only an admitted member can change class."))
        return await record_page(request, member_id, 409, {"member_class": problem})
    raise web.HTTPSeeOther(f"/staff/members/{member_id}?done=class#done")


@board_pages.post("/staff/members/{id}/withdraw")
async def withdraw(request: web.Request) -> web.Response:
    member_id, form = await _member_form(request)
    app = request.app[NODE].coop_node
    try:
        on = day(form, "withdrawn_on")
        if form.get("confirm") != "yes":
            raise Invalid(
                "confirm", Problem(N_("Tick the box to confirm the withdrawal."))
            )
        await write(request, app.withdraw_member, member_id, on)
    except Invalid as error:
        return await record_page(request, member_id, 400, error.problems, form)
    except DomainError:
        problem = Problem(N_("Only an admitted member can be withdrawn."))
        return await record_page(request, member_id, 409, {"confirm": problem})
    raise web.HTTPSeeOther(f"/staff/members/{member_id}?done=withdrawn#done")


class NewAccess(NamedTuple):
    """A token just issued, waiting to be shown once to whoever issued it."""

    owner: Principal
    name: str
    role: str
    token: str


NEW_ACCESS = web.AppKey("new_access", OneTimeViews[NewAccess])


def _access(app: CoopNode, who: Principal) -> dict[str, Any]:
    members = list(app.members())
    return {
        "tokens": staff_tokens(app),
        "names": {m.id: m.name for m in members},
        # No one is offered to raise their own access.
        "candidates": sorted(
            (m for m in members if m.is_admitted and m.id != who.member_id),
            key=lambda m: m.name,
        ),
        "roles": sorted(BOARD_ISSUES),
    }


async def access_page(
    request: web.Request,
    status: int = 200,
    problems: Problems | None = None,
    form: dict[str, str] | None = None,
) -> web.Response:
    who = signed_in(request, BOARD)
    data = await run(request, _access, request.app[NODE].coop_node, who)
    return render(
        request,
        "board_access.html",
        status,
        done=done_message(request) if status == 200 else None,
        problems=problems or {},
        form=form or {},
        **data,
    )


@board_pages.get("/staff/access")
async def staff_access(request: web.Request) -> web.Response:
    return await access_page(request)


@board_pages.post("/staff/access")
async def issue_access(request: web.Request) -> web.Response:
    who = signed_in(request, BOARD)
    form = await posted(request)
    app = request.app[NODE].coop_node
    try:
        admitted = await run(
            request, lambda: {m.id for m in app.members() if m.is_admitted}
        )
        member_id = member_choice(form, "member", admitted)
        role = form.get("role", "")
        if role not in BOARD_ISSUES:
            raise Invalid("role", Problem(N_("Choose board or coordinator access.")))
        try:
            may_issue(who, member_id, role)
        except ApiError:
            raise Invalid(
                "member", Problem(N_("No one may issue access to themselves."))
            ) from None
        access_role: MemberRole = "board" if role == "board" else "coordinator"
        issued = await write(
            request, app.issue_token, member_id, access_role, who.member_id
        )
        name = (await run(request, app.member, member_id)).name
    except Invalid as error:
        return await access_page(request, 400, error.problems, form)
    except DomainError:
        return await access_page(request, 409, {"member": CHOOSE_MEMBER}, form)
    key = request.app[NEW_ACCESS].put(NewAccess(who, name, role, issued.token))
    raise web.HTTPSeeOther(f"/staff/access/new/{key}")


@board_pages.get("/staff/access/new/{key}")
async def show_access(request: web.Request) -> web.Response:
    who = signed_in(request, BOARD)
    view = request.app[NEW_ACCESS].take(request.match_info["key"], who)
    return render(
        request,
        "board_access_new.html",
        200 if view else 410,
        new=view,
    )


@board_pages.post("/staff/access/{id}/revoke")
async def revoke_access(request: web.Request) -> web.Response:
    who = signed_in(request, BOARD)
    access_id = path_id(request, N_("No such access."))
    app = request.app[NODE].coop_node

    def command() -> None:
        access = app.access_token(access_id)
        if access.role not in BOARD_ISSUES and who.role != "admin":
            raise web.HTTPForbidden(text=N_("Only staff access is revoked here."))
        if access.active:
            app.revoke_token(access_id)

    try:
        await write(request, command)
    except DomainError:
        raise web.HTTPNotFound(text=N_("No such access.")) from None
    raise web.HTTPSeeOther("/staff/access?done=revoked#done")
