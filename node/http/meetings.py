"""General meetings API: the board calls a meeting with its agenda of ballots,
records attendance, enters the room's votes per class and adopts the minutes;
board staff enter postal or assisted votes on a member's behalf. Anyone signed in
reads a meeting, its agenda and its adopted minutes; only the board sees who
attended and the postal votes' audit trail.
"""

import datetime as dt
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import BOARD, EVERYONE, Principal
from node.http.ballots import Proposal
from node.http.context import NODE, run, write
from node.http.guard import principal, require
from node.meetings import Meeting
from toolkit.web.routes import Api, path_uuid

api = Api()
ID = {"id": UUID}
Count = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
ClassName = Annotated[str, msgspec.Meta(pattern=r"^[a-z_]+$", max_length=64)]


class AgendaItem(msgspec.Struct, frozen=True):
    ballot_id: UUID
    title: str
    status: str


class Minutes(msgspec.Struct, frozen=True):
    version: int
    text: str
    written_by: str
    adopted_on: dt.date


class MeetingView(msgspec.Struct, frozen=True):
    """A meeting as members read it: attendance only as counts; ``minutes``
    holds every adopted version, the last one current."""

    id: UUID
    title: str
    held_on: dt.date
    starts_at: str
    place: str
    agenda: list[AgendaItem]
    present: int
    by_proxy: int
    minutes: list[Minutes]


