"""Ballots API: list, open (proposal ballots, with an optional closing day), read
with live turnout, vote (as oneself or as a proxy), appoint and revoke a proxy,
check a secret vote's receipt, close.

Anyone signed in reads ballots; while a ballot is open only its turnout by class
is shown, once closed its full tally. Individual votes are never shown here. A
member votes as themselves, or for a member who appointed them proxy; a secret
ballot's receipt is answered once and never stored readable. The board opens
ballots; only the admin closes them.
"""

import datetime as dt
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import ADMIN_ONLY, BOARD, EVERYONE, MEMBERS, Principal
from node.ballots import Ballot
from node.http.context import NODE, run, write
from node.http.guard import principal, require
from node.tally import shown_result
from toolkit.web.errors import forbidden
from toolkit.web.paging import ListQuery, Page, ids_page
from toolkit.web.routes import Api, path_uuid

api = Api()
ID = {"id": UUID}

BallotStatus = Literal["open", "closed", "cancelled"]
Proposal = Literal["for", "against", "abstain"]


class ClassTurnout(msgspec.Struct, frozen=True):
    member_class: str
    electorate: int
    voted: int


class BallotView(msgspec.Struct, frozen=True):
    id: UUID
    kind: str
    title: str
    threshold: str | None
    secret: bool
    status: BallotStatus
    opened_on: dt.date
    electorate: int
    voted: int
    turnout: list[ClassTurnout]
    # The full tally (counts and strength by class and choice, quorum, outcome)
    # once closed; never who voted how.
    result: dict[str, Any] | None
    # The day the admin means to close it, if the board gave one.
    closes_on: dt.date | None = None


class NewBallot(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    threshold: Annotated[str, msgspec.Meta(pattern=r"^[a-z_]+$", max_length=64)] = (
        "ordinary"
    )
    secret: bool = False
    opened_on: dt.date | None = None
    # Members yet to vote are reminded the day before; not before opened_on.
    closes_on: dt.date | None = None


class VoteRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``choice``: for / against / abstain, or for an election the candidates'
    member ids, best first. ``receipt`` replaces an earlier secret vote."""

    choice: Proposal | Annotated[list[UUID], msgspec.Meta(max_length=100)]
    for_member: UUID | None = None
    receipt: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None


class VoteRecorded(msgspec.Struct, frozen=True):
    """``receipt`` (secret ballots only) is shown this once: with it the voter can
    check or replace their vote; the node keeps only its hash."""

    ballot_id: UUID
    member_id: UUID
    receipt: str | None


class ProxyRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    holder: UUID


class ReceiptRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    receipt: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class ReceiptCheck(msgspec.Struct, frozen=True):
    """What the receipt's holder may learn: ``state`` is "waiting" (held to be
    written with the next batch of votes), "in the box" or "replaced" (a later
    vote, with a new receipt, took its place); ``counted`` once the ballot has
    closed with it in the box; ``choice`` is the vote it holds (none if
    replaced)."""

    ballot_id: UUID
    ballot_status: str
    state: str
    counted: bool
    choice: Any


class ClosingDay(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    on: dt.date | None = None


def ballot_view(app: CoopNode, ballot: Ballot) -> BallotView:
    roll = app.roll(ballot.id)
    # Votes still waiting for their batch count in the turnout already.
    has_voted = roll.voted
    electorate: dict[str, int] = {}
    voted: dict[str, int] = {}
    for member, (member_class, _) in roll.electorate.items():
        electorate[member_class] = electorate.get(member_class, 0) + 1
        if member in has_voted:
            voted[member_class] = voted.get(member_class, 0) + 1
    return BallotView(
        id=ballot.id,
        kind=ballot.kind,
        title=ballot.title,
        threshold=ballot.threshold,
        secret=ballot.secret,
        status=ballot.status,
        opened_on=ballot.opened_on,
        electorate=len(roll.electorate),
        voted=len(has_voted),
        turnout=[
            ClassTurnout(c, n, voted.get(c, 0)) for c, n in sorted(electorate.items())
        ],
        result=shown_result(ballot.result, ballot.secret),
        closes_on=ballot.closes_on,
    )


def ballot_page(app: CoopNode, query: ListQuery) -> Page[BallotView]:
    ids = ids_page(app, Ballot.Opened.TOPIC, query)
    return Page([ballot_view(app, app.ballot(i)) for i in ids.items], ids.next_cursor)


def voter(who: Principal) -> UUID:
    """The member a token votes as; the admin token belongs to nobody."""
    if who.member_id is None:
        raise forbidden("only a member's own token can vote")
    return who.member_id


def vote(
    app: CoopNode, ballot_id: UUID, voter_id: UUID, body: VoteRequest
) -> VoteRecorded:
    """The command behind both the API and the member's vote form."""
    member = body.for_member or voter_id
    if body.receipt is not None:
        if body.for_member is not None:
            raise forbidden("replace a proxy's secret vote with their receipt only")
        # The replacement has a receipt of its own; the old one stops counting.
        new = app.replace_secret_vote(ballot_id, voter_id, body.receipt, body.choice)
        return VoteRecorded(ballot_id, member, new)
    receipt = app.cast_vote(ballot_id, voter_id, body.choice, for_member=member)
    return VoteRecorded(ballot_id, member, receipt)


