"""The member's own pages: claim expenses and follow the claims, read the time
bank and give hours, see the visits booked. Plain forms that post and redirect
(303) to the page, which then says what was done; after a mistake the same page
again, the form as typed and the problem beside its field, in plain words.

The forms run the same commands as the API operations named in their
``data-api`` attributes, so a page and the API cannot disagree about who may do
what. The member's details, leaving the co-op and tokens are in
node.http.member_details.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any, get_args
from uuid import UUID

from aiohttp import web

from node.application import CoopNode
from node.errors import BalanceLimitExceeded, DomainError, UnknownAccount
from node.http.audit import audited
from node.http.context import NODE, run, write
from node.http.expenses import claims_of
from node.http.field_errors import form_page, trimmed
from node.http.hours import OUT_WORDS, REASON_WORDS, out_view
from node.http.pages import render, signed_in, status_of
from node.http.timebank import AccountView, account_view
from node.http.visits import my_visits
from node.timebank import PURPOSES, time_account_id
from schemas.timebank import ExpenseCategory
from toolkit.web.i18n import N_
from toolkit.web.paging import ListQuery

member_pages = web.RouteTableDef()
CATEGORIES: tuple[str, ...] = get_args(ExpenseCategory)
# A member gives hours for these; the office's corrections are its own.
GIVING = tuple(p for p in PURPOSES if p != "adjustment")
MOST_PENCE = 10_000_000
MOST_MINUTES = 366 * 24 * 60
DONE = {
    "claimed": N_("Your claim is sent. The coordinator will decide on it."),
    "given": N_("The hours are given."),
    "sent": N_(
        "The hours are held for the other co-op. They are taken when it takes "
        "them, or given back to you if it cannot."
    ),
}

Errors = dict[str, str]


def member_id_of(request: web.Request) -> UUID:
    """The signed-in member; the admin token, which is no member, is refused."""
    who = signed_in(request)
    if who.member_id is None:
        raise web.HTTPForbidden(
            text="These pages are for members.", content_type="text/plain"
        )
    return who.member_id


def read_date(value: str, errors: Errors, field: str) -> dt.date | None:
    """A form's date, or None when left blank (today)."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors[field] = N_("Write the date like 2026-11-30.")
        return None


# My claims


def read_amount(value: str, errors: Errors) -> int:
    """ "12.50" as 1250 minor units (pence, cents)."""
    try:
        amount = Decimal(value.replace(",", "."))
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount <= 0 or amount * 100 > MOST_PENCE:
        errors["amount"] = N_("Write the amount as a number, like 12.50.")
        return 0
    if amount != amount.quantize(Decimal("0.01")):
        errors["amount"] = N_("Write the amount to the penny, like 12.50.")
        return 0
    return int(amount * 100)


def claims_context(app: CoopNode, member_id: UUID) -> dict[str, Any]:
    return {
        "claims": claims_of(app, member_id)[::-1],
        "categories": CATEGORIES,
    }


claims_page = partial(form_page, "member_claims.html", claims_context, DONE)


@member_pages.get("/claims")
async def claims(request: web.Request) -> web.Response:
    member_id = member_id_of(request)
    page = await claims_page(request, member_id)
    await audited(request, member_id, "expenses")
    return page


@member_pages.post("/claims")
async def claim(request: web.Request) -> web.Response:
    member_id = member_id_of(request)
    form = trimmed(await request.post(), ("category", "amount", "description", "on"))
    errors: Errors = {}
    if form["category"] not in CATEGORIES:
        errors["category"] = N_("Choose what the money was spent on.")
    amount = read_amount(form["amount"], errors)
    on = read_date(form["on"], errors, "on")
    if len(form["description"]) > 1000:
        errors["description"] = N_("Keep the description under 1000 characters.")
    if errors:
        return await claims_page(
            request, member_id, status=400, form=form, errors=errors
        )
    app = request.app[NODE].coop_node
    try:
        await write(
            request,
            app.claim_expense,
            member_id,
            form["category"],
            amount,
            form["description"],
            on,
        )
    except DomainError as error:
        # Validated above, the only refusal left is the claimant's membership.
        errors["form"] = N_("Only an admitted member can claim expenses.")
        return await claims_page(
            request, member_id, status=status_of(error), form=form, errors=errors
        )
    raise web.HTTPSeeOther("/claims?done=claimed")


