"""Motions API: members list motions, read them with their papers, discussion
and (once counted) result, and discuss them; the board drafts, changes them
until the vote opens, adds papers, opens the vote with a closing time (the node
closes and counts it then, node.closing) and hides comments, with a reason.

A hidden comment stays in the store: the board sees it, marked hidden with the
reason; members see that a comment was hidden, not what it said.
"""

import datetime as dt
from collections.abc import Callable
from typing import Annotated
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import BOARD, EVERYONE, MEMBERS, Principal
from node.http.ballots import voter
from node.http.context import NODE, run, write
from node.http.guard import require
from node.motions import Motion, MotionKind, MotionStatus
from node.papers import MAX_BYTES, keep, papers_dir, read
from node.tally import ProposalResult
from toolkit.web.errors import ApiError
from toolkit.web.paging import ListQuery, Page, ids_page
from toolkit.web.routes import Api, path_uuid

api = Api()
ID = {"id": UUID}
# Not blank: a character other than a space, tab or line break (node.motions.BLANK).
FILLED = r"[^ \t\n\r]"
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=FILLED)]
Text = Annotated[str, msgspec.Meta(max_length=20000)]
Comment = Annotated[str, msgspec.Meta(min_length=1, max_length=4000, pattern=FILLED)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=400, pattern=FILLED)]