@api.route(
    "GET",
    "/api/ballots",
    summary="List ballots, oldest first, with turnout or result",
    tag="ballots",
    query=ListQuery,
    response=Page[BallotView],
    roles=EVERYONE,
)
async def list_ballots(request: web.Request, query: ListQuery) -> Page[BallotView]:
    principal(request)
    return await run(request, ballot_page, request.app[NODE].coop_node, query)


@api.route(
    "POST",
    "/api/ballots",
    summary="Open a proposal ballot of every admitted member (board)",
    tag="ballots",
    body=NewBallot,
    response=BallotView,
    status=201,
    roles=BOARD,
)
async def open_ballot(request: web.Request, body: NewBallot) -> BallotView:
    require(request, BOARD, "open ballots")
    app = request.app[NODE].coop_node

    def command() -> BallotView:
        ballot_id = app.open_ballot(
            body.title,
            threshold=body.threshold,
            secret=body.secret,
            opened_on=body.opened_on,
            closes_on=body.closes_on,
        )
        return ballot_view(app, app.ballot(ballot_id))

    view = await write(request, command)
    return view


@api.route(
    "GET",
    "/api/ballots/{id}",
    summary="One ballot: turnout by class while open, the full tally once closed",
    tag="ballots",
    response=BallotView,
    params=ID,
    roles=EVERYONE,
)
async def get_ballot(request: web.Request) -> BallotView:
    principal(request)
    ballot_id = path_uuid(request)
    app = request.app[NODE].coop_node
    return await run(request, lambda: ballot_view(app, app.ballot(ballot_id)))


@api.route(
    "POST",
    "/api/ballots/{id}/votes",
    summary="Vote as yourself, or as proxy for_member; a secret ballot's receipt "
    "is answered once",
    tag="ballots",
    body=VoteRequest,
    response=VoteRecorded,
    status=201,
    params=ID,
    roles=MEMBERS,
)
async def cast_vote(request: web.Request, body: VoteRequest) -> VoteRecorded:
    voter_id = voter(principal(request))
    ballot_id = path_uuid(request)
    app = request.app[NODE].coop_node
    recorded = await write(request, vote, app, ballot_id, voter_id, body)
    return recorded


@api.route(
    "POST",
    "/api/ballots/{id}/proxies",
    summary="Let another member of the electorate vote for you in this ballot",
    tag="ballots",
    body=ProxyRequest,
    response=BallotView,
    params=ID,
    roles=MEMBERS,
)
async def appoint_proxy(request: web.Request, body: ProxyRequest) -> BallotView:
    member_id = voter(principal(request))
    ballot_id = path_uuid(request)
    app = request.app[NODE].coop_node

    def command() -> BallotView:
        app.ballot(ballot_id)  # 404 for an unknown ballot before touching its roll
        app.appoint_proxy(ballot_id, member_id, body.holder)
        return ballot_view(app, app.ballot(ballot_id))

    view = await write(request, command)
    return view


