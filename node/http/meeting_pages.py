"""General meeting pages: every member reads the meetings, their agendas and
adopted minutes; the board calls a meeting, records who came, enters the room's
votes per class, enters postal or assisted votes for members, and adopts the
minutes. Plain forms that post and redirect; no JavaScript needed.

Forms are checked against the API's bodies (``node.http.meetings``) and run the
same commands. A secret ballot's postal vote answers with the voter's receipt,
shown once, like a vote cast online.
"""

import datetime as dt
from functools import partial
from typing import Any
from uuid import UUID

from aiohttp import web
from multidict import MultiDictProxy

from node.application import CoopNode
from node.auth import BOARD, EVERYONE
from node.errors import DomainError, UnknownBallot
from node.http.context import NODE, write
from node.http.error_words import said
from node.http.field_errors import checked, form_page, path_id, trimmed
from node.http.meetings import (
    Attendance,
    InRoomTotals,
    NewMeeting,
    NewMinutes,
    PostalVote,
    actor,
    attend,
    enter_room_totals,
    meeting_view,
    postal_entries,
)
from node.http.pages import signed_in, status_of
from node.tally import CHOICES
from toolkit.web.i18n import N_

meeting_pages = web.RouteTableDef()
NOT_FOUND = N_("There is no such meeting.")
DONE = {
    "called": N_("The meeting is called."),
    "attendance": N_("Attendance recorded."),
    "in-room": N_(
        "The room's votes are recorded; they are counted when the ballot closes."
    ),
    "postal": N_("The vote is recorded for the member."),
    "minutes": N_("The minutes are adopted."),
}
CALL_HINTS = {
    "title": N_("Give the meeting a name (200 characters at most)."),
    "held_on": N_("Choose the day of the meeting."),
    "starts_at": N_("Give the time it starts, like 18:30."),
    "place": N_("Say where it is held (200 characters at most)."),
    "agenda": N_("Choose ballots from the list."),
}
PAST_DAY = N_("The meeting's day cannot be in the past.")
MINUTES_HINTS = {
    "text": N_("Write the minutes."),
    "written_by": N_("Give the secretary's name."),
}
POSTAL_HINTS = {
    "member_id": N_("Choose the member from the list."),
    "choice": N_("Choose for, against or abstain."),
    "channel": N_("Choose by post or with help."),
    "ballot": N_("Choose a ballot on the agenda."),
}
COUNT_HINT = N_("Each total is a whole number, 0 or more.")


def _list_context(app: CoopNode) -> dict[str, Any]:
    return {
        "meetings": [meeting_view(app, m) for m in reversed(app.meetings())],
        "open_ballots": [b for b in app.ballots() if b.is_open],
    }


def _meeting_context(
    app: CoopNode, meeting_id: UUID, board: bool, receipt: str | None = None
) -> dict[str, Any]:
    try:
        meeting = app.meeting(meeting_id)
    except DomainError:
        raise web.HTTPNotFound(text=NOT_FOUND) from None
    view = meeting_view(app, meeting)
    context: dict[str, Any] = {"meeting": view, "board": board, "receipt": receipt}
    if not board:
        return context
    admitted = sorted(
        (m for m in app.members() if m.is_admitted), key=lambda m: m.name.casefold()
    )
    names = {str(m.id): m.name for m in app.members()}
    open_items = []
    for item in view.agenda:
        ballot = app.ballot(item.ballot_id)
        open_items.append(
            {
                "id": item.ballot_id,
                "title": item.title,
                "open": ballot.is_open,
                "proposal": ballot.kind == "proposal",
                "classes": app.ballot_rules(ballot).class_names,
                "in_room": meeting.in_room.get(str(item.ballot_id), {}),
                "postal": postal_entries(app, item.ballot_id),
            }
        )
    context.update(
        members=admitted,
        names=names,
        present=set(meeting.present),
        proxies=set(meeting.proxies),
        items=open_items,
        choices=CHOICES,
    )
    return context


meetings_page = partial(form_page, "meetings.html", _list_context, DONE)


async def meeting_page(
    request: web.Request,
    meeting_id: UUID,
    receipt: str | None = None,
    **kwargs: Any,
) -> web.Response:
    board = signed_in(request, EVERYONE).role in BOARD
    context = partial(_meeting_context, board=board, receipt=receipt)
    return await form_page("meeting.html", context, DONE, request, meeting_id, **kwargs)


async def _refused(
    request: web.Request,
    meeting_id: UUID,
    error: DomainError,
    field: str,
    form: dict[str, str] | None = None,
) -> web.Response:
    """The meeting page again after a refused command, saying why beside ``field``
    and keeping what was typed."""
    return await meeting_page(
        request,
        meeting_id,
        status=status_of(error),
        errors={field: said(error)},
        form=form,
    )


def _redirect(meeting_id: UUID, done: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"/meetings/{meeting_id}?done={done}#done")


@meeting_pages.get("/meetings")
async def meetings(request: web.Request) -> web.Response:
    signed_in(request, EVERYONE)
    return await meetings_page(request)


