"""Hours between co-ops (node.hours_exchange) over the API: a member sends hours
from their own account to another co-op and follows what became of them, and
reads the reference code that brings hours sent to this co-op to their
account; the coordinators and the board see the clearing accounts, the
transfers both ways and how far the relay has been read.

A member sends only from their own account: the body names no account and no
member, so there is nothing to point at another's.
"""

import datetime as dt
from typing import Literal
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import MEMBERS, STAFF
from node.errors import UnknownAccount
from node.hours_transfers import HoursIn, HoursOut, OutState
from node.http.context import NODE, run, write
from node.http.guard import principal, require
from node.timebank import time_account_id
from schemas.envelope import CoopId
from schemas.hours import Minutes, Reference
from toolkit.web.errors import ApiError, forbidden
from toolkit.web.i18n import N_
from toolkit.web.routes import Api

api = Api()
# What became of hours sent, in words for pages (the reason a refund gives).
OUT_WORDS = {
    "held": N_("held: waiting for %(coop)s to answer"),
    "confirmed": N_("taken by %(coop)s"),
    "refunded": N_("given back to you"),
}
REASON_WORDS = {
    "unknown_coop": N_("the consortium has no co-op with that id"),
    "unknown_reference": N_("that co-op has no one with that reference"),
    "over_limit": N_("the account there would have gone above its limit"),
    "not_taken": N_("that co-op does not take hours from other co-ops"),
}

# Why this co-op refused hours sent to it.
REFUSED_WORDS = {
    "unknown_reference": N_("no member here has that reference"),
    "over_limit": N_("the account would have gone above its limit"),
    "not_taken": N_("our pool is not open to take them"),
}


class HoursOutRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Hours from the signed-in member's own account to co-op ``payee``;
    ``reference`` is the code that co-op gave the person they are for."""

    payee: CoopId
    minutes: Minutes
    reference: Reference = ""


class HoursOutView(msgspec.Struct, frozen=True):
    transfer: UUID
    payee: str
    minutes: int
    reference: str
    sent_on: dt.date
    state: OutState
    # Why the other co-op (or the consortium) refused them; "" otherwise.
    reason: str
    settled_on: dt.date | None


class HoursOutList(msgspec.Struct, frozen=True):
    transfers: list[HoursOutView]


class ReferenceView(msgspec.Struct, frozen=True):
    reference: str
    account_open: bool


class HoursInView(msgspec.Struct, frozen=True):
    transfer: UUID
    payer: str
    minutes: int
    sent_on: dt.date
    answered_on: dt.date
    # Where the hours went: a member's account, the pool; null if refused.
    credited: Literal["member", "pool"] | None
    reason: str


class ClearingView(msgspec.Struct, frozen=True):
    partner: str
    # What the partner co-op owes this one in hours (below zero: this one owes).
    minutes: int


class RelayView(msgspec.Struct, frozen=True):
    position: int
    error: str | None


class HoursBetweenCoops(msgspec.Struct, frozen=True):
    clearing: list[ClearingView]
    transit_minutes: int
    transfers_out: list[HoursOutView]
    transfers_in: list[HoursInView]
    relay: RelayView


def out_view(out: HoursOut) -> HoursOutView:
    return HoursOutView(
        transfer=out.id,
        payee=out.payee,
        minutes=out.minutes,
        reference=out.reference,
        sent_on=out.sent_on,
        state=out.state,
        reason=out.reason,
        settled_on=out.settled_on,
    )


def in_view(answered: HoursIn, pool: UUID) -> HoursInView:
    credited: Literal["member", "pool"] | None = (
        None
        if answered.account is None
        else "pool"
        if answered.account == pool
        else "member"
    )
    return HoursInView(
        transfer=answered.transfer,
        payer=answered.payer,
        minutes=answered.minutes,
        sent_on=answered.sent_on,
        answered_on=answered.answered_on,
        credited=credited,
        reason=answered.reason,
    )


def between_coops(app: CoopNode, relay_error: str | None) -> HoursBetweenCoops:
    return HoursBetweenCoops(
        clearing=[
            ClearingView(a.partner or "", a.balance) for a in app.clearing_accounts()
        ],
        transit_minutes=app.transit_balance(),
        transfers_out=[out_view(o) for o in app.hours_out()][::-1],
        transfers_in=[in_view(a, time_account_id(None)) for a in app.hours_in()][::-1],
        relay=RelayView(app.relay_position(), relay_error),
    )


def relay_error(request: web.Request) -> str | None:
    fetcher = request.app[NODE].relay
    return None if fetcher is None else fetcher.error


def own_member(request: web.Request) -> UUID:
    who = principal(request)
    if who.member_id is None:
        raise forbidden("the admin has no time account: hours are sent by members")
    return who.member_id


def refuse_unless_carried(request: web.Request) -> None:
    """Without the consortium's key the node reads no answers: hours sent
    would stay held for ever, so none are taken."""
    if request.app[NODE].relay is None:
        raise ApiError(
            409,
            "hours_not_carried",
            "this co-op reads no answers from its consortium (no consortium_key "
            "in node.toml): hours cannot be sent to other co-ops",
        )


def sent(app: CoopNode, member: UUID, body: HoursOutRequest) -> HoursOutView:
    """Send, saying a missing account of one's own as a conflict (409)."""
    try:
        app.time_account_of(member)
    except UnknownAccount as error:
        message = "you have no time-bank account yet: the coordinator opens one"
        raise ApiError(409, error.code, message) from None
    transfer = app.send_hours(member, body.payee, body.minutes, body.reference)
    return next(out_view(o) for o in app.hours_out(member) if o.id == transfer)


