"""Motion pages: every signed-in member lists the motions, reads one with its
papers, discussion and (once counted) result, comments on it and follows the
link to its ballot to vote; the board drafts a motion, changes it and adds
papers until it opens the vote with a closing date and time, and hides comments
with a reason. Plain forms (no JavaScript), each running the API's command
(``node.http.motions``); writes answer 303 back to the page with a confirmation.
"""

import datetime as dt
from functools import partial
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from aiohttp import web
from multidict import MultiDictProxy

from node.application import CoopNode
from node.auth import BOARD, EVERYONE, MEMBERS, Principal
from node.errors import DomainError, UnknownMotion
from node.http.context import NODE, write
from node.http.error_words import said
from node.http.field_errors import checked, filled, form_page, path_id
from node.http.motions import (
    HideComment,
    NewComment,
    NewMotion,
    add_paper,
    motion_view,
    paper_response,
    summary,
)
from node.http.pages import signed_in
from node.meetings import Meeting
from node.motions import KINDS, threshold_for
from toolkit.web.i18n import N_

motion_pages = web.RouteTableDef()
NOT_FOUND = N_("There is no such motion.")
DONE = {
    "drafted": N_("The motion is drafted. Add its papers, then open the vote."),
    "edited": N_("The motion is changed."),
    "paper": N_("The paper is added."),
    "opened": N_(
        "The vote is open. The co-op closes and counts it by itself at its "
        "closing time."
    ),
    "commented": N_("Your comment is posted."),
    "hidden": N_("The comment is hidden."),
}
MOTION_HINTS = {
    "title": N_("Give the motion a title (200 characters at most)."),
    "kind": N_("Choose what kind of motion it is."),
    "proposer": N_("Choose the member who proposes it."),
    "text": N_("The text is too long (20000 characters at most)."),
}
CLOSES = N_("Give the day and time the vote closes, later than now.")
PAPER = N_("Choose a file, and give the paper a name (200 characters at most).")
COMMENT = N_("Write your comment (4000 characters at most).")
REASON = N_("Say why it is hidden (400 characters at most).")
PAPER_KINDS = {
    "application/pdf": N_("PDF"),
    "text/plain": N_("text"),
    "image/png": N_("image"),
    "image/jpeg": N_("image"),
}


def _members(app: CoopNode) -> list[tuple[UUID, str]]:
    people = [(m.id, m.name) for m in app.members() if m.is_admitted]
    return sorted(people, key=lambda p: p[1].casefold())


def _list_context(app: CoopNode, who: Principal) -> dict[str, Any]:
    board = who.role in BOARD
    profile = app.coop().profile
    return {
        "motions": [summary(app, m) for m in reversed(app.motions())],
        "board": board,
        "kinds": KINDS,
        "thresholds": {k: threshold_for(profile, k) for k in KINDS},
        "members": _members(app) if board else [],
        "form": {"proposer": str(who.member_id or "")},
    }


def _motion_context(app: CoopNode, motion_id: UUID, who: Principal) -> dict[str, Any]:
    try:
        view = motion_view(app, motion_id, who)
    except UnknownMotion:
        raise web.HTTPNotFound(text=NOT_FOUND) from None
    board = who.role in BOARD
    profile = app.coop().profile
    return {
        "m": view,
        "board": board,
        "meetings": _meetings_voting_on(app, view.summary.ballot_id),
        "paper_kinds": PAPER_KINDS,
        "can_comment": who.member_id is not None and view.summary.status != "counted",
        "kinds": KINDS,
        "thresholds": {k: threshold_for(profile, k) for k in KINDS},
        "members": _members(app) if board else [],
        "form": {
            "title": view.summary.title,
            "kind": view.summary.kind,
            "proposer": str(view.proposer_id),
            "text": view.text,
        },
    }


def _meetings_voting_on(app: CoopNode, ballot_id: UUID | None) -> list[Meeting]:
    """The general meetings with the motion's ballot on their agenda: members
    who cannot vote online go there to vote."""
    if ballot_id is None:
        return []
    return [m for m in app.meetings() if str(ballot_id) in m.agenda]


list_page = partial(form_page, "motions.html", _list_context, DONE)
motion_page = partial(form_page, "motion.html", _motion_context, DONE)


def _motion_form(form: MultiDictProxy[Any]) -> dict[str, str]:
    return filled(form, ("title", "kind", "proposer", "text"))


@motion_pages.get("/motions")
async def motions(request: web.Request) -> web.Response:
    who = signed_in(request, EVERYONE)
    return await list_page(request, who)


@motion_pages.post("/motions")
async def draft(request: web.Request) -> web.Response:
    who = signed_in(request, BOARD)
    form = _motion_form(await request.post())
    body, errors = checked(NewMotion, form, MOTION_HINTS)
    if body is None:
        return await list_page(request, who, status=400, errors=errors, form=form)
    app = request.app[NODE].coop_node
    args = (body.title, body.text, body.proposer, body.kind)
    try:
        motion_id = await write(request, app.draft_motion, *args)
    except DomainError as error:
        errors = {"proposer": said(error)}
        return await list_page(request, who, status=400, errors=errors, form=form)
    raise web.HTTPSeeOther(f"/motions/{motion_id}?done=drafted#done")


@motion_pages.get("/motions/{id}")
async def motion(request: web.Request) -> web.Response:
    who = signed_in(request, EVERYONE)
    return await motion_page(request, path_id(request, NOT_FOUND), who)


async def _refused(
    request: web.Request,
    motion_id: UUID,
    who: Principal,
    field: str,
    message: str,
    form: dict[str, str],
    status: int = 400,
) -> web.Response:
    return await motion_page(
        request, motion_id, who, status=status, errors={field: message}, form=form
    )


