"""Neighbourhood circles' pages: /circles (mine, the others to join, and forming
one; staff and the admin see the list only) and /circles/{id} (a circle's
members, its own board of offers and requests, its exchanges, its meetings and
notes, with their forms), for its members only.

The forms run the same commands as the API operations in their ``data-api``
(node.http.circles, node.http.timebank_board); someone outside a circle who
posts to its forms is refused (403), writing nothing.
"""

from uuid import UUID

from aiohttp import web

from node.application import CoopNode
from node.errors import CircleFull, DomainError, InvalidCircle
from node.http.circles import NewCircle, NewMeeting, circle_view, circles_view
from node.http.context import NODE, run, write
from node.http.coordinator_forms import (
    NO_SUCH_RECORD,
    NOT_RECORDED,
    Problem,
    Refused,
    Typed,
    minutes_of,
    parsed,
    posted,
    run_form,
)
from node.http.member_pages import member_id_of
from node.http.pages import render, signed_in
from node.http.timebank_board import NewListing
from node.http.timebank_board_pages import HINTS as LISTING_HINTS
from node.http.timebank_board_pages import accept, confirm, withdraw
from toolkit.web.i18n import N_

circle_pages = web.RouteTableDef()


def path_id(request: web.Request, what: str, name: str = "id") -> UUID:
    """A record's id in the page's address; a page not found if it is not one."""
    try:
        return UUID(request.match_info[name])
    except ValueError:
        raise web.HTTPNotFound(text=what) from None


PAGE = "/circles"
DONE = {
    "formed": N_("Your circle is formed: you are its first member."),
    "joined": N_("You are in the circle."),
    "left": N_("You have left the circle."),
    "met": N_("The meeting is recorded."),
    "posted": N_("Your offer or request is on the circle's board."),
    "withdrawn": N_("Withdrawn from the circle's board."),
    "accepted": N_("Agreed. Confirm here once it has taken place."),
    "confirmed": N_("Your confirmation is recorded."),
}
HINTS = {
    "name": N_("Give the circle a name (80 characters at most)."),
    "neighbourhood": N_("Say which neighbourhood (80 characters at most)."),
    "held_on": N_("Give the day of the meeting."),
    "notes": N_("The notes are too long (4000 characters at most)."),
    **LISTING_HINTS,
}


async def list_page(
    request: web.Request, status: int = 200, typed: Typed | None = None
) -> web.Response:
    who = signed_in(request)
    app = request.app[NODE].coop_node
    circles = await run(request, circles_view, app, who.member_id)
    return render(
        request,
        "circles.html",
        status,
        circles=circles,
        typed=typed,
        done=DONE.get(request.query.get("done", "")),
    )


@circle_pages.get(PAGE)
async def circles(request: web.Request) -> web.Response:
    return await list_page(request)


def form(app: CoopNode, me: UUID, values: dict[str, str]) -> UUID:
    body = parsed(values, NewCircle, HINTS)
    return app.form_circle(body.name, body.neighbourhood, me)


@circle_pages.post(PAGE)
async def form_circle(request: web.Request) -> web.Response:
    me = member_id_of(request)
    values = posted(await request.post(), ("name", "neighbourhood"))
    app = request.app[NODE].coop_node
    try:
        circle = await write(request, form, app, me, values)
    except Refused as refused:
        errors = {refused.field: refused.problem}
        return await list_page(request, refused.status, Typed("form", values, errors))
    except DomainError:
        errors = {"form": Problem(NOT_RECORDED)}
        return await list_page(request, 409, Typed("form", values, errors))
    # The new circle's own page is where its forms are.
    raise web.HTTPSeeOther(f"{PAGE}/{circle}?done=formed#done")


def join(app: CoopNode, me: UUID, circle: UUID, _: dict[str, str]) -> None:
    try:
        app.join_circle(circle, me)
    except CircleFull:
        raise Refused(
            "form", N_("This circle is full: a circle has 20 members at most.")
        ) from None
    except InvalidCircle:
        raise Refused("form", N_("You are in this circle already.")) from None


@circle_pages.post(f"{PAGE}/{{id}}/join")
async def join_circle(request: web.Request) -> web.Response:
    me = member_id_of(request)
    circle = path_id(request, NO_SUCH_RECORD)
    done = f"{PAGE}/{circle}?done=joined#done"
    return await run_form(request, list_page, "join", (), done, join, me, circle)


def leave(app: CoopNode, me: UUID, circle: UUID, _: dict[str, str]) -> None:
    try:
        app.leave_circle(circle, me)
    except InvalidCircle:
        raise Refused("form", N_("You are not in this circle.")) from None


@circle_pages.post(f"{PAGE}/{{id}}/leave")
async def leave_circle(request: web.Request) -> web.Response:
    me = member_id_of(request)
    circle = path_id(request, NO_SUCH_RECORD)
    done = f"{PAGE}?done=left#done"
    return await run_form(request, list_page, "leave", (), done, leave, me, circle)


# A circle's own page: everything on it, and every form's command, goes through
# the circle's member check first (node.circles.circle_of_member): an outsider
# is refused (403) before the form is read.


