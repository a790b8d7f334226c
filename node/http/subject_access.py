"""Subject access over HTTP: a copy of everything the node holds about a person,
as JSON (``GET /api/members/{id}/subject-access``) or as a page to read and
print. The person asks for their own; the board, the admin and the data
protection lead (node.leads) ask on someone's behalf. Every request is recorded
(node.subject_access.SubjectAccessRequest), so the person sees who asked.
"""

import re
from typing import Any
from uuid import UUID

from aiohttp import web

from node.auth import BOARD, EVERYONE, Principal
from node.http.audit import audited
from node.http.context import NODE, write
from node.http.field_errors import path_id
from node.http.guard import principal
from node.http.pages import render, signed_in
from node.labels import plain_label
from node.subject_access import Record, SubjectAccess
from toolkit.web.errors import forbidden
from toolkit.web.routes import Api, path_uuid

api = Api()
subject_access_pages = web.RouteTableDef()
ID = {"id": UUID}


def may_ask(request: web.Request, who: Principal, member_id: UUID) -> None:
    """The person themselves, the board or admin, or the data protection lead."""
    if who.member_id == member_id or who.role in BOARD:
        return
    app = request.app[NODE].coop_node
    if not app.is_lead("data_protection", who.member_id):
        raise forbidden("a member may only have a copy of their own data")


async def copy_for(request: web.Request, member_id: UUID) -> SubjectAccess:
    who = principal(request)
    may_ask(request, who, member_id)
    node = request.app[NODE]
    copy = await write(
        request,
        node.coop_node.subject_access,
        member_id,
        who.member_id,
        who.role,
        (node.outbox,),
    )
    await audited(request, member_id, "subject_access_export")
    return copy


@api.route(
    "GET",
    "/api/members/{id}/subject-access",
    summary="Everything the node holds about a member, in one answer; the "
    "request is recorded (the member; the board; the data protection lead)",
    tag="members",
    response=SubjectAccess,
    params=ID,
    roles=EVERYONE,
)
async def subject_access(request: web.Request) -> SubjectAccess:
    return await copy_for(request, path_uuid(request))


def words(name: str) -> str:
    """``commonweal.visit.delivered`` or ``service_user`` in words."""
    text = name.removeprefix("commonweal.").replace(".", " ").replace("_", " ")
    return text[:1].upper() + text[1:]


ID_TEXT = re.compile(r"^[a-z][a-z0-9_]*$")
UUID_TEXT = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)


def value_text(value: Any) -> tuple[str, bool]:
    """A value as text, and whether it is a label the page translates: ids
    (``personal_care``) by their label, lists and mappings written out."""
    if isinstance(value, str) and ID_TEXT.match(value):
        return plain_label(value), True
    if isinstance(value, list | tuple):
        return ", ".join(value_text(v)[0] for v in value), False
    if isinstance(value, dict):
        parts = (f"{words(str(k))}: {value_text(v)[0]}" for k, v in value.items())
        return "; ".join(parts), False
    return ("" if value is None else str(value)), False


def readable(record: Record) -> dict[str, Any]:
    return {
        "title": words(record.kind),
        "entries": [
            {
                "at": e.at,
                "what": words(e.what.rsplit(".", 1)[-1]),
                # A record's own id says nothing to a reader: the JSON keeps it.
                "details": [
                    (words(k), *value_text(v))
                    for k, v in e.details.items()
                    if not (isinstance(v, str) and UUID_TEXT.match(v))
                ],
            }
            for e in record.entries
        ],
    }


def page_context(copy: SubjectAccess) -> dict[str, Any]:
    return {
        "copy": copy,
        "theirs": [readable(r) for r in copy.records if r.theirs],
        "named": [readable(r) for r in copy.records if not r.theirs],
    }


@subject_access_pages.get("/details/my-data")
async def my_data(request: web.Request) -> web.Response:
    who = signed_in(request)
    if who.member_id is None:
        raise web.HTTPSeeOther("/")
    copy = await copy_for(request, who.member_id)
    return render(request, "subject_access.html", **page_context(copy))


@subject_access_pages.get("/staff/members/{id}/data")
async def their_data(request: web.Request) -> web.Response:
    signed_in(request)
    member_id = path_id(request, "No such member.")
    copy = await copy_for(request, member_id)
    return render(request, "subject_access.html", **page_context(copy))
