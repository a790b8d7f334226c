"""Expenses API: a member claims expenses for themselves; the coordinator or
admin approves, rejects and pays; each member lists their own claims, the
coordinator and admin everyone's.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from aiohttp import web

from node.access_audit import Reading
from node.application import CoopNode
from node.auth import CARE, EVERYONE, MEMBERS
from node.expenses import ExpenseClaim
from node.http.audit import audited_all
from node.http.context import NODE, run, write
from node.http.guard import principal, require
from schemas.timebank import ExpenseCategory, RejectionReason
from toolkit.aggregates import ids_with
from toolkit.web.errors import forbidden
from toolkit.web.paging import ListQuery, Page, ids_page
from toolkit.web.routes import Api, path_uuid

api = Api()
ID = {"id": UUID}


class NewClaim(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    category: ExpenseCategory
    amount: Annotated[int, msgspec.Meta(ge=1, le=10_000_000)]  # minor units
    description: Annotated[str, msgspec.Meta(max_length=1000)] = ""
    claimed_on: dt.date | None = None


class Decision(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    on: dt.date | None = None


class Rejection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: RejectionReason
    note: Annotated[str, msgspec.Meta(max_length=1000)] = ""
    on: dt.date | None = None


class ClaimView(msgspec.Struct, frozen=True):
    id: UUID
    claimant: UUID
    category: str
    amount: int
    description: str
    claimed_on: dt.date
    status: str
    # When approved or rejected; a rejection's reason and note; when paid.
    decided_on: dt.date | None = None
    reason: str | None = None
    note: str = ""
    paid_on: dt.date | None = None


def claim_view(claim: ExpenseClaim) -> ClaimView:
    return ClaimView(
        claim.id,
        claim.claimant,
        claim.category,
        claim.amount,
        claim.description,
        claim.claimed_on,
        claim.status,
        claim.decided_on,
        claim.reason,
        claim.note,
        claim.paid_on,
    )


def claim_readings(claims: Iterable[ClaimView]) -> list[Reading]:
    """The reads a list of claims makes: each claimant's claims (amounts and
    what they were for), once per claimant."""
    claimants = dict.fromkeys(c.claimant for c in claims)
    return [Reading(claimant, "expenses") for claimant in claimants]


def claims_of(app: CoopNode, member_id: UUID) -> list[ClaimView]:
    """Every claim ``member_id`` made, oldest first (their pages)."""
    claims = map(app.expense_claim, ids_with(app, ExpenseClaim.Claimed.TOPIC))
    return [claim_view(c) for c in claims if c.claimant == member_id]


def claim_page(
    app: CoopNode, query: ListQuery, claimant: UUID | None
) -> Page[ClaimView]:
    """A page of claims, oldest first; only ``claimant``'s when given (then a page
    may hold fewer than ``limit`` items while more follow)."""
    ids = ids_page(app, ExpenseClaim.Claimed.TOPIC, query)
    claims = [app.expense_claim(i) for i in ids.items]
    items = [
        claim_view(c) for c in claims if claimant is None or c.claimant == claimant
    ]
    return Page(items, ids.next_cursor)


@api.route(
    "GET",
    "/api/expenses",
    summary="List expense claims, oldest first: your own; everyone's for the "
    "coordinator and admin",
    tag="expenses",
    query=ListQuery,
    response=Page[ClaimView],
    roles=EVERYONE,
)
async def list_claims(request: web.Request, query: ListQuery) -> Page[ClaimView]:
    who = principal(request)
    claimant = None if who.role in CARE else who.member_id
    page = await run(request, claim_page, request.app[NODE].coop_node, query, claimant)
    await audited_all(request, claim_readings(page.items))
    return page


@api.route(
    "POST",
    "/api/expenses",
    summary="Claim expenses for yourself",
    tag="expenses",
    body=NewClaim,
    response=ClaimView,
    status=201,
    roles=MEMBERS,
)
async def claim(request: web.Request, body: NewClaim) -> ClaimView:
    who = principal(request)
    if who.member_id is None:
        raise forbidden("only a member's own token can claim expenses")
    claimant = who.member_id
    app = request.app[NODE].coop_node

    def command() -> ClaimView:
        claim_id = app.claim_expense(
            claimant, body.category, body.amount, body.description, body.claimed_on
        )
        return claim_view(app.expense_claim(claim_id))

    view = await write(request, command)
    return view


Action = Literal["approve", "reject", "pay"]


def decision(
    app: CoopNode, claim_id: UUID, by: UUID | None, action: Action, *args: object
) -> ClaimView:
    """Approve, reject or pay a claim as member ``by`` (None: the admin token):
    shared by the API and the staff pages (node.http.staff_pages)."""
    getattr(app, f"{action}_expense")(claim_id, *args, by=by)
    return claim_view(app.expense_claim(claim_id))


async def decide(request: web.Request, action: Action, *args: object) -> ClaimView:
    who = require(request, CARE, f"{action} expense claims")
    claim_id = path_uuid(request)
    app = request.app[NODE].coop_node
    return await write(request, decision, app, claim_id, who.member_id, action, *args)


@api.route(
    "POST",
    "/api/expenses/{id}/approve",
    summary="Approve a claim (coordinator, admin)",
    tag="expenses",
    body=Decision,
    response=ClaimView,
    params=ID,
    roles=CARE,
)
async def approve(request: web.Request, body: Decision) -> ClaimView:
    return await decide(request, "approve", body.on)


@api.route(
    "POST",
    "/api/expenses/{id}/reject",
    summary="Reject a claim, with the reason (coordinator, admin)",
    tag="expenses",
    body=Rejection,
    response=ClaimView,
    params=ID,
    roles=CARE,
)
async def reject(request: web.Request, body: Rejection) -> ClaimView:
    return await decide(request, "reject", body.reason, body.note, body.on)


@api.route(
    "POST",
    "/api/expenses/{id}/pay",
    summary="Pay an approved claim (coordinator, admin)",
    tag="expenses",
    body=Decision,
    response=ClaimView,
    params=ID,
    roles=CARE,
)
async def pay(request: web.Request, body: Decision) -> ClaimView:
    return await decide(request, "pay", body.on)
