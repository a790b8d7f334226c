"""Ballot pages: a member votes from their home page with a plain form (no
JavaScript needed); staff open ballots, watch the turnout and close them.

The forms call the same commands as the API (``node.http.ballots``), so the two
cannot disagree about who may do what.
"""

import datetime as dt
from typing import Any
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import BOARD, STAFF
from node.errors import DomainError
from node.http.ballots import VoteRequest, ballot_view, vote
from node.http.context import NODE, run, written
from node.http.pages import render, signed_in, status_of

ballot_pages = web.RouteTableDef()


def _ballot_id(request: web.Request) -> UUID:
    try:
        return UUID(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound(text="No such ballot.") from None


@ballot_pages.post("/ballots/{id}/vote")
async def vote_form(request: web.Request) -> web.Response:
    who = signed_in(request)
    ballot_id = _ballot_id(request)
    if who.member_id is None:
        return render(
            request, "vote_recorded.html", 403, error="The admin token cannot vote."
        )
    form = await request.post()
    app = request.app[NODE].coop_node
    try:
        body = msgspec.convert({"choice": form.get("choice")}, VoteRequest)
        recorded = await run(request, vote, app, ballot_id, who.member_id, body)
    except msgspec.ValidationError:
        return render(
            request,
            "vote_recorded.html",
            400,
            error="Choose for, against or abstain.",
        )
    except DomainError as error:
        return render(request, "vote_recorded.html", status_of(error), error=str(error))
    written(request)
    if recorded.receipt is not None:
        # Shown on this page only: the node keeps just its hash.
        return render(
            request, "vote_recorded.html", receipt=recorded.receipt, error=None
        )
    raise web.HTTPSeeOther(f"/#ballot-{ballot_id}")


def _ballots_context(app: CoopNode) -> dict[str, Any]:
    return {
        "ballots": [ballot_view(app, b) for b in reversed(app.ballots())],
        "thresholds": list(app.coop().profile.thresholds),
    }


async def ballots_page(
    request: web.Request, status: int = 200, error: str | None = None
) -> web.Response:
    data = await run(request, _ballots_context, request.app[NODE].coop_node)
    return render(request, "ballots.html", status, error=error, **data)


@ballot_pages.get("/staff/ballots")
async def staff_ballots(request: web.Request) -> web.Response:
    signed_in(request, STAFF)
    return await ballots_page(request)


@ballot_pages.post("/staff/ballots")
async def staff_open_ballot(request: web.Request) -> web.Response:
    signed_in(request, BOARD)
    form = await request.post()
    title = str(form.get("title", "")).strip()
    if not title:
        return await ballots_page(request, 400, "Write the proposal to vote on.")
    closing = str(form.get("closes_on", "")).strip()
    try:
        closes_on = dt.date.fromisoformat(closing) if closing else None
    except ValueError:
        return await ballots_page(
            request, 400, "closes_on: write the closing day as a date"
        )
    app = request.app[NODE].coop_node
    try:
        await run(
            request,
            lambda: app.open_ballot(
                title[:200],
                threshold=str(form.get("threshold", "ordinary")),
                secret=bool(form.get("secret")),
                closes_on=closes_on,
            ),
        )
    except DomainError as error:
        return await ballots_page(request, status_of(error), str(error))
    written(request)
    raise web.HTTPSeeOther("/staff/ballots")


@ballot_pages.post("/staff/ballots/{id}/close")
async def staff_close_ballot(request: web.Request) -> web.Response:
    signed_in(request, {"admin"})
    ballot_id = _ballot_id(request)
    app = request.app[NODE].coop_node
    try:
        await run(request, app.close_ballot, ballot_id, None)
    except DomainError as error:
        return await ballots_page(request, status_of(error), str(error))
    written(request)
    raise web.HTTPSeeOther(f"/staff/ballots#ballot-{ballot_id}")
