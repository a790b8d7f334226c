"""Time-bank board API: post an offer or a request, withdraw it, accept
another member's, and confirm the exchange that follows; read the board.

Members act as themselves only: a member withdraws only their own offers and
requests and confirms only an exchange they help or receive in (403 otherwise,
nothing written); the coordinator and admin confirm any exchange, for both
sides. Others on the board are named by first name only.
"""

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import CARE, EVERYONE, MEMBERS
from node.errors import NotAParty
from node.http.context import NODE, run, write
from node.http.guard import principal, require
from node.timebank_board import MAX_DESCRIPTION, MAX_LISTING_MINUTES, Exchange, Listing
from toolkit.web.errors import forbidden
from toolkit.web.routes import Api, path_uuid

api = Api()
ID = {"id": UUID}
Kind = Literal["offer", "request"]
ListingMinutes = Annotated[int, msgspec.Meta(ge=1, le=MAX_LISTING_MINUTES)]
Category = Annotated[str, msgspec.Meta(pattern=r"^[a-z_]{1,40}$")]


class NewListing(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: Kind
    category: Category
    minutes: ListingMinutes
    description: Annotated[str, msgspec.Meta(max_length=MAX_DESCRIPTION)] = ""


class BoardQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Only the others' offers and requests of one category, if given."""

    category: Category | None = None


class ListingView(msgspec.Struct, frozen=True):
    id: UUID
    kind: str
    category: str
    description: str
    minutes: int
    posted_on: dt.date
    status: str  # open, withdrawn or taken
    mine: bool
    # Who posted it, by first name only.
    by: str


class MatchView(msgspec.Struct, frozen=True):
    """One of my open offers or requests, and the others' that meet it."""

    listing: ListingView
    matches: list[ListingView]


class ExchangeView(msgspec.Struct, frozen=True):
    id: UUID
    category: str
    minutes: int
    agreed_on: dt.date
    helper: UUID
    receiver: UUID
    helper_name: str  # first names only
    receiver_name: str
    confirmed: list[str]  # helper, receiver, coordinator
    settled: bool
    # The caller's side (helper or receiver); null for the coordinator.
    my_side: str | None


class BoardView(msgspec.Struct, frozen=True):
    mine: list[MatchView]
    others: list[ListingView]
    exchanges: list[ExchangeView]
    categories: list[str]


def first_name(app: CoopNode, member: UUID) -> str:
    name = app.member(member).name.strip()
    return name.split()[0] if name else ""


def listing_view(app: CoopNode, listing: Listing, me: UUID | None) -> ListingView:
    return ListingView(
        listing.id,
        listing.kind,
        listing.category,
        listing.description,
        listing.minutes,
        listing.posted_on,
        listing.status,
        listing.owner == me,
        first_name(app, listing.owner),
    )


def exchange_view(app: CoopNode, exchange: Exchange, me: UUID | None) -> ExchangeView:
    sides = {exchange.helper: "helper", exchange.receiver: "receiver"}
    side = sides.get(me) if me is not None else None
    return ExchangeView(
        exchange.id,
        exchange.category,
        exchange.minutes,
        exchange.agreed_on,
        exchange.helper,
        exchange.receiver,
        first_name(app, exchange.helper),
        first_name(app, exchange.receiver),
        list(exchange.confirmed),
        exchange.is_settled,
        side,
    )


def board_view(app: CoopNode, me: UUID, category: str | None = None) -> BoardView:
    """My open listings with their matches, the others' open ones (of one
    category, if given), and my exchanges, newest first: the co-op's board, not
    a circle's (node.http.circles)."""
    others = [
        listing_view(app, listing, me)
        for listing in app.listings()
        if listing.status == "open"
        and listing.owner != me
        and listing.circle is None  # a circle's own are on its page only
        and category in (None, listing.category)
    ]
    mine = [
        MatchView(
            listing_view(app, match.mine, me),
            [listing_view(app, other, me) for other in match.matches],
        )
        for match in app.matches_for(me)
        if match.mine.circle is None
    ]
    exchanges = [
        exchange_view(app, exchange, me)
        for exchange in app.exchanges()
        if me in (exchange.helper, exchange.receiver)
    ]
    return BoardView(
        mine[::-1], others[::-1], exchanges[::-1], list(app.listing_categories())
    )


def awaiting(app: CoopNode) -> list[ExchangeView]:
    """Exchanges not settled yet, oldest first: the coordinator's to confirm."""
    return [
        exchange_view(app, exchange, None)
        for exchange in app.exchanges()
        if not exchange.is_settled
    ]


def member_of(request: web.Request) -> UUID:
    who = principal(request)
    if who.member_id is None:
        raise forbidden("the admin has no time account of its own")
    return who.member_id


def confirmer(app: CoopNode, request: web.Request, exchange_id: UUID) -> UUID | None:
    """Who confirms: the caller's own side if they are in the exchange, else
    the coordinator's (None) for the coordinator and admin; anyone else is
    refused before anything is written."""
    who = principal(request)
    exchange = app.exchange(exchange_id)
    if who.member_id in (exchange.helper, exchange.receiver):
        return who.member_id
    if who.role in CARE:
        return None
    raise NotAParty(f"member {who.member_id} is not in exchange {exchange_id}")


@api.route(
    "GET",
    "/api/timebank/board",
    summary="The time-bank board: my offers and requests with their matches, "
    "the others' open ones, and my exchanges (members)",
    tag="timebank",
    query=BoardQuery,
    response=BoardView,
    roles=MEMBERS,
)
async def get_board(request: web.Request, query: BoardQuery) -> BoardView:
    require(request, MEMBERS, "read the time-bank board")
    app = request.app[NODE].coop_node
    return await run(request, board_view, app, member_of(request), query.category)


@api.route(
    "POST",
    "/api/timebank/listings",
    summary="Post an offer or a request on the time-bank board (members)",
    tag="timebank",
    body=NewListing,
    response=ListingView,
    status=201,
    roles=MEMBERS,
)
async def post_listing(request: web.Request, body: NewListing) -> ListingView:
    require(request, MEMBERS, "post on the time-bank board")
    me = member_of(request)
    app = request.app[NODE].coop_node

    def command() -> ListingView:
        listing = app.post_listing(
            me, body.kind, body.category, body.description, body.minutes
        )
        return listing_view(app, app.listing(listing), me)

    return await write(request, command)


@api.route(
    "POST",
    "/api/timebank/listings/{id}/withdraw",
    summary="Withdraw your own offer or request (members)",
    tag="timebank",
    response=ListingView,
    params=ID,
    roles=MEMBERS,
)
async def withdraw_listing(request: web.Request) -> ListingView:
    require(request, MEMBERS, "withdraw offers or requests")
    me, listing_id = member_of(request), path_uuid(request)
    app = request.app[NODE].coop_node

    def command() -> ListingView:
        app.withdraw_listing(listing_id, me)
        return listing_view(app, app.listing(listing_id), me)

    return await write(request, command)


@api.route(
    "POST",
    "/api/timebank/listings/{id}/accept",
    summary="Accept another member's offer or request: an exchange is agreed "
    "(members with a time-bank account)",
    tag="timebank",
    response=ExchangeView,
    status=201,
    params=ID,
    roles=MEMBERS,
)
async def accept_listing(request: web.Request) -> ExchangeView:
    require(request, MEMBERS, "accept offers or requests")
    me, listing_id = member_of(request), path_uuid(request)
    app = request.app[NODE].coop_node

    def command() -> ExchangeView:
        exchange = app.accept_listing(listing_id, me)
        return exchange_view(app, app.exchange(exchange), me)

    return await write(request, command)


@api.route(
    "POST",
    "/api/timebank/exchanges/{id}/confirm",
    summary="Confirm an exchange took place: the helper and the receiver each "
    "for their side, the coordinator and admin for both; the hours move once "
    "it is confirmed, exactly once",
    tag="timebank",
    response=ExchangeView,
    params=ID,
    roles=EVERYONE,
)
async def confirm_exchange(request: web.Request) -> ExchangeView:
    exchange_id = path_uuid(request)
    app = request.app[NODE].coop_node
    me = principal(request).member_id

    def command() -> ExchangeView:
        app.confirm_exchange(exchange_id, confirmer(app, request, exchange_id))
        return exchange_view(app, app.exchange(exchange_id), me)

    return await write(request, command)