@motion_pages.post("/motions/{id}/edit")
async def edit(request: web.Request) -> web.Response:
    who = signed_in(request, BOARD)
    motion_id = path_id(request, NOT_FOUND)
    form = _motion_form(await request.post())
    body, errors = checked(NewMotion, form, MOTION_HINTS)
    if body is None:
        return await motion_page(
            request, motion_id, who, status=400, errors=errors, form=form
        )
    app = request.app[NODE].coop_node
    args = (motion_id, body.title, body.text, body.proposer, body.kind)
    try:
        await write(request, app.edit_motion, *args)
    except UnknownMotion:
        raise web.HTTPNotFound(text=NOT_FOUND) from None
    except DomainError as error:
        return await _refused(request, motion_id, who, "title", said(error), form, 409)
    raise web.HTTPSeeOther(f"/motions/{motion_id}?done=edited#done")


@motion_pages.post("/motions/{id}/papers")
async def paper(request: web.Request) -> web.Response:
    who = signed_in(request, BOARD)
    motion_id = path_id(request, NOT_FOUND)
    posted = await request.post()
    upload = posted.get("paper")
    name = str(posted.get("paper_name", "")).strip()
    form = {"paper_name": name}
    if not isinstance(upload, web.FileField) or not 0 < len(name) <= 200:
        return await _refused(request, motion_id, who, "paper", PAPER, form)
    content = upload.file.read()
    try:
        await add_paper(request, motion_id, name, upload.content_type, content)
    except UnknownMotion:
        raise web.HTTPNotFound(text=NOT_FOUND) from None
    except DomainError as error:
        return await _refused(request, motion_id, who, "paper", said(error), form)
    raise web.HTTPSeeOther(f"/motions/{motion_id}?done=paper#done")


@motion_pages.get("/motions/{id}/papers/{digest}")
async def read_paper(request: web.Request) -> web.Response:
    signed_in(request, EVERYONE)
    motion_id = path_id(request, NOT_FOUND)
    app = request.app[NODE].coop_node
    try:
        found = app.motion(motion_id)
    except UnknownMotion:
        raise web.HTTPNotFound(text=NOT_FOUND) from None
    if request.match_info["digest"] not in found.papers:
        raise web.HTTPNotFound(text=N_("There is no such paper."))
    return paper_response(request, found, request.match_info["digest"])


def closing_time(request: web.Request, day: str, time: str) -> dt.datetime | None:
    """The day and time typed, in the co-op's time zone."""
    zone_name = request.app[NODE].config.locale.time_zone
    zone: dt.tzinfo = ZoneInfo(zone_name) if zone_name else dt.UTC
    try:
        moment = dt.datetime.combine(
            dt.date.fromisoformat(day), dt.time.fromisoformat(time)
        )
    except ValueError:
        return None
    return moment.replace(tzinfo=zone)


@motion_pages.post("/motions/{id}/vote")
async def open_vote(request: web.Request) -> web.Response:
    who = signed_in(request, BOARD)
    motion_id = path_id(request, NOT_FOUND)
    posted = await request.post()
    form = filled(posted, ("closes_day", "closes_time", "secret"))
    closes_at = closing_time(
        request, form.get("closes_day", ""), form.get("closes_time", "")
    )
    if closes_at is None:
        return await _refused(request, motion_id, who, "closes", CLOSES, form)
    app = request.app[NODE].coop_node
    secret = form.get("secret") == "yes"
    try:
        await write(
            request, partial(app.open_motion_vote, secret=secret), motion_id, closes_at
        )
    except UnknownMotion:
        raise web.HTTPNotFound(text=NOT_FOUND) from None
    except DomainError as error:
        return await _refused(request, motion_id, who, "closes", said(error), form)
    request.app[NODE].closing.wake()
    raise web.HTTPSeeOther(f"/motions/{motion_id}?done=opened#done")


@motion_pages.post("/motions/{id}/comments")
async def comment(request: web.Request) -> web.Response:
    who = signed_in(request, MEMBERS)
    motion_id = path_id(request, NOT_FOUND)
    form = filled(await request.post(), ("comment",))
    body, _ = checked(NewComment, {"text": form.get("comment", "")}, {})
    if body is None or who.member_id is None:
        return await _refused(request, motion_id, who, "comment", COMMENT, form)
    app = request.app[NODE].coop_node
    try:
        await write(request, app.post_comment, motion_id, who.member_id, body.text)
    except UnknownMotion:
        raise web.HTTPNotFound(text=NOT_FOUND) from None
    except DomainError as error:
        return await _refused(
            request, motion_id, who, "comment", said(error), form, 409
        )
    raise web.HTTPSeeOther(f"/motions/{motion_id}?done=commented#done")


@motion_pages.post("/motions/{id}/comments/{comment}/hide")
async def hide(request: web.Request) -> web.Response:
    who = signed_in(request, BOARD)
    motion_id = path_id(request, NOT_FOUND)
    comment_id = request.match_info["comment"]
    form = filled(await request.post(), ("reason",))
    body, _ = checked(HideComment, form, {})
    field = f"reason-{comment_id}"
    if body is None:
        return await _refused(request, motion_id, who, field, REASON, form)
    app = request.app[NODE].coop_node
    try:
        await write(request, app.hide_comment, motion_id, comment_id, body.reason)
    except UnknownMotion:
        raise web.HTTPNotFound(text=NOT_FOUND) from None
    except DomainError as error:
        return await _refused(request, motion_id, who, field, said(error), form, 409)
    raise web.HTTPSeeOther(f"/motions/{motion_id}?done=hidden#done")
