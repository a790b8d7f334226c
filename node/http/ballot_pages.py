"""Ballot pages: a member votes, appoints or revokes a proxy, votes for members
who made them proxy, checks a secret vote's receipt and replaces it, all with
plain forms (no JavaScript needed) on the ballot's own page; staff open ballots,
watch the turnout and close them.

The forms call the same commands as the API (``node.http.ballots``), so the two
cannot disagree about who may do what. Writes answer 303 back to the ballot's
page with a short confirmation; a refused form is shown again, the reason next
to its field. A secret vote's receipt is shown once, on the answer to the vote
itself (the node keeps only its hash), and a receipt is checked by posting it
(never in an address, where it would be logged).
"""

import datetime as dt
from typing import Any
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import BOARD, STAFF
from node.errors import (
    BallotClosed,
    DomainError,
    InvalidReceipt,
    NotInElectorate,
    UnknownBallot,
)
from node.http.ballots import (
    ReceiptCheck,
    VoteRequest,
    ballot_view,
    check_receipt,
    my_ballots,
    vote,
)
from node.http.context import NODE, run, written
from node.http.error_words import said
from node.http.pages import render, signed_in, status_of
from toolkit.web.i18n import N_

ballot_pages = web.RouteTableDef()

DONE = {
    "voted": N_("Your vote is recorded."),
    "proxy": N_("Your proxy is appointed."),
    "revoked": N_("Your proxy is revoked."),
    "for_member": N_("Your vote for that member is recorded."),
}


