"""Elections API: call an election with its nominations period (board), stand or
nominate another member, accept a nomination (members), withdraw a nomination
with a reason and open voting (board), read an election with its candidates'
statements, its results with every stage of the count, and the current board
with each member's term of office.

Votes go through the ballots API (``POST /api/ballots/{id}/votes``), like any
ballot. Statements are read by those signed in to the node only; a
withdrawal's reason is shown to the board only. A secret election's count is
shown stage by stage only for constituencies with enough voters that the
stages cannot reveal a choice (node.tally.SMALL_CLASS); the names elected are
always shown.
"""

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import BOARD, EVERYONE, MEMBERS, Principal
from node.http.ballots import voter
from node.http.context import NODE, run, write
from node.http.guard import principal, require
from node.nominations import Election
from node.tally import shown_result
from toolkit.web.routes import Api, path_uuid

api = Api()
ID = {"id": UUID}

ElectionStatus = Literal["nominating", "voting", "closed", "cancelled"]
Statement = Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


class Named(msgspec.Struct, frozen=True):
    member_id: UUID
    name: str


class Candidate(msgspec.Struct, frozen=True):
    member_id: UUID
    name: str
    member_class: str
    # "proposed" (nominated by another, not yet accepted), "standing", "withdrawn"
    status: str
    statement: str
    nominated_by: str  # the nominating member's name
    reason: str | None = None  # why the board withdrew it (board only)


class Constituency(msgspec.Struct, frozen=True):
    member_class: str
    seats: int


class ElectionView(msgspec.Struct, frozen=True):
    id: UUID
    title: str
    status: ElectionStatus
    constituencies: list[Constituency]
    opens_on: dt.date
    closes_on: dt.date
    voting_closes_on: dt.date | None
    secret: bool
    # Whether nominations are accepted today.
    accepting: bool
    ballot_id: UUID | None
    candidates: list[Candidate]


class NewElection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    opens_on: dt.date
    closes_on: dt.date
    # Member classes that elect board seats; none given: every such class.
    constituencies: (
        Annotated[
            list[Annotated[str, msgspec.Meta(pattern=r"^[a-z_]{1,40}$")]],
            msgspec.Meta(max_length=20),
        ]
        | None
    ) = None
    voting_closes_on: dt.date | None = None
    secret: bool = True


