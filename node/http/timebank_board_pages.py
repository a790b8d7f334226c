"""The time-bank board for members (/timebank/board), and the exchanges awaiting
confirmation for the coordinator (/staff/timebank/exchanges).

A member posts an offer or a request, sees for each of theirs the others' that
match it, accepts one, and confirms the exchange that follows; the hours move
once both sides (or the coordinator) have confirmed. The forms run the same
commands as the API operations in their ``data-api`` (node.http.timebank_board);
a refusal is said in plain words, never naming another member's balance, and
acting on another's offer or exchange is refused (403), writing nothing.
"""

from functools import partial
from typing import Any
from uuid import UUID

from aiohttp import web

from node.application import CoopNode
from node.auth import CARE
from node.errors import BalanceLimitExceeded, InvalidTransition, UnknownAccount
from node.http.context import NODE, run
from node.http.coordinator_forms import (
    NO_SUCH_RECORD,
    Refused,
    Typed,
    minutes_of,
    parsed,
    run_form,
    typed_page,
)
from node.http.coordinator_pages import pool_transfer, timebank_page
from node.http.field_errors import path_id
from node.http.member_pages import member_id_of
from node.http.pages import render, signed_in
from node.http.timebank_board import NewListing, awaiting, board_view
from node.timebank import time_account_id
from toolkit.web.i18n import N_

timebank_board_pages = web.RouteTableDef()
PAGE = "/timebank/board"
STAFF_PAGE = "/staff/timebank/exchanges"
DONE = {
    "posted": N_("Your offer or request is on the board."),
    "withdrawn": N_("Withdrawn from the board."),
    "accepted": N_("Agreed. Confirm here once it has taken place."),
    "confirmed": N_("Your confirmation is recorded."),
}
HINTS = {
    "kind": N_("Choose an offer or a request."),
    "category": N_("Choose what it is for."),
    "hours": N_("Write the hours as 1.5 or 1:30 (more than zero, 24 at most)."),
    "description": N_("The description is too long (500 characters at most)."),
}
FORBIDDEN = "Only the members taking part may do that."


async def board_page(
    request: web.Request, status: int = 200, typed: Typed | None = None
) -> web.Response:
    me = member_id_of(request)
    category = request.query.get("category") or None
    app = request.app[NODE].coop_node
    board = await run(request, board_view, app, me, category)
    return render(
        request,
        "member_timebank_board.html",
        status,
        board=board,
        category=category,
        typed=typed,
        done=DONE.get(request.query.get("done", "")),
    )


@timebank_board_pages.get(PAGE)
async def timebank_board(request: web.Request) -> web.Response:
    return await board_page(request)


def post(app: CoopNode, me: UUID, values: dict[str, str]) -> None:
    try:
        minutes = minutes_of(values["hours"]) if values["hours"] else None
    except ValueError:
        raise Refused("hours", HINTS["hours"], 400) from None
    fields = {**values, "minutes": minutes}
    del fields["hours"]
    body = parsed(fields, NewListing, HINTS, {"minutes": "hours"})
    if body.category not in app.listing_categories():
        raise Refused("category", HINTS["category"], 400)
    app.post_listing(me, body.kind, body.category, body.description, body.minutes)


@timebank_board_pages.post(f"{PAGE}/listings")
async def post_listing(request: web.Request) -> web.Response:
    me = member_id_of(request)
    names = ("kind", "category", "hours", "description")
    done = f"{PAGE}?done=posted#done"
    return await run_form(request, board_page, "post", names, done, post, me)


def withdraw(app: CoopNode, me: UUID, listing_id: UUID, _: dict[str, str]) -> None:
    if app.listing(listing_id).owner != me:
        raise web.HTTPForbidden(text=FORBIDDEN)
    try:
        app.withdraw_listing(listing_id, me)
    except InvalidTransition:
        raise Refused("form", N_("That is no longer on the board.")) from None


