"""How a member hears from the co-op (email, letter, none), by the API and on their
home page; and the office's queue of letters to print."""

import datetime as dt
from typing import Any
from uuid import UUID

import msgspec
from aiohttp import web

from node.access_audit import Reading
from node.auth import MEMBERS, STAFF
from node.http.audit import audited_all
from node.http.context import NODE, run, write
from node.http.guard import principal
from node.http.members import CONTACT
from node.http.pages import render, signed_in
from node.membership import Channel
from node.notifications import message_text, reader
from node.outbox import Message
from node.service import NodeService
from toolkit.web.errors import forbidden
from toolkit.web.routes import Api

api = Api()
pages = web.RouteTableDef()


class Notifications(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``email`` (the default), ``letter`` printed by the office, or ``none``."""

    channel: Channel


def _member_id(request: web.Request) -> UUID:
    who = principal(request)
    if who.member_id is None:
        raise forbidden("only a member has notifications to choose")
    return who.member_id


@api.route(
    "GET",
    "/api/me/notifications",
    summary="How the calling member hears from the co-op",
    tag="members",
    response=Notifications,
    roles=MEMBERS,
)
async def my_notifications(request: web.Request) -> Notifications:
    member = await run(request, request.app[NODE].coop_node.member, _member_id(request))
    return Notifications(member.notify_by)


@api.route(
    "PUT",
    "/api/me/notifications",
    summary="Choose how the calling member hears from the co-op",
    tag="members",
    body=Notifications,
    response=Notifications,
    roles=MEMBERS,
)
async def choose_notifications(
    request: web.Request, body: Notifications
) -> Notifications:
    app = request.app[NODE].coop_node
    await write(request, app.choose_notifications, _member_id(request), body.channel)
    return body


@pages.post("/notifications")
async def choose_on_home(request: web.Request) -> web.Response:
    who = signed_in(request)
    form = await request.post()
    try:
        channel = msgspec.convert(str(form.get("channel", "")), Channel)
    except msgspec.ValidationError:
        raise web.HTTPBadRequest(text="Choose email, letter or none.") from None
    if who.member_id is None:
        raise web.HTTPForbidden(text="Only a member has notifications to choose.")
    app = request.app[NODE].coop_node
    await write(request, app.choose_notifications, who.member_id, channel)
    raise web.HTTPSeeOther("/#notifications")


def letter_view(message: Message, node: NodeService) -> dict[str, Any]:
    """A letter in its recipient's language, whoever prints it."""
    language = node.coop_node.member(message.recipient).language
    subject, body = message_text(message, node.config.locale, language)
    return {
        "id": message.id,
        "recipient": message.recipient,
        "name": message.name,
        "address": message.address,
        "subject": subject,
        "body": body,
        "lang": reader(language, node.config.locale).language,
    }


@pages.get("/staff/print-queue")
async def letters(request: web.Request) -> web.Response:
    signed_in(request, STAFF)
    node = request.app[NODE]

    def views() -> list[dict[str, Any]]:
        return [letter_view(m, node) for m in node.outbox.letters_to_print()]

    shown = await run(request, views)
    # Each letter shows its recipient's postal address.
    await audited_all(request, [Reading(v["recipient"], CONTACT) for v in shown])
    return render(request, "print_queue.html", letters=shown)


@pages.post("/staff/print-queue/{id}/printed")
async def printed(request: web.Request) -> web.Response:
    signed_in(request, STAFF)
    try:
        message_id = UUID(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound(text="No such letter.") from None
    outbox = request.app[NODE].outbox
    if await run(request, outbox.mark_printed, message_id, dt.date.today()) is None:
        raise web.HTTPNotFound(text="No such letter.")
    raise web.HTTPSeeOther("/staff/print-queue")