def _ballot_id(request: web.Request) -> UUID:
    try:
        return UUID(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound(text="No such ballot.") from None


def plain(error: DomainError) -> str:
    """A refusal in plain words, naming nobody by id."""
    if isinstance(error, BallotClosed):
        return N_("This ballot is closed.")
    if isinstance(error, NotInElectorate):
        return N_("That member cannot vote in this ballot.")
    if isinstance(error, UnknownBallot):
        return N_("There is no such ballot.")
    if isinstance(error, InvalidReceipt):
        return N_(
            "No vote in this ballot matches that receipt. Check it was typed "
            "exactly as shown."
        )
    return said(error)


def _page_context(app: CoopNode, ballot_id: UUID, member_id: UUID | None) -> Any:
    ballot = app.ballot(ballot_id)
    mine = None
    if member_id is not None:
        mine = next(
            (b for b in my_ballots(app, member_id) if b.ballot.id == ballot_id), None
        )
    # A motion's ballot links back to the motion: its text, papers and discussion.
    motion = app.motion_of_ballot(ballot_id)
    return {"b": ballot_view(app, ballot), "mine": mine, "motion": motion}


async def ballot_page(
    request: web.Request,
    status: int = 200,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    checked: ReceiptCheck | None = None,
) -> web.Response:
    who = signed_in(request)
    ballot_id = _ballot_id(request)
    app = request.app[NODE].coop_node
    try:
        context = await run(request, _page_context, app, ballot_id, who.member_id)
    except UnknownBallot:
        raise web.HTTPNotFound(text="No such ballot.") from None
    done = DONE.get(request.query.get("done", ""))
    return render(
        request,
        "ballot.html",
        status,
        done=done,
        errors=errors or {},
        form=form or {},
        checked=checked,
        **context,
    )


@ballot_pages.get("/ballots/{id}")
async def ballot_get(request: web.Request) -> web.Response:
    return await ballot_page(request)


def _member(request: web.Request) -> UUID:
    who = signed_in(request)
    if who.member_id is None:
        raise web.HTTPForbidden(text="The admin token cannot vote.")
    return who.member_id


@ballot_pages.post("/ballots/{id}/vote")
async def vote_form(request: web.Request) -> web.Response:
    who = signed_in(request)
    ballot_id = _ballot_id(request)
    if who.member_id is None:
        return render(
            request, "vote_recorded.html", 403, error=N_("The admin token cannot vote.")
        )
    form = await request.post()
    fields = {
        k: str(form.get(k, "")).strip() for k in ("choice", "receipt", "for_member")
    }
    body_fields: dict[str, Any] = {"choice": fields["choice"]}
    if fields["receipt"]:
        body_fields["receipt"] = fields["receipt"]
    if fields["for_member"]:
        body_fields["for_member"] = fields["for_member"]
    field = "replace_choice" if fields["receipt"] else "choice"
    if fields["for_member"]:
        field = f"choice_{fields['for_member']}"
    app = request.app[NODE].coop_node
    try:
        body = msgspec.convert(body_fields, VoteRequest)
    except msgspec.ValidationError:
        return await ballot_page(
            request,
            400,
            errors={field: N_("Choose for, against or abstain.")},
            form=fields,
        )
    try:
        recorded = await run(request, vote, app, ballot_id, who.member_id, body)
    except DomainError as error:
        if isinstance(error, InvalidReceipt):
            field = "receipt"
        return await ballot_page(
            request, status_of(error), errors={field: plain(error)}, form=fields
        )
    written(request)
    if recorded.receipt is not None:
        # Shown on this page only: the node keeps just its hash.
        return render(
            request,
            "vote_recorded.html",
            receipt=recorded.receipt,
            replaced=bool(fields["receipt"]),
            ballot_id=ballot_id,
            error=None,
        )
    if form.get("from") == "home":  # the form on the member's home page
        raise web.HTTPSeeOther(f"/#ballot-{ballot_id}")
    done = "for_member" if fields["for_member"] else "voted"
    raise web.HTTPSeeOther(f"/ballots/{ballot_id}?done={done}")


@ballot_pages.post("/ballots/{id}/proxy")
async def proxy_form(request: web.Request) -> web.Response:
    member_id = _member(request)
    ballot_id = _ballot_id(request)
    form = await request.post()
    holder = str(form.get("holder", "")).strip()
    app = request.app[NODE].coop_node
    try:
        holder_id = UUID(holder)
    except ValueError:
        return await ballot_page(
            request, 400, errors={"holder": N_("Choose the member to vote for you.")}
        )
    try:
        await run(request, app.appoint_proxy, ballot_id, member_id, holder_id)
    except DomainError as error:
        return await ballot_page(
            request,
            status_of(error),
            errors={"holder": plain(error)},
            form={"holder": holder},
        )
    written(request)
    raise web.HTTPSeeOther(f"/ballots/{ballot_id}?done=proxy")


@ballot_pages.post("/ballots/{id}/proxy/revoke")
async def revoke_form(request: web.Request) -> web.Response:
    member_id = _member(request)
    ballot_id = _ballot_id(request)
    app = request.app[NODE].coop_node
    try:
        await run(request, app.revoke_proxy, ballot_id, member_id)
    except DomainError as error:
        return await ballot_page(
            request, status_of(error), errors={"revoke": plain(error)}
        )
    written(request)
    raise web.HTTPSeeOther(f"/ballots/{ballot_id}?done=revoked")


@ballot_pages.post("/ballots/{id}/receipt")
async def receipt_form(request: web.Request) -> web.Response:
    """Checking reads nothing but the box: the answer is shown, not redirected,
    so the receipt never appears in an address."""
    signed_in(request)
    ballot_id = _ballot_id(request)
    form = await request.post()
    receipt = str(form.get("check_receipt", "")).strip()
    if not receipt:
        return await ballot_page(
            request, 400, errors={"check_receipt": N_("Type or paste your receipt.")}
        )
    app = request.app[NODE].coop_node
    try:
        checked = await run(request, check_receipt, app, ballot_id, receipt[:200])
    except DomainError as error:
        return await ballot_page(
            request,
            status_of(error),
            errors={"check_receipt": plain(error)},
            form={"check_receipt": receipt[:200]},
        )
    return await ballot_page(request, checked=checked)


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
        return await ballots_page(request, status_of(error), said(error))
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
        return await ballots_page(request, status_of(error), said(error))
    written(request)
    raise web.HTTPSeeOther(f"/staff/ballots#ballot-{ballot_id}")