@api.route(
    "POST",
    "/api/timebank/hours-out",
    summary="Send hours from your own account to another co-op (they are held "
    "until it answers, then taken or given back)",
    tag="timebank",
    body=HoursOutRequest,
    response=HoursOutView,
    status=201,
    roles=MEMBERS,
)
async def send_hours(request: web.Request, body: HoursOutRequest) -> HoursOutView:
    member = own_member(request)
    refuse_unless_carried(request)
    view = await write(request, sent, request.app[NODE].coop_node, member, body)
    fetcher = request.app[NODE].relay
    if fetcher is not None:
        fetcher.wake()  # its answer may come soon
    return view


@api.route(
    "GET",
    "/api/timebank/hours-out",
    summary="The hours you sent to other co-ops and what became of them",
    tag="timebank",
    response=HoursOutList,
    roles=MEMBERS,
)
async def my_hours_out(request: web.Request) -> HoursOutList:
    member = own_member(request)
    app = request.app[NODE].coop_node

    def read() -> HoursOutList:
        return HoursOutList([out_view(o) for o in app.hours_out(member)][::-1])

    return await run(request, read)


@api.route(
    "GET",
    "/api/timebank/reference",
    summary="Your reference code: given to another co-op's member, it brings "
    "the hours they send to this co-op to your account",
    tag="timebank",
    response=ReferenceView,
    roles=MEMBERS,
)
async def my_reference(request: web.Request) -> ReferenceView:
    member = own_member(request)
    app = request.app[NODE].coop_node

    def read() -> ReferenceView:
        try:
            app.time_account_of(member)
        except UnknownAccount:
            return ReferenceView(app.reference_of(member), False)
        return ReferenceView(app.reference_of(member), True)

    return await run(request, read)


@api.route(
    "GET",
    "/api/timebank/hours-between-coops",
    summary="Hours between this co-op and others: clearing accounts, hours in "
    "transit, transfers both ways, the relay read (coordinator, board, admin)",
    tag="timebank",
    response=HoursBetweenCoops,
    roles=STAFF,
)
async def hours_between_coops(request: web.Request) -> HoursBetweenCoops:
    require(request, STAFF, "read the hours between co-ops")
    app = request.app[NODE].coop_node
    return await run(request, between_coops, app, relay_error(request))
