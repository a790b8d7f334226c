"""Members API: apply, list, read, admit (issuing the member's first token),
correct contact details, change class, withdraw. Tokens are node.http.tokens.

Staff (admin, board, coordinator) read everyone; a member reads only themselves.
Admitting and changing class are the board's; a member may withdraw themselves.
"""

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from aiohttp import web

from node.access_audit import Reading
from node.application import CoopNode
from node.auth import (
    ADMIN,
    BOARD,
    EVERYONE,
    STAFF,
    AccessToken,
    Principal,
)
from node.http.audit import audited, audited_all
from node.http.context import NODE, run, write
from node.http.guard import principal, require, require_self_or
from node.membership import Member
from node.rules import ClassName
from toolkit.web.i18n import N_
from toolkit.web.paging import ListQuery, Page, ids_page
from toolkit.web.routes import Api, path_uuid

api = Api()
ID = {"id": UUID}
CONTACT = "contact_details"  # what reading a member view is, in the access log

Status = Literal["applied", "admitted", "withdrawn"]

Email = Annotated[
    str, msgspec.Meta(pattern=r"^[^@ \t\r\n]+@[^@ \t\r\n]+$", max_length=254)
]
Phone = Annotated[str, msgspec.Meta(max_length=40)]
Address = Annotated[str, msgspec.Meta(max_length=500)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class MemberView(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    email: str
    phone: str
    address: str
    member_class: str
    status: Status
    applied_on: dt.date
    admitted_on: dt.date | None
    withdrawn_on: dt.date | None
    shares: int


class MembershipApplication(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    email: Email
    member_class: ClassName
    phone: Phone = ""
    address: Address = ""
    applied_on: dt.date | None = None


class ContactDetails(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """All three, as they should now be: a phone or address left out is blank;
    the name only if it is to be corrected too."""

    email: Email
    phone: Phone = ""
    address: Address = ""
    name: Name | None = None


# What a page says beside a contact field that ContactDetails refuses.
CONTACT_HINTS = {
    "email": N_("Write an email address, like name@example.org."),
    "phone": N_("Keep the phone number under 40 characters."),
    "address": N_("Keep the address under 500 characters."),
    "name": N_("Write the name, in 200 characters at most."),
}


class OnDay(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """When it happened (today if left out)."""

    on: dt.date | None = None


class ClassChange(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    member_class: ClassName
    on: dt.date | None = None


class TokenView(msgspec.Struct, frozen=True):
    id: UUID
    role: str
    member_id: UUID
    issued_on: dt.date
    revoked_on: dt.date | None
    issued_by: UUID | None = None  # the staff member who issued it, if not admin


class NewToken(msgspec.Struct, frozen=True):
    """``token`` is shown this once; the node keeps only its hash."""

    token: str
    access: TokenView


class Admission(msgspec.Struct, frozen=True):
    member: MemberView
    token: NewToken


class Me(msgspec.Struct, frozen=True):
    role: str
    member: MemberView | None


def member_view(member: Member) -> MemberView:
    return MemberView(
        id=member.id,
        name=member.name,
        email=member.email,
        phone=member.phone,
        address=member.address,
        member_class=member.member_class,
        status=member.status,  # type: ignore[arg-type]
        applied_on=member.applied_on,
        admitted_on=member.admitted_on,
        withdrawn_on=member.withdrawn_on,
        shares=member.shares,
    )


def token_view(access: AccessToken) -> TokenView:
    return TokenView(
        access.id,
        access.role,
        access.member_id,
        access.issued_on,
        access.revoked_on,
        access.issued_by,
    )


def member_page(app: CoopNode, query: ListQuery) -> Page[MemberView]:
    ids = ids_page(app, Member.Applied.TOPIC, query)
    return Page([member_view(app.member(i)) for i in ids.items], ids.next_cursor)


@api.route(
    "GET",
    "/api/members",
    summary="List members and applicants, oldest application first (staff)",
    tag="members",
    query=ListQuery,
    response=Page[MemberView],
    roles=STAFF,
)
async def list_members(request: web.Request, query: ListQuery) -> Page[MemberView]:
    require(request, STAFF, "list members")
    page = await run(request, member_page, request.app[NODE].coop_node, query)
    await audited_all(request, [Reading(m.id, CONTACT, None) for m in page.items])
    return page


@api.route(
    "POST",
    "/api/members",
    summary="Record an application for membership (board)",
    tag="members",
    body=MembershipApplication,
    response=MemberView,
    status=201,
    roles=BOARD,
)
async def apply(request: web.Request, body: MembershipApplication) -> MemberView:
    require(request, BOARD, "record applications")
    app = request.app[NODE].coop_node

    def command() -> MemberView:
        member_id = app.apply_for_membership(
            name=body.name,
            email=body.email,
            phone=body.phone,
            address=body.address,
            member_class=body.member_class,
            applied_on=body.applied_on,
        )
        return member_view(app.member(member_id))

    view = await write(request, command)
    return view


@api.route(
    "GET",
    "/api/members/{id}",
    summary="One member (staff, or the member themselves)",
    tag="members",
    response=MemberView,
    params=ID,
    roles=EVERYONE,
)
async def get_member(request: web.Request) -> MemberView:
    member_id = path_uuid(request)
    require_self_or(request, member_id, STAFF, "read member records")
    app = request.app[NODE].coop_node
    view = member_view(await run(request, app.member, member_id))
    await audited(request, member_id, CONTACT)
    return view


@api.route(
    "POST",
    "/api/members/{id}/admit",
    summary="Admit an applicant; answers with their first token, shown once (board)",
    tag="members",
    body=OnDay,
    response=Admission,
    params=ID,
    roles=BOARD,
)
async def admit(request: web.Request, body: OnDay) -> Admission:
    require(request, BOARD, "admit members")
    member_id = path_uuid(request)
    app = request.app[NODE].coop_node

    def command() -> Admission:
        issued = app.admit_with_token(member_id, body.on)
        return Admission(
            member_view(app.member(member_id)),
            NewToken(issued.token, token_view(issued.access)),
        )

    admission = await write(request, command)
    return admission


@api.route(
    "POST",
    "/api/members/{id}/withdraw",
    summary="Withdraw a member; their tokens stop working (board, or the member)",
    tag="members",
    body=OnDay,
    response=MemberView,
    params=ID,
    roles=EVERYONE,
)
async def withdraw(request: web.Request, body: OnDay) -> MemberView:
    member_id = path_uuid(request)
    require_self_or(request, member_id, BOARD, "withdraw memberships")
    app = request.app[NODE].coop_node

    def command() -> MemberView:
        app.withdraw_member(member_id, body.on)
        return member_view(app.member(member_id))

    view = await write(request, command)
    return view


def correct_contact(
    app: CoopNode, member_id: UUID, body: ContactDetails, by: UUID | None
) -> MemberView:
    """Shared by the API and the member's details page (node.http.member_pages);
    ``by``: who corrects (None for the admin)."""
    app.correct_contact_details(
        member_id,
        email=body.email,
        phone=body.phone,
        address=body.address,
        name=body.name,
        by=by,
    )
    return member_view(app.member(member_id))


@api.route(
    "PUT",
    "/api/members/{id}/contact",
    summary="Correct a member's name, email, phone and postal address (the "
    "member, or the board); who corrected is kept; never shared beyond the co-op",
    tag="members",
    body=ContactDetails,
    response=MemberView,
    params=ID,
    roles=EVERYONE,
)
async def correct_contact_details(
    request: web.Request, body: ContactDetails
) -> MemberView:
    member_id = path_uuid(request)
    who = require_self_or(request, member_id, BOARD, "correct contact details")
    app = request.app[NODE].coop_node
    return await write(request, correct_contact, app, member_id, body, who.member_id)


@api.route(
    "POST",
    "/api/members/{id}/class",
    summary="Move a member to another class of the co-op's rules (board)",
    tag="members",
    body=ClassChange,
    response=MemberView,
    params=ID,
    roles=BOARD,
)
async def change_class(request: web.Request, body: ClassChange) -> MemberView:
    require(request, BOARD, "change member classes")
    member_id = path_uuid(request)
    app = request.app[NODE].coop_node

    def command() -> MemberView:
        app.change_member_class(member_id, body.member_class, body.on)
        return member_view(app.member(member_id))

    view = await write(request, command)
    return view


@api.route(
    "GET",
    "/api/me",
    summary="Who the token belongs to, and their member record",
    tag="members",
    response=Me,
    roles=EVERYONE,
)
async def me(request: web.Request) -> Me:
    who = principal(request)
    return Me(who.role, await my_record(request, who))


async def my_record(request: web.Request, who: Principal) -> MemberView | None:
    if who == ADMIN or who.member_id is None:
        return None
    app = request.app[NODE].coop_node
    view = member_view(await run(request, app.member, who.member_id))
    await audited(request, who.member_id, CONTACT)
    return view