async def in_circle(request: web.Request) -> tuple[UUID, UUID]:
    """The signed-in member and the circle of the address, once checked that
    the member is in it."""
    me = member_id_of(request)
    circle = path_id(request, NO_SUCH_RECORD)
    await run(request, request.app[NODE].coop_node.circle_for, circle, me)
    return me, circle


async def circle_page(
    request: web.Request, status: int = 200, typed: Typed | None = None
) -> web.Response:
    me = member_id_of(request)
    circle_id = path_id(request, NO_SUCH_RECORD)
    app = request.app[NODE].coop_node
    circle = await run(request, circle_view, app, circle_id, me)
    return render(
        request,
        "circle.html",
        status,
        circle=circle,
        typed=typed,
        done=DONE.get(request.query.get("done", "")),
    )


@circle_pages.get(f"{PAGE}/{{id}}")
async def circle(request: web.Request) -> web.Response:
    return await circle_page(request)


def record_meeting(
    app: CoopNode, me: UUID, circle: UUID, values: dict[str, str]
) -> None:
    app.circle_for(circle, me)  # outsiders are refused before the form is read
    body = parsed(values, NewMeeting, HINTS)
    app.record_circle_meeting(circle, me, body.held_on, body.notes)


@circle_pages.post(f"{PAGE}/{{id}}/meetings")
async def post_meeting(request: web.Request) -> web.Response:
    me, circle = await in_circle(request)
    done = f"{PAGE}/{circle}?done=met#meetings"
    names = ("held_on", "notes")
    return await run_form(
        request, circle_page, "meeting", names, done, record_meeting, me, circle
    )


def post_listing(app: CoopNode, me: UUID, circle: UUID, values: dict[str, str]) -> None:
    app.circle_for(circle, me)
    try:
        minutes = minutes_of(values["hours"]) if values["hours"] else None
    except ValueError:
        raise Refused("hours", HINTS["hours"], 400) from None
    fields = {**values, "minutes": minutes}
    del fields["hours"]
    body = parsed(fields, NewListing, HINTS, {"minutes": "hours"})
    if body.category not in app.listing_categories():
        raise Refused("category", HINTS["category"], 400)
    app.post_listing(
        me, body.kind, body.category, body.description, body.minutes, circle=circle
    )


@circle_pages.post(f"{PAGE}/{{id}}/listings")
async def post_circle_listing(request: web.Request) -> web.Response:
    me, circle = await in_circle(request)
    names = ("kind", "category", "hours", "description")
    done = f"{PAGE}/{circle}?done=posted#board"
    return await run_form(
        request, circle_page, "post", names, done, post_listing, me, circle
    )


def _in_circle(app: CoopNode, me: UUID, circle: UUID, listing: UUID) -> None:
    """The listing is on this circle's board, and ``me`` is in the circle."""
    app.circle_for(circle, me)
    if app.listing(listing).circle != circle:
        raise web.HTTPNotFound(text=NO_SUCH_RECORD)


def accept_here(
    app: CoopNode, me: UUID, circle: UUID, listing: UUID, values: dict[str, str]
) -> None:
    _in_circle(app, me, circle, listing)
    accept(app, me, listing, values)


def withdraw_here(
    app: CoopNode, me: UUID, circle: UUID, listing: UUID, values: dict[str, str]
) -> None:
    _in_circle(app, me, circle, listing)
    withdraw(app, me, listing, values)


def confirm_here(
    app: CoopNode, me: UUID, circle: UUID, exchange: UUID, values: dict[str, str]
) -> None:
    _in_circle(app, me, circle, app.exchange(exchange).listing)
    confirm(app, me, exchange, values)


@circle_pages.post(f"{PAGE}/{{id}}/listings/{{listing}}/accept")
async def accept_listing(request: web.Request) -> web.Response:
    me, circle = await in_circle(request)
    listing = path_id(request, NO_SUCH_RECORD, "listing")
    done = f"{PAGE}/{circle}?done=accepted#exchanges"
    return await run_form(
        request, circle_page, "accept", (), done, accept_here, me, circle, listing
    )


@circle_pages.post(f"{PAGE}/{{id}}/listings/{{listing}}/withdraw")
async def withdraw_listing(request: web.Request) -> web.Response:
    me, circle = await in_circle(request)
    listing = path_id(request, NO_SUCH_RECORD, "listing")
    done = f"{PAGE}/{circle}?done=withdrawn#board"
    return await run_form(
        request, circle_page, "withdraw", (), done, withdraw_here, me, circle, listing
    )


@circle_pages.post(f"{PAGE}/{{id}}/exchanges/{{exchange}}/confirm")
async def confirm_exchange(request: web.Request) -> web.Response:
    me, circle = await in_circle(request)
    exchange = path_id(request, NO_SUCH_RECORD, "exchange")
    done = f"{PAGE}/{circle}?done=confirmed#exchanges"
    return await run_form(
        request, circle_page, "confirm", (), done, confirm_here, me, circle, exchange
    )