class NewMotion(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    title: Title
    kind: MotionKind
    proposer: UUID
    text: Text = ""


class OpenVote(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``closes_at``: a date and time with its offset (``Z`` for UTC)."""

    closes_at: Annotated[dt.datetime, msgspec.Meta(tz=True)]
    secret: bool = False


class NewComment(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    text: Comment


class HideComment(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: Reason


class PaperQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The paper's name as people will see it; the file is the request's body,
    with its Content-Type (PDF, plain text, PNG or JPEG)."""

    name: Title


class PaperView(msgspec.Struct, frozen=True):
    digest: str
    name: str
    content_type: str
    size: int


class CommentView(msgspec.Struct, frozen=True):
    id: str
    author: str  # the member's name
    posted_at: dt.datetime
    hidden: bool
    # Both None for a member reading a hidden comment; the board sees them.
    text: str | None
    reason: str | None


class MotionSummary(msgspec.Struct, frozen=True):
    id: UUID
    title: str
    kind: str
    status: MotionStatus
    proposer: str  # the member's name
    drafted_on: dt.date
    threshold: str | None
    closes_at: dt.datetime | None
    ballot_id: UUID | None
    quorate: bool | None
    passed: bool | None


class MotionView(msgspec.Struct, frozen=True):
    summary: MotionSummary
    proposer_id: UUID
    text: str
    papers: list[PaperView]
    comments: list[CommentView]
    # Once counted: counts by class (hidden where a secret ballot's class is too
    # small), quorate or not, passed or not.
    result: ProposalResult | None
    enacted: bool


def result_of(app: CoopNode, motion: Motion) -> ProposalResult | None:
    if motion.ballot_id is None:
        return None
    result = app.ballot(motion.ballot_id).result
    return None if result is None else msgspec.convert(result, ProposalResult)


def summary(app: CoopNode, motion: Motion) -> MotionSummary:
    result = result_of(app, motion)
    return MotionSummary(
        id=motion.id,
        title=motion.title,
        kind=motion.kind,
        # Closed by the clock, or by the admin's hand before its time.
        status="counted" if result is not None else motion.status,
        proposer=app.member(motion.proposer).name,
        drafted_on=motion.drafted_on,
        threshold=motion.threshold,
        closes_at=motion.closes_at,
        ballot_id=motion.ballot_id,
        quorate=None if result is None else result.quorate,
        passed=None if result is None else result.passed,
    )


def motion_view(app: CoopNode, motion_id: UUID, who: Principal) -> MotionView:
    motion = app.motion(motion_id)
    board = who.role in BOARD
    comments = []
    for comment_id, c in motion.comments.items():
        shown = board or c["hidden"] is None
        comments.append(
            CommentView(
                id=comment_id,
                author=app.member(c["author"]).name,
                posted_at=c["posted_at"],
                hidden=c["hidden"] is not None,
                text=c["text"] if shown else None,
                reason=c["hidden"] if board else None,
            )
        )
    return MotionView(
        summary=summary(app, motion),
        proposer_id=motion.proposer,
        text=motion.text,
        papers=[PaperView(d, **p) for d, p in motion.papers.items()],
        comments=comments,
        result=result_of(app, motion),
        enacted=bool(motion.enacted),
    )


def motions_page(app: CoopNode, query: ListQuery) -> Page[MotionSummary]:
    ids = ids_page(app, Motion.Drafted.TOPIC, query)
    return Page([summary(app, app.motion(i)) for i in ids.items], ids.next_cursor)


@api.route(
    "GET",
    "/api/motions",
    summary="List motions, oldest first, with their status and outcome",
    tag="motions",
    query=ListQuery,
    response=Page[MotionSummary],
    roles=EVERYONE,
)
async def list_motions(request: web.Request, query: ListQuery) -> Page[MotionSummary]:
    require(request, EVERYONE, "read motions")
    return await run(request, motions_page, request.app[NODE].coop_node, query)


@api.route(
    "POST",
    "/api/motions",
    summary="Draft a motion for a member who proposes it (board)",
    tag="motions",
    body=NewMotion,
    response=MotionView,
    status=201,
    errors=(400, 404),
    roles=BOARD,
)
async def draft_motion(request: web.Request, body: NewMotion) -> MotionView:
    who = require(request, BOARD, "draft motions")
    app = request.app[NODE].coop_node

    def command() -> MotionView:
        motion_id = app.draft_motion(body.title, body.text, body.proposer, body.kind)
        return motion_view(app, motion_id, who)

    return await write(request, command)


@api.route(
    "GET",
    "/api/motions/{id}",
    summary="One motion: its text, papers, discussion and, once counted, result",
    tag="motions",
    response=MotionView,
    params=ID,
    errors=(404,),
    roles=EVERYONE,
)
async def get_motion(request: web.Request) -> MotionView:
    who = require(request, EVERYONE, "read motions")
    motion_id = path_uuid(request)
    app = request.app[NODE].coop_node
    return await run(request, motion_view, app, motion_id, who)


async def _change(
    request: web.Request,
    motion_id: UUID,
    who: Principal,
    change: Callable[[], object],
) -> MotionView:
    """Make a change to one motion, then answer with the motion as it is now (in
    the same write, so the answer cannot miss the change)."""
    app = request.app[NODE].coop_node

    def command() -> MotionView:
        change()
        return motion_view(app, motion_id, who)

    return await write(request, command)


@api.route(
    "PUT",
    "/api/motions/{id}",
    summary="Change a motion before its vote opens (board)",
    tag="motions",
    body=NewMotion,
    response=MotionView,
    params=ID,
    errors=(400, 404, 409),
    roles=BOARD,
)
async def edit_motion(request: web.Request, body: NewMotion) -> MotionView:
    who = require(request, BOARD, "change motions")
    motion_id = path_uuid(request)
    app = request.app[NODE].coop_node

    return await _change(
        request,
        motion_id,
        who,
        lambda: app.edit_motion(
            motion_id, body.title, body.text, body.proposer, body.kind
        ),
    )


async def add_paper(
    request: web.Request,
    motion_id: UUID,
    name: str,
    content_type: str,
    content: bytes,
) -> None:
    """Keep the file, then record it on the motion (a refused motion leaves an
    unreferenced file, never a reference without its file)."""
    app = request.app[NODE].coop_node
    folder = papers_dir(request.app[NODE].config)
    await run(request, app.motion(motion_id).require_draft)
    digest, kind = await run(request, keep, folder, content_type, content)
    await write(request, app.attach_paper, motion_id, digest, name, kind, len(content))


@api.route(
    "POST",
    "/api/motions/{id}/papers",
    summary="Add a paper to a motion before its vote opens (board): the body is "
    f"the file (PDF, plain text, PNG or JPEG; {MAX_BYTES // 2**20} MB at most)",
    tag="motions",
    query=PaperQuery,
    response=MotionView,
    status=201,
    params=ID,
    errors=(400, 404, 409),
    roles=BOARD,
)
async def upload_paper(request: web.Request, query: PaperQuery) -> MotionView:
    who = require(request, BOARD, "add papers")
    motion_id = path_uuid(request)
    content = await request.read()
    await add_paper(request, motion_id, query.name, request.content_type, content)
    return await run(request, motion_view, request.app[NODE].coop_node, motion_id, who)


def paper_response(request: web.Request, motion: Motion, digest: str) -> web.Response:
    paper = motion.papers.get(digest)
    if paper is None:
        raise ApiError(404, "not_found", "no such paper on this motion")
    content = read(papers_dir(request.app[NODE].config), digest)
    return web.Response(
        body=content,
        content_type=paper["content_type"],
        headers={
            # Shown as what it is, never run as a page of this site.
            "Content-Disposition": "attachment",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


@api.route(
    "GET",
    "/api/motions/{id}/papers/{digest}",
    summary="A motion's paper, the file itself (members signed in)",
    tag="motions",
    params={"id": UUID, "digest": str},
    errors=(400, 404),
    roles=EVERYONE,
)
async def get_paper(request: web.Request) -> web.Response:
    require(request, EVERYONE, "read papers")
    app = request.app[NODE].coop_node
    motion = await run(request, app.motion, path_uuid(request))
    return paper_response(request, motion, request.match_info["digest"])


@api.route(
    "POST",
    "/api/motions/{id}/vote",
    summary="Open the vote on a motion until its closing time (board); the node "
    "closes and counts it then",
    tag="motions",
    body=OpenVote,
    response=MotionView,
    params=ID,
    errors=(400, 404, 409),
    roles=BOARD,
)
async def open_vote(request: web.Request, body: OpenVote) -> MotionView:
    who = require(request, BOARD, "open votes")
    motion_id = path_uuid(request)
    app = request.app[NODE].coop_node

    view = await _change(
        request,
        motion_id,
        who,
        lambda: app.open_motion_vote(motion_id, body.closes_at, secret=body.secret),
    )
    request.app[NODE].closing.wake()
    return view


@api.route(
    "POST",
    "/api/motions/{id}/comments",
    summary="Comment on a motion, before or during its vote (members)",
    tag="motions",
    body=NewComment,
    response=MotionView,
    status=201,
    params=ID,
    errors=(400, 404, 409),
    roles=MEMBERS,
)
async def post_comment(request: web.Request, body: NewComment) -> MotionView:
    who = require(request, MEMBERS, "discuss motions")
    author = voter(who)
    motion_id = path_uuid(request)
    app = request.app[NODE].coop_node

    return await _change(
        request, motion_id, who, lambda: app.post_comment(motion_id, author, body.text)
    )


@api.route(
    "POST",
    "/api/motions/{id}/comments/{comment}/hide",
    summary="Hide a comment, with the reason (board); it stays in the store",
    tag="motions",
    body=HideComment,
    response=MotionView,
    params={"id": UUID, "comment": str},
    errors=(400, 404, 409),
    roles=BOARD,
)
async def hide_comment(request: web.Request, body: HideComment) -> MotionView:
    who = require(request, BOARD, "hide comments")
    motion_id = path_uuid(request)
    comment = request.match_info["comment"]
    app = request.app[NODE].coop_node

    return await _change(
        request,
        motion_id,
        who,
        lambda: app.hide_comment(motion_id, comment, body.reason),
    )