@api.route(
    "POST",
    "/api/ballots/{id}/proxies/revoke",
    summary="Take back the proxy you gave in this ballot (an open ballot's vote "
    "the holder cast for you is withdrawn with it)",
    tag="ballots",
    response=BallotView,
    params=ID,
    roles=MEMBERS,
)
async def revoke_proxy(request: web.Request) -> BallotView:
    require(request, MEMBERS, "revoke a proxy")
    member_id = voter(principal(request))
    ballot_id = path_uuid(request)
    app = request.app[NODE].coop_node

    def command() -> BallotView:
        app.ballot(ballot_id)
        app.revoke_proxy(ballot_id, member_id)
        return ballot_view(app, app.ballot(ballot_id))

    view = await write(request, command)
    return view


def check_receipt(app: CoopNode, ballot_id: UUID, receipt: str) -> ReceiptCheck:
    seen = app.verify_receipt(ballot_id, receipt)
    return ReceiptCheck(
        ballot_id, seen.ballot_status, seen.state, seen.counted, seen.choice
    )


@api.route(
    "POST",
    "/api/ballots/{id}/receipts/check",
    summary="Check a secret vote with its receipt: waiting, in the box or replaced, "
    "and counted once closed",
    tag="ballots",
    body=ReceiptRequest,
    response=ReceiptCheck,
    params=ID,
    roles=EVERYONE,
)
async def check_receipt_route(
    request: web.Request, body: ReceiptRequest
) -> ReceiptCheck:
    # Whoever holds the receipt may check it (the voter, or someone they trust).
    require(request, EVERYONE, "check a receipt")
    ballot_id = path_uuid(request)
    app = request.app[NODE].coop_node
    return await run(request, check_receipt, app, ballot_id, body.receipt)


@api.route(
    "POST",
    "/api/ballots/{id}/close",
    summary="Close a ballot and count it (admin)",
    tag="ballots",
    body=ClosingDay,
    response=BallotView,
    params=ID,
    roles=ADMIN_ONLY,
)
async def close_ballot(request: web.Request, body: ClosingDay) -> BallotView:
    require(request, {"admin"}, "close ballots")
    ballot_id = path_uuid(request)
    app = request.app[NODE].coop_node

    def command() -> BallotView:
        app.close_ballot(ballot_id, body.on)
        return ballot_view(app, app.ballot(ballot_id))

    view = await write(request, command)
    return view


class Named(msgspec.Struct, frozen=True):
    id: str
    name: str
    voted: bool = False


class MyBallot(msgspec.Struct, frozen=True):
    """A ballot as one member sees it on their home page."""

    ballot: BallotView
    voted: bool
    # Their choice in an open (non-secret) ballot; never shown for a secret one.
    choice: Any
    # Whether they cast it themselves (else their proxy did).
    in_person: bool = False
    allows_proxies: bool = False
    proxy: Named | None = None  # who holds their proxy
    holding: list[Named] = []  # members they may vote for
    # Members they could appoint (the electorate but themselves), by name.
    electors: list[Named] = []


def my_ballots(app: CoopNode, member_id: UUID) -> list[MyBallot]:
    """Ballots the member may vote in or has voted in, newest first."""
    member = str(member_id)
    mine = []
    for ballot in reversed(app.ballots()):
        roll = app.roll(ballot.id)
        if member not in roll.electorate or ballot.status == "cancelled":
            continue
        choice = None if ballot.secret else roll.votes.get(member)
        view = ballot_view(app, ballot)
        has_voted = roll.voted
        extra: dict[str, Any] = {}
        if ballot.is_open:
            names = {m: app.member(UUID(m)).name for m in roll.electorate}
            holder = roll.proxies.get(member)
            extra = {
                "allows_proxies": app.ballot_rules(ballot).allows_proxies,
                "proxy": Named(holder, names[holder]) if holder else None,
                "holding": [
                    Named(m, names[m], m in has_voted)
                    for m, h in sorted(roll.proxies.items())
                    if h == member
                ],
                "electors": sorted(
                    (Named(m, n) for m, n in names.items() if m != member),
                    key=lambda n: n.name.casefold(),
                ),
            }
        mine.append(
            MyBallot(
                view,
                member in has_voted,
                choice,
                in_person=roll.cast_by.get(member, member) == member,
                **extra,
            )
        )
    return mine