@timebank_board_pages.post(f"{PAGE}/listings/{{id}}/withdraw")
async def withdraw_listing(request: web.Request) -> web.Response:
    me = member_id_of(request)
    listing = path_id(request, NO_SUCH_RECORD)
    done = f"{PAGE}?done=withdrawn#done"
    return await run_form(
        request, board_page, "withdraw", (), done, withdraw, me, listing
    )


def accept(app: CoopNode, me: UUID, listing_id: UUID, _: dict[str, str]) -> None:
    try:
        app.accept_listing(listing_id, me)
    except InvalidTransition:
        message = N_("That is no longer on the board: someone else took it up.")
        raise Refused("form", message) from None
    except UnknownAccount:
        message = N_(
            "Both members need a time-bank account first: ask the coordinator."
        )
        raise Refused("form", message) from None


@timebank_board_pages.post(f"{PAGE}/listings/{{id}}/accept")
async def accept_listing(request: web.Request) -> web.Response:
    me = member_id_of(request)
    listing = path_id(request, NO_SUCH_RECORD)
    done = f"{PAGE}?done=accepted#exchanges"
    return await run_form(request, board_page, "accept", (), done, accept, me, listing)


def confirm(
    app: CoopNode, me: UUID | None, exchange_id: UUID, _: dict[str, str]
) -> None:
    """``me`` confirms their side; None, the coordinator's for both."""
    exchange = app.exchange(exchange_id)
    if me is not None and me not in (exchange.helper, exchange.receiver):
        raise web.HTTPForbidden(text=FORBIDDEN)
    try:
        app.confirm_exchange(exchange_id, me)
    except BalanceLimitExceeded:
        # Said of the reader's own account only: another's balance is theirs.
        payer = app.time_account(time_account_id(exchange.receiver))
        if me == exchange.receiver and (
            payer.balance - exchange.minutes < payer.minimum
        ):
            message = N_(
                "You do not have enough hours for this: it would take you below "
                "the lowest balance allowed. Nothing was recorded."
            )
        else:
            message = N_(
                "The hours cannot move now: an account would go past its limit. "
                "Nothing was recorded; the coordinator can help."
            )
        raise Refused("form", message) from None


@timebank_board_pages.post(f"{PAGE}/exchanges/{{id}}/confirm")
async def confirm_exchange(request: web.Request) -> web.Response:
    me = member_id_of(request)
    exchange = path_id(request, NO_SUCH_RECORD)
    done = f"{PAGE}?done=confirmed#exchanges"
    return await run_form(
        request, board_page, "confirm", (), done, confirm, me, exchange
    )


# The coordinator's: exchanges awaiting confirmation, confirmed for both sides.


def _staff_context(app: CoopNode) -> dict[str, Any]:
    return {"exchanges": awaiting(app)}


exchanges_page = partial(typed_page, "coordinator_exchanges.html", _staff_context, DONE)


@timebank_board_pages.get(STAFF_PAGE)
async def staff_exchanges(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    return await exchanges_page(request)


@timebank_board_pages.post(f"{STAFF_PAGE}/{{id}}/confirm")
async def staff_confirm(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    exchange = path_id(request, NO_SUCH_RECORD)
    done = f"{STAFF_PAGE}?done=confirmed#done"
    return await run_form(
        request, exchanges_page, "confirm", (), done, confirm, None, exchange
    )


# Respite received, recorded by the coordinator: the member's hours go to the
# pool, which paid whoever gave the respite (a visit, a volunteer).


def record_respite(app: CoopNode, values: dict[str, str]) -> None:
    pool_transfer(app, {**values, "direction": "to_pool", "purpose": "respite"})


@timebank_board_pages.post("/staff/timebank/respite")
async def staff_respite(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    names = ("member", "hours", "note", "on")
    done = "/staff/timebank?done=respite#done"
    return await run_form(
        request, timebank_page, "respite", names, done, record_respite
    )