class Nomination(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Stand yourself (no ``candidate``, with your ``statement``), or nominate
    another member, who stands once they accept."""

    candidate: UUID | None = None
    statement: Annotated[str, msgspec.Meta(max_length=4000)] = ""


class Acceptance(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    statement: Statement


class Withdrawal(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class Stage(msgspec.Struct, frozen=True):
    """One stage of a count; ``votes`` and ``transfers`` follow the count's
    ``candidates`` (a transfer is "" where nothing moved)."""

    number: int
    action: str  # "first", "surplus", "exclusion" or "last vacancies"
    source: Named | None
    votes: list[str]
    transfers: list[str]
    elected: list[Named]
    excluded: list[Named]
    non_transferable: str
    lost: str
    tie_broken: str


class Count(msgspec.Struct, frozen=True):
    member_class: str
    seats: int
    method: str
    electorate: int
    voted: int
    valid: int
    quota: int
    candidates: list[Named]
    elected: list[Named]
    # None when a secret ballot's constituency had too few voters to show them.
    stages: list[Stage] | None


class Seat(msgspec.Struct, frozen=True):
    member_id: UUID
    name: str
    member_class: str  # the constituency whose seat it is
    starts_on: dt.date | None  # None: elected before terms were recorded
    ends_on: dt.date | None


class ElectionResults(msgspec.Struct, frozen=True):
    election_id: UUID
    title: str
    status: ElectionStatus
    quorate: bool | None
    electorate: int
    voted: int
    reasons: list[str]
    counts: list[Count]
    # Those elected, with the terms they began.
    elected: list[Seat]


def _name(app: CoopNode, member_id: str) -> str:
    return str(app.member(UUID(member_id)).name)


def _named(app: CoopNode, member_id: str) -> Named:
    return Named(UUID(member_id), _name(app, member_id))


def status_of(app: CoopNode, election: Election) -> ElectionStatus:
    if election.ballot_id is None:
        return "nominating"
    ballot_status = app.ballot(election.ballot_id).status
    return "voting" if ballot_status == "open" else ballot_status


def election_view(
    app: CoopNode, election: Election, board: bool, today: dt.date | None = None
) -> ElectionView:
    seats = app.coop().profile.board_seats
    return ElectionView(
        id=election.id,
        title=election.title,
        status=status_of(app, election),
        constituencies=[
            Constituency(c, seats.get(c, 0)) for c in election.constituencies
        ],
        opens_on=election.opens_on,
        closes_on=election.closes_on,
        voting_closes_on=election.voting_closes_on,
        secret=election.secret,
        accepting=election.accepting(today or dt.date.today()),
        ballot_id=election.ballot_id,
        candidates=[
            Candidate(
                member_id=UUID(m),
                name=_name(app, m),
                member_class=n["member_class"],
                status=n["status"],
                statement=n["statement"],
                nominated_by=_name(app, n["nominated_by"]),
                reason=n["reason"] or None if board else None,
            )
            for m, n in election.nominees.items()
        ],
    )


def elections_list(app: CoopNode, board: bool) -> list[ElectionView]:
    return [election_view(app, e, board) for e in reversed(app.elections())]


def _stages(app: CoopNode, count: dict[str, Any]) -> list[Stage]:
    order = count["candidates"]
    stages = []
    for number, r in enumerate(count["rounds"], start=1):
        transfers = r.get("transfers", {})
        source = r.get("source")
        stages.append(
            Stage(
                number=number,
                action=r.get("action", "first"),
                source=_named(app, source) if source else None,
                votes=[r["votes"].get(c, "0") for c in order],
                transfers=[transfers.get(c, "") for c in order],
                elected=[_named(app, m) for m in r["elected"]],
                excluded=[_named(app, m) for m in r["excluded"]],
                non_transferable=r["exhausted"],
                lost=r.get("lost", "0"),
                tie_broken=r.get("tie_broken", ""),
            )
        )
    return stages


def results_of(app: CoopNode, election: Election) -> ElectionResults:
    status = status_of(app, election)
    empty = ElectionResults(election.id, election.title, status, None, 0, 0, [], [], [])
    if election.ballot_id is None or status != "closed":
        return empty
    ballot = app.ballot(election.ballot_id)
    result = shown_result(ballot.result, ballot.secret) or {}
    turnout = {c["member_class"]: c for c in result.get("classes", [])}
    counts = []
    for member_class, count in result.get("counts", {}).items():
        voted = turnout.get(member_class, {}).get("voted", 0)
        counts.append(
            Count(
                member_class=member_class,
                seats=count["seats"],
                method=count["method"],
                electorate=turnout.get(member_class, {}).get("electorate", 0),
                voted=voted,
                valid=count["valid"],
                quota=count["quota"],
                candidates=[_named(app, c) for c in count["candidates"]],
                elected=[_named(app, c) for c in count["elected"]],
                stages=None if count["rounds"] is None else _stages(app, count),
            )
        )
    quorate = bool(result.get("quorate"))
    coop = app.coop()
    elected = [
        _seat(app, coop.terms, m, c)
        for c, count in result.get("counts", {}).items()
        for m in (count["elected"] if quorate else [])
    ]
    return msgspec.structs.replace(
        empty,
        quorate=quorate,
        electorate=result.get("electorate", 0),
        voted=result.get("voted", 0),
        reasons=list(result.get("reasons", [])),
        counts=counts,
        elected=elected,
    )


def _seat(
    app: CoopNode,
    terms: dict[str, tuple[dt.date, dt.date]],
    member_id: str,
    member_class: str,
) -> Seat:
    starts, ends = terms.get(member_id, (None, None))
    return Seat(UUID(member_id), _name(app, member_id), member_class, starts, ends)


def current_board(app: CoopNode) -> list[Seat]:
    coop = app.coop()
    return [
        _seat(app, coop.terms, m, c)
        for c, members in coop.board.items()
        for m in members
    ]


def _is_board(who: Principal) -> bool:
    return who.role in BOARD


def called(app: CoopNode, body: NewElection) -> UUID:
    """Call the election ``body`` describes (from the API and from the page)."""
    return app.call_election(
        body.title,
        opens_on=body.opens_on,
        closes_on=body.closes_on,
        constituencies=body.constituencies,
        voting_closes_on=body.voting_closes_on,
        secret=body.secret,
    )


def _read(request: web.Request) -> tuple[CoopNode, UUID, bool]:
    who = principal(request)
    return request.app[NODE].coop_node, path_uuid(request), _is_board(who)


async def _change(
    request: web.Request, election_id: UUID, board: bool, change: Callable[[], object]
) -> ElectionView:
    """Make a change to one election, then answer with the election as it is now
    (in the same write, so the answer cannot miss the change)."""
    app = request.app[NODE].coop_node

    def command() -> ElectionView:
        change()
        return election_view(app, app.election(election_id), board)

    return await write(request, command)


@api.route(
    "GET",
    "/api/elections",
    summary="List board elections, newest first, with candidates and statements",
    tag="elections",
    response=list[ElectionView],
    roles=EVERYONE,
)
async def list_elections(request: web.Request) -> list[ElectionView]:
    who = require(request, EVERYONE, "read elections")
    app = request.app[NODE].coop_node
    return await run(request, elections_list, app, _is_board(who))


@api.route(
    "POST",
    "/api/elections",
    summary="Call a board election: its constituencies and nominations period (board)",
    tag="elections",
    body=NewElection,
    response=ElectionView,
    status=201,
    roles=BOARD,
)
async def call_election(request: web.Request, body: NewElection) -> ElectionView:
    require(request, BOARD, "call elections")
    app = request.app[NODE].coop_node

    def command() -> ElectionView:
        election_id = called(app, body)
        return election_view(app, app.election(election_id), True)

    view = await write(request, command)
    return view


@api.route(
    "GET",
    "/api/elections/{id}",
    summary="One election: its nominations period, candidates and statements",
    tag="elections",
    response=ElectionView,
    params=ID,
    roles=EVERYONE,
)
async def get_election(request: web.Request) -> ElectionView:
    app, election_id, board = _read(request)
    return await run(
        request, lambda: election_view(app, app.election(election_id), board)
    )


@api.route(
    "POST",
    "/api/elections/{id}/nominations",
    summary="Stand as a candidate with your statement, or nominate another member",
    tag="elections",
    body=Nomination,
    response=ElectionView,
    status=201,
    params=ID,
    roles=MEMBERS,
)
async def nominate(request: web.Request, body: Nomination) -> ElectionView:
    member_id = voter(require(request, MEMBERS, "stand or nominate"))
    app, election_id, board = _read(request)
    candidate = body.candidate or member_id

    return await _change(
        request,
        election_id,
        board,
        lambda: app.nominate(election_id, candidate, member_id, body.statement),
    )


@api.route(
    "POST",
    "/api/elections/{id}/nominations/accept",
    summary="Accept your nomination by another member, with your statement",
    tag="elections",
    body=Acceptance,
    response=ElectionView,
    params=ID,
    roles=MEMBERS,
)
async def accept(request: web.Request, body: Acceptance) -> ElectionView:
    member_id = voter(require(request, MEMBERS, "accept a nomination"))
    app, election_id, board = _read(request)

    return await _change(
        request,
        election_id,
        board,
        lambda: app.accept_nomination(election_id, member_id, body.statement),
    )


@api.route(
    "POST",
    "/api/elections/{id}/nominations/{member}/withdraw",
    summary="Withdraw a nomination that is not valid, with the reason (board)",
    tag="elections",
    body=Withdrawal,
    response=ElectionView,
    params={"id": UUID, "member": UUID},
    roles=BOARD,
)
async def withdraw(request: web.Request, body: Withdrawal) -> ElectionView:
    require(request, BOARD, "withdraw nominations")
    app, election_id, _ = _read(request)
    member_id = path_uuid(request, "member")

    return await _change(
        request,
        election_id,
        True,
        lambda: app.withdraw_nomination(election_id, member_id, body.reason),
    )


@api.route(
    "POST",
    "/api/elections/{id}/voting",
    summary="Close nominations and open the ballot with those standing (board; "
    "from the day nominations close)",
    tag="elections",
    response=ElectionView,
    params=ID,
    roles=BOARD,
)
async def open_voting(request: web.Request) -> ElectionView:
    require(request, BOARD, "open voting")
    app, election_id, _ = _read(request)

    return await _change(
        request, election_id, True, lambda: app.open_voting(election_id)
    )


@api.route(
    "GET",
    "/api/elections/{id}/results",
    summary="An election's result: those elected with their terms, and every "
    "stage of the count",
    tag="elections",
    response=ElectionResults,
    params=ID,
    roles=EVERYONE,
)
async def results(request: web.Request) -> ElectionResults:
    app, election_id, _ = _read(request)
    return await run(request, lambda: results_of(app, app.election(election_id)))


@api.route(
    "GET",
    "/api/board",
    summary="The current board: each member's name, constituency and term",
    tag="elections",
    response=list[Seat],
    roles=EVERYONE,
)
async def board(request: web.Request) -> list[Seat]:
    require(request, EVERYONE, "read the board")
    return await run(request, current_board, request.app[NODE].coop_node)
