"""Neighbourhood circles API: the circles (mine, and the others to join), form,
join and leave one; a circle's own page (members, board, meetings and notes),
its meetings recorded and its board's offers and requests posted.

Everyone signed in sees which circles exist and how many are in each (the board
and the coordinator among them); only a circle's own members, while members of
the co-op, read its page or write in it (403 otherwise, nothing written).
Members are named by first name only. Taking up an offer on a circle's board,
withdrawing one and confirming an exchange are the time bank's operations
(node.http.timebank_board), which refuse anyone outside the circle.
"""

import datetime as dt
from typing import Annotated
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import EVERYONE, MEMBERS
from node.circles import CIRCLE_CAP, MAX_NAME, MAX_NOTES, Circle
from node.http.context import NODE, run, write
from node.http.guard import principal, require
from node.http.timebank_board import (
    ExchangeView,
    ListingView,
    NewListing,
    exchange_view,
    first_name,
    listing_view,
    member_of,
)
from toolkit.web.routes import Api, path_uuid

api = Api()
ID = {"id": UUID}
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME)]


class NewCircle(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Text
    neighbourhood: Text


class NewMeeting(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    held_on: dt.date
    notes: Annotated[str, msgspec.Meta(max_length=MAX_NOTES)] = ""


class CircleSummary(msgspec.Struct, frozen=True):
    """What anyone signed in may know of a circle: that it exists, where, and
    how many are in it."""

    id: UUID
    name: str
    neighbourhood: str
    formed_on: dt.date
    members: int
    cap: int
    mine: bool


class CirclesView(msgspec.Struct, frozen=True):
    mine: list[CircleSummary]
    others: list[CircleSummary]
    cap: int  # the most members a circle has


class CircleMemberView(msgspec.Struct, frozen=True):
    id: UUID
    name: str  # first name only


class MeetingView(msgspec.Struct, frozen=True):
    id: UUID
    held_on: dt.date
    notes: str
    recorded_by: str  # first name only


class CircleView(msgspec.Struct, frozen=True):
    """A circle's own page, for its members only."""

    id: UUID
    name: str
    neighbourhood: str
    formed_on: dt.date
    cap: int
    members: list[CircleMemberView]
    meetings: list[MeetingView]  # newest first
    listings: list[ListingView]  # open offers and requests on its board
    exchanges: list[ExchangeView]  # agreed on its board, newest first
    categories: list[str]


def summary(app: CoopNode, circle: Circle, me: UUID | None) -> CircleSummary:
    return CircleSummary(
        circle.id,
        circle.name,
        circle.neighbourhood,
        circle.formed_on,
        app.circle_size(circle),
        CIRCLE_CAP,
        me in circle.members,
    )


def circles_view(app: CoopNode, me: UUID | None) -> CirclesView:
    every = [summary(app, circle, me) for circle in app.circles()]
    return CirclesView(
        [c for c in every if c.mine], [c for c in every if not c.mine], CIRCLE_CAP
    )


def circle_view(app: CoopNode, circle_id: UUID, me: UUID) -> CircleView:
    """Refused (not_in_circle) unless ``me`` is one of its members."""
    circle = app.circle_for(circle_id, me)
    today = dt.date.today()
    counted = set(app.circle_members_on(circle, today))
    members = [m for m in circle.members if m in counted]
    meetings = sorted(circle.meetings, key=lambda m: m.held_on, reverse=True)
    return CircleView(
        circle.id,
        circle.name,
        circle.neighbourhood,
        circle.formed_on,
        CIRCLE_CAP,
        [CircleMemberView(m, first_name(app, m)) for m in members],
        [
            MeetingView(m.id, m.held_on, m.notes, first_name(app, m.recorded_by))
            for m in meetings
        ],
        [
            listing_view(app, listing, me)
            for listing in app.circle_listings(circle_id)[::-1]
            if listing.status == "open"
        ],
        [exchange_view(app, x, me) for x in app.circle_exchanges(circle_id)[::-1]],
        list(app.listing_categories()),
    )


@api.route(
    "GET",
    "/api/circles",
    summary="Neighbourhood circles: mine, and the others with how many are in "
    "each (everyone signed in)",
    tag="circles",
    response=CirclesView,
    roles=EVERYONE,
)
async def get_circles(request: web.Request) -> CirclesView:
    me = principal(request).member_id
    return await run(request, circles_view, request.app[NODE].coop_node, me)


@api.route(
    "POST",
    "/api/circles",
    summary="Form a neighbourhood circle, as its first member (members)",
    tag="circles",
    body=NewCircle,
    response=CircleView,
    status=201,
    roles=MEMBERS,
)
async def form_circle(request: web.Request, body: NewCircle) -> CircleView:
    require(request, MEMBERS, "form a circle")
    me = member_of(request)
    app = request.app[NODE].coop_node

    def command() -> CircleView:
        circle = app.form_circle(body.name, body.neighbourhood, me)
        return circle_view(app, circle, me)

    return await write(request, command)


@api.route(
    "GET",
    "/api/circles/{id}",
    summary="A circle's members, board, exchanges, meetings and notes (its own "
    "members only)",
    tag="circles",
    response=CircleView,
    params=ID,
    roles=MEMBERS,
)
async def get_circle(request: web.Request) -> CircleView:
    require(request, MEMBERS, "read a circle")
    me, circle = member_of(request), path_uuid(request)
    return await run(request, circle_view, request.app[NODE].coop_node, circle, me)


@api.route(
    "POST",
    "/api/circles/{id}/join",
    summary=f"Join a circle ({CIRCLE_CAP} members at most) (members)",
    tag="circles",
    response=CircleView,
    params=ID,
    roles=MEMBERS,
)
async def join_circle(request: web.Request) -> CircleView:
    require(request, MEMBERS, "join a circle")
    me, circle = member_of(request), path_uuid(request)
    app = request.app[NODE].coop_node

    def command() -> CircleView:
        app.join_circle(circle, me)
        return circle_view(app, circle, me)

    return await write(request, command)


@api.route(
    "POST",
    "/api/circles/{id}/leave",
    summary="Leave a circle you are in (members)",
    tag="circles",
    response=CircleSummary,
    params=ID,
    roles=MEMBERS,
)
async def leave_circle(request: web.Request) -> CircleSummary:
    require(request, MEMBERS, "leave a circle")
    me, circle = member_of(request), path_uuid(request)
    app = request.app[NODE].coop_node

    def command() -> CircleSummary:
        app.leave_circle(circle, me)
        return summary(app, app.circle(circle), me)

    return await write(request, command)


@api.route(
    "POST",
    "/api/circles/{id}/meetings",
    summary="Record a meeting of the circle and its notes (its own members "
    "only; the notes never leave the node)",
    tag="circles",
    body=NewMeeting,
    response=MeetingView,
    status=201,
    params=ID,
    roles=MEMBERS,
)
async def record_meeting(request: web.Request, body: NewMeeting) -> MeetingView:
    require(request, MEMBERS, "record a circle's meeting")
    me, circle = member_of(request), path_uuid(request)
    app = request.app[NODE].coop_node

    def command() -> MeetingView:
        meeting = app.record_circle_meeting(circle, me, body.held_on, body.notes)
        return MeetingView(meeting, body.held_on, body.notes, first_name(app, me))

    return await write(request, command)


@api.route(
    "POST",
    "/api/circles/{id}/listings",
    summary="Post an offer or a request on the circle's own board, which only "
    "its members see (its own members only)",
    tag="circles",
    body=NewListing,
    response=ListingView,
    status=201,
    params=ID,
    roles=MEMBERS,
)
async def post_circle_listing(request: web.Request, body: NewListing) -> ListingView:
    require(request, MEMBERS, "post on a circle's board")
    me, circle = member_of(request), path_uuid(request)
    app = request.app[NODE].coop_node

    def command() -> ListingView:
        listing = app.post_listing(
            me,
            body.kind,
            body.category,
            body.description,
            body.minutes,
            circle=circle,
        )
        return listing_view(app, app.listing(listing), me)

    return await write(request, command)