# Time bank


def timebank_context(app: CoopNode, member_id: UUID) -> dict[str, Any]:
    try:
        account: AccountView | None = account_view(
            app, member_id, ListQuery(limit=500, cursor=0)
        )
    except UnknownAccount:
        account = None
    statement = app.statement(time_account_id(member_id)) if account else []
    others = [
        (app.member(a.owner).name, a.owner)
        for a in app.time_accounts()
        if a.owner is not None
        and a.owner != member_id
        and app.member(a.owner).is_admitted
    ]
    return {
        "account": account,
        "statement": statement,
        "others": sorted(others, key=lambda other: other[0].casefold()),
        "purposes": GIVING,
        "form": {"purpose": "gift"},
        "reference": app.reference_of(member_id),
        "hours_out": [out_view(o) for o in app.hours_out(member_id)][::-1],
        "out_words": OUT_WORDS,
        "reason_words": REASON_WORDS,
    }


timebank_page = partial(form_page, "member_timebank.html", timebank_context, DONE)


@member_pages.get("/timebank")
async def timebank(request: web.Request) -> web.Response:
    member_id = member_id_of(request)
    page = await timebank_page(request, member_id)
    await audited(request, member_id, "timebank_statement")
    return page


def read_minutes(form: dict[str, str], errors: Errors) -> int:
    try:
        hours = int(form["hours"] or 0)
        minutes = int(form["minutes"] or 0)
    except ValueError:
        hours = minutes = -1
    total = hours * 60 + minutes
    if hours < 0 or not 0 <= minutes < 60 or not 0 < total <= MOST_MINUTES:
        errors["hours"] = N_(
            "Write whole hours and minutes (0 to 59), at least one minute in all."
        )
    return total


@member_pages.post("/timebank")
async def give_hours(request: web.Request) -> web.Response:
    member_id = member_id_of(request)
    names = ("to_member", "hours", "minutes", "purpose", "note", "on")
    form = trimmed(await request.post(), names)
    errors: Errors = {}
    app = request.app[NODE].coop_node
    data = await run(request, timebank_context, app, member_id)
    receivers = {str(other_id) for _, other_id in data["others"]}
    if form["to_member"] not in receivers:
        errors["to_member"] = N_("Choose who to give the hours to.")
    minutes = read_minutes(form, errors)
    if form["purpose"] not in GIVING:
        errors["purpose"] = N_("Choose what the hours are for.")
    if len(form["note"]) > 500:
        errors["note"] = N_("Keep the note under 500 characters.")
    on = read_date(form["on"], errors, "on")
    if data["account"] is None:
        errors["form"] = N_(
            "You have no time-bank account yet; ask the coordinator to open one."
        )
    if errors:
        return await timebank_page(
            request, member_id, status=400, form=form, errors=errors
        )
    try:
        await write(
            request,
            app.transfer_time,
            time_account_id(member_id),
            time_account_id(UUID(form["to_member"])),
            minutes,
            form["purpose"],
            form["note"],
            on,
        )
    except BalanceLimitExceeded:
        mine = data["account"]
        errors["hours"] = (
            N_(
                "You do not have that many hours to give: it would take you below "
                "your limit."
            )
            if mine.balance - minutes < mine.minimum
            else N_("That member cannot take that many more hours just now.")
        )
        return await timebank_page(
            request, member_id, status=409, form=form, errors=errors
        )
    raise web.HTTPSeeOther("/timebank?done=given")


# My visits


@member_pages.get("/visits")
async def visits(request: web.Request) -> web.Response:
    member_id = member_id_of(request)
    app = request.app[NODE].coop_node
    mine = await run(request, my_visits, app, member_id, dt.date.today())
    return render(request, "member_visits.html", visits=mine)