@meeting_pages.post("/meetings")
async def call_meeting(request: web.Request) -> web.Response:
    who = signed_in(request, BOARD)
    posted = await request.post()
    form = {k: v for k, v in trimmed(posted, CALL_HINTS).items() if v}
    values: dict[str, Any] = {**form, "agenda": posted.getall("agenda", [])}
    body, errors = checked(NewMeeting, values, CALL_HINTS)
    if body is not None:
        errors = _when_problems(body)
    if body is None or errors:
        return await meetings_page(request, status=400, errors=errors, form=form)
    app = request.app[NODE].coop_node
    args = (body.title, body.held_on, body.starts_at, body.place, body.agenda)
    try:
        meeting_id = await write(request, app.call_meeting, *args, actor(who))
    except DomainError as error:
        field = "agenda" if isinstance(error, UnknownBallot) else "held_on"
        errors = {field: said(error)}
        return await meetings_page(
            request, status=status_of(error), errors=errors, form=form
        )
    raise _redirect(meeting_id, "called")


def _when_problems(body: NewMeeting) -> dict[str, str]:
    """What the API's types let through but the meeting refuses, by field."""
    errors = {}
    try:
        dt.time.fromisoformat(body.starts_at)
    except ValueError:
        errors["starts_at"] = CALL_HINTS["starts_at"]
    if body.held_on < dt.date.today():
        errors["held_on"] = PAST_DAY
    return errors


@meeting_pages.get("/meetings/{id}")
async def meeting(request: web.Request) -> web.Response:
    signed_in(request, EVERYONE)
    return await meeting_page(request, path_id(request, NOT_FOUND))


@meeting_pages.post("/meetings/{id}/attendance")
async def record_attendance(request: web.Request) -> web.Response:
    who = signed_in(request, BOARD)
    meeting_id = path_id(request, NOT_FOUND)
    posted = await request.post()
    values = {
        "present": posted.getall("present", []),
        "proxies": posted.getall("proxies", []),
    }
    body, errors = checked(Attendance, values, {"present": POSTAL_HINTS["member_id"]})
    if body is None:
        return await meeting_page(request, meeting_id, status=400, errors=errors)
    app = request.app[NODE].coop_node
    try:
        await write(request, attend, app, meeting_id, body, who)
    except DomainError as error:
        return await _refused(request, meeting_id, error, "present")
    raise _redirect(meeting_id, "attendance")


def _totals(posted: MultiDictProxy[Any]) -> dict[str, dict[str, str]]:
    """The totals form's counts: fields named ``count-<class>-<choice>``."""
    totals: dict[str, dict[str, str]] = {}
    for name, value in posted.items():
        if name.startswith("count-") and str(value).strip():
            member_class, _, choice = name[len("count-") :].rpartition("-")
            totals.setdefault(member_class, {})[choice] = str(value).strip()
    return totals


@meeting_pages.post("/meetings/{id}/in-room")
async def in_room(request: web.Request) -> web.Response:
    who = signed_in(request, BOARD)
    meeting_id = path_id(request, NOT_FOUND)
    posted = await request.post()
    ballot = str(posted.get("ballot_id", ""))
    field = f"totals-{ballot}"
    values = {"ballot_id": ballot, "totals": _totals(posted)}
    body, errors = checked(InRoomTotals, values, {"totals": COUNT_HINT})
    form = {k: str(v) for k, v in posted.items() if k.startswith("count-")}
    if body is None:
        errors = {field: errors.get("totals", COUNT_HINT)}
        return await meeting_page(
            request, meeting_id, status=400, errors=errors, form=form
        )
    app = request.app[NODE].coop_node
    try:
        await write(request, enter_room_totals, app, meeting_id, body, who)
    except DomainError as error:
        return await _refused(request, meeting_id, error, field, form)
    raise _redirect(meeting_id, "in-room")


@meeting_pages.post("/meetings/{id}/postal")
async def postal_vote(request: web.Request) -> web.Response:
    who = signed_in(request, BOARD)
    meeting_id = path_id(request, NOT_FOUND)
    posted = await request.post()
    form = trimmed(posted, ("ballot", "member_id", "choice", "channel"))
    values = {k: v for k, v in form.items() if v and k != "ballot"}
    body, errors = checked(PostalVote, values, POSTAL_HINTS)
    try:
        ballot_id = UUID(form["ballot"])
    except ValueError:
        errors["ballot"] = POSTAL_HINTS["ballot"]
    if body is None or errors:
        return await meeting_page(
            request, meeting_id, status=400, errors=errors, form=form
        )
    app = request.app[NODE].coop_node
    try:
        receipt = await write(
            request,
            app.enter_postal_vote,
            ballot_id,
            body.member_id,
            body.choice,
            actor(who),
            body.channel,
        )
    except DomainError as error:
        return await _refused(request, meeting_id, error, "member_id", form)
    if receipt is not None:
        # A secret ballot: the receipt is shown this once, for the voter.
        return await meeting_page(request, meeting_id, receipt=receipt)
    raise _redirect(meeting_id, "postal")


@meeting_pages.post("/meetings/{id}/minutes")
async def adopt_minutes(request: web.Request) -> web.Response:
    who = signed_in(request, BOARD)
    meeting_id = path_id(request, NOT_FOUND)
    form = trimmed(await request.post(), ("text", "written_by"))
    body, errors = checked(
        NewMinutes, {k: v for k, v in form.items() if v}, MINUTES_HINTS
    )
    if body is None:
        return await meeting_page(
            request, meeting_id, status=400, errors=errors, form=form
        )
    app = request.app[NODE].coop_node
    try:
        await write(
            request,
            app.adopt_minutes,
            meeting_id,
            body.text,
            body.written_by,
            actor(who),
        )
    except DomainError as error:
        return await _refused(request, meeting_id, error, "text", form)
    raise _redirect(meeting_id, "minutes")