class NewMeeting(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    held_on: dt.date
    starts_at: Annotated[str, msgspec.Meta(pattern=r"^\d{2}:\d{2}$")]
    place: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    agenda: Annotated[list[UUID], msgspec.Meta(max_length=50)] = []


class Attendance(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Members present in person, and members represented by a proxy holder
    present (member ids)."""

    present: Annotated[list[UUID], msgspec.Meta(max_length=10_000)] = []
    proxies: Annotated[list[UUID], msgspec.Meta(max_length=10_000)] = []


class InRoomTotals(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Headcounts per member class and choice, as the chair counted them."""

    ballot_id: UUID
    totals: dict[ClassName, dict[Proposal, Count]]


class NewMinutes(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=20_000)]
    written_by: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class PostalVote(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``choice``: for / against / abstain, or an election's candidates' member
    ids, best first."""

    member_id: UUID
    choice: Proposal | Annotated[list[UUID], msgspec.Meta(max_length=100)]
    channel: Literal["postal", "assisted"] = "postal"


class PostalVoteEntered(msgspec.Struct, frozen=True):
    """``receipt`` (secret ballots only) is shown this once, for the voter."""

    ballot_id: UUID
    member_id: UUID
    receipt: str | None


class PostalEntry(msgspec.Struct, frozen=True):
    member_id: UUID
    entered_by: str
    channel: str
    entered_on: dt.date
    choice: Any  # none for a secret ballot


def actor(who: Principal) -> str:
    """Who did it, as the audit records it: a member id, or the admin."""
    return str(who.member_id) if who.member_id is not None else "admin"


def attend(app: CoopNode, meeting_id: UUID, body: Attendance, who: Principal) -> None:
    """Record who attended (from the API and from the meeting page)."""
    app.record_attendance(meeting_id, body.present, body.proxies, actor(who))


def enter_room_totals(
    app: CoopNode, meeting_id: UUID, body: InRoomTotals, who: Principal
) -> None:
    """Enter the room's votes (from the API and from the meeting page)."""
    totals = {c: {str(k): n for k, n in t.items()} for c, t in body.totals.items()}
    app.enter_in_room_totals(meeting_id, body.ballot_id, totals, actor(who))


def meeting_view(app: CoopNode, meeting: Meeting) -> MeetingView:
    agenda = []
    for ballot_id in meeting.agenda:
        ballot = app.ballot(UUID(ballot_id))
        agenda.append(AgendaItem(ballot.id, ballot.title, ballot.status))
    return MeetingView(
        id=meeting.id,
        title=meeting.title,
        held_on=meeting.held_on,
        starts_at=meeting.starts_at,
        place=meeting.place,
        agenda=agenda,
        present=len(meeting.present),
        by_proxy=len(meeting.proxies),
        minutes=[
            Minutes(m["version"], m["text"], m["written_by"], m["adopted_on"])
            for m in meeting.minutes
        ],
    )


def postal_entries(app: CoopNode, ballot_id: UUID) -> list[PostalEntry]:
    return [
        PostalEntry(
            UUID(e["member"]),
            e["entered_by"],
            e["channel"],
            e["entered_on"],
            e["choice"],
        )
        for e in app.postal_votes(ballot_id)
    ]


@api.route(
    "GET",
    "/api/meetings",
    summary="General meetings, in the order called, with agenda and minutes",
    tag="meetings",
    response=list[MeetingView],
    roles=EVERYONE,
)
async def list_meetings(request: web.Request) -> list[MeetingView]:
    principal(request)
    app = request.app[NODE].coop_node
    return await run(request, lambda: [meeting_view(app, m) for m in app.meetings()])


@api.route(
    "POST",
    "/api/meetings",
    summary="Call a general meeting: day, time, place and the ballots on its agenda",
    tag="meetings",
    body=NewMeeting,
    response=MeetingView,
    status=201,
    roles=BOARD,
    errors=(404,),  # a ballot on the agenda that does not exist
)
async def call_meeting(request: web.Request, body: NewMeeting) -> MeetingView:
    who = require(request, BOARD, "call general meetings")
    app = request.app[NODE].coop_node

    def command() -> MeetingView:
        meeting_id = app.call_meeting(
            body.title,
            body.held_on,
            body.starts_at,
            body.place,
            body.agenda,
            actor(who),
        )
        return meeting_view(app, app.meeting(meeting_id))

    view = await write(request, command)
    return view


@api.route(
    "GET",
    "/api/meetings/{id}",
    summary="One general meeting: its agenda, attendance counts and adopted minutes",
    tag="meetings",
    response=MeetingView,
    params=ID,
    roles=EVERYONE,
)
async def get_meeting(request: web.Request) -> MeetingView:
    principal(request)
    meeting_id = path_uuid(request)
    app = request.app[NODE].coop_node
    return await run(request, lambda: meeting_view(app, app.meeting(meeting_id)))


@api.route(
    "GET",
    "/api/meetings/{id}/attendance",
    summary="Who attended: members present and members represented by proxy",
    tag="meetings",
    response=Attendance,
    params=ID,
    roles=BOARD,
)
async def get_attendance(request: web.Request) -> Attendance:
    require(request, BOARD, "read who attended")
    meeting_id = path_uuid(request)
    app = request.app[NODE].coop_node

    def read() -> Attendance:
        meeting = app.meeting(meeting_id)
        return Attendance(
            [UUID(m) for m in meeting.present], [UUID(m) for m in meeting.proxies]
        )

    return await run(request, read)


@api.route(
    "PUT",
    "/api/meetings/{id}/attendance",
    summary="Record who attended (replaces the earlier record)",
    tag="meetings",
    body=Attendance,
    response=Attendance,
    params=ID,
    roles=BOARD,
)
async def put_attendance(request: web.Request, body: Attendance) -> Attendance:
    who = require(request, BOARD, "record attendance")
    meeting_id = path_uuid(request)
    app = request.app[NODE].coop_node
    await write(request, attend, app, meeting_id, body, who)
    return body


@api.route(
    "POST",
    "/api/meetings/{id}/in-room-totals",
    summary="Enter the room's votes on an agenda ballot, per class (the chair)",
    tag="meetings",
    body=InRoomTotals,
    response=MeetingView,
    params=ID,
    roles=BOARD,
)
async def in_room_totals(request: web.Request, body: InRoomTotals) -> MeetingView:
    who = require(request, BOARD, "enter the room's votes")
    meeting_id = path_uuid(request)
    app = request.app[NODE].coop_node

    def command() -> MeetingView:
        enter_room_totals(app, meeting_id, body, who)
        return meeting_view(app, app.meeting(meeting_id))

    view = await write(request, command)
    return view


@api.route(
    "POST",
    "/api/meetings/{id}/minutes",
    summary="Adopt the minutes (a later adoption amends them; every version is kept)",
    tag="meetings",
    body=NewMinutes,
    response=MeetingView,
    status=201,
    params=ID,
    roles=BOARD,
)
async def adopt_minutes(request: web.Request, body: NewMinutes) -> MeetingView:
    who = require(request, BOARD, "adopt minutes")
    meeting_id = path_uuid(request)
    app = request.app[NODE].coop_node

    def command() -> MeetingView:
        app.adopt_minutes(meeting_id, body.text, body.written_by, actor(who))
        return meeting_view(app, app.meeting(meeting_id))

    view = await write(request, command)
    return view


@api.route(
    "POST",
    "/api/ballots/{id}/postal-votes",
    summary="Enter a member's postal or assisted vote on their behalf (audited)",
    tag="meetings",
    body=PostalVote,
    response=PostalVoteEntered,
    status=201,
    params=ID,
    roles=BOARD,
)
async def enter_postal_vote(
    request: web.Request, body: PostalVote
) -> PostalVoteEntered:
    who = require(request, BOARD, "enter postal votes")
    ballot_id = path_uuid(request)
    app = request.app[NODE].coop_node
    choice = body.choice if isinstance(body.choice, str) else list(body.choice)
    receipt = await write(
        request,
        app.enter_postal_vote,
        ballot_id,
        body.member_id,
        choice,
        actor(who),
        body.channel,
    )
    return PostalVoteEntered(ballot_id, body.member_id, receipt)


@api.route(
    "GET",
    "/api/ballots/{id}/postal-votes",
    summary="The audit trail of votes entered on members' behalf in a ballot",
    tag="meetings",
    response=list[PostalEntry],
    params=ID,
    roles=BOARD,
)
async def list_postal_votes(request: web.Request) -> list[PostalEntry]:
    require(request, BOARD, "read the postal votes' audit trail")
    ballot_id = path_uuid(request)
    app = request.app[NODE].coop_node
    return await run(request, postal_entries, app, ballot_id)
