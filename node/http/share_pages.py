"""The share register page (board): the register of members, printable, with its
CSV export (node.http.shares), and forms to record a purchase, a redemption and a
transfer, choosing members by name.

Amounts are typed in the co-op's currency ("25.00") and kept in minor units. Each
form runs the API's own command through ``write`` and redirects back to the page
(Post/Redirect/Get); a refusal shows the page again with the problem beside its
field and the forms as they were typed.
"""

import datetime as dt
from typing import Any
from uuid import UUID

from aiohttp import web

from node.application import CoopNode
from node.auth import BOARD
from node.errors import DomainError, InsufficientShares
from node.http.board_forms import (
    Invalid,
    Problem,
    Problems,
    day,
    member_choice,
    minor_units,
    posted,
)
from node.http.context import NODE, run, write
from node.http.language import money_text
from node.http.pages import render, signed_in
from node.http.shares import ShareAmount, TransferRequest, buy, redeem, transfer
from node.shares import register
from toolkit.web.i18n import N_

share_pages = web.RouteTableDef()

DONE = {
    "purchase": N_("The purchase is recorded."),
    "redemption": N_("The redemption is recorded."),
    "transfer": N_("The transfer is recorded."),
}
KINDS = {
    "purchase": N_("Purchase"),
    "redemption": N_("Redemption"),
    "transfer_in": N_("Transfer from %(name)s"),
    "transfer_out": N_("Transfer to %(name)s"),
}
NOT_ADMITTED = Problem(N_("Only admitted members hold shares."))


def _register(app: CoopNode) -> dict[str, Any]:
    entries = list(register(app))
    holders = sorted((e for e in entries if e.ceased_on is None), key=lambda e: e.name)
    return {
        "entries": entries,
        "holders": holders,
        "names": {e.member_id: e.name for e in entries},
        "capital": sum(e.shares for e in entries),
        "kinds": KINDS,
        "today": dt.date.today().isoformat(),
    }


async def shares_page(
    request: web.Request,
    status: int = 200,
    problems: Problems | None = None,
    form: dict[str, str] | None = None,
) -> web.Response:
    signed_in(request, BOARD)
    data = await run(request, _register, request.app[NODE].coop_node)
    done = DONE.get(request.query.get("done", "")) if status == 200 else None
    return render(
        request,
        "board_shares.html",
        status,
        done=done,
        problems=problems or {},
        form=form or {},
        **data,
    )


@share_pages.get("/staff/shares")
async def staff_shares(request: web.Request) -> web.Response:
    return await shares_page(request)


async def _holders(request: web.Request) -> dict[UUID, str]:
    app = request.app[NODE].coop_node

    def read() -> dict[UUID, str]:
        return {m.id: m.name for m in app.members() if m.is_admitted}

    return await run(request, read)


async def _holds_only(request: web.Request, member_id: UUID, name: str) -> Problem:
    app = request.app[NODE].coop_node

    shares = await run(request, lambda: app.member(member_id).shares)
    amount = money_text(request, shares)
    return Problem(
        N_("%(name)s holds only %(amount)s."), {"name": name, "amount": amount}
    )


async def _single(request: web.Request, kind: str) -> web.Response:
    """A purchase or a redemption, from the form whose fields start ``kind``."""
    signed_in(request, BOARD)
    form = await posted(request)
    app = request.app[NODE].coop_node
    holders = await _holders(request)
    try:
        member_id = member_choice(form, f"{kind}-member", set(holders))
        body = ShareAmount(minor_units(form, f"{kind}-amount"), day(form, f"{kind}-on"))
        command = buy if kind == "purchase" else redeem
        await write(request, command, app, member_id, body)
    except Invalid as error:
        return await shares_page(request, 400, error.problems, form)
    except InsufficientShares:
        problem = await _holds_only(request, member_id, holders[member_id])
        return await shares_page(request, 409, {f"{kind}-amount": problem}, form)
    except DomainError:
        return await shares_page(request, 409, {f"{kind}-member": NOT_ADMITTED}, form)
    raise web.HTTPSeeOther(f"/staff/shares?done={kind}#done")


@share_pages.post("/staff/shares/purchases")
async def record_purchase(request: web.Request) -> web.Response:
    return await _single(request, "purchase")


@share_pages.post("/staff/shares/redemptions")
async def record_redemption(request: web.Request) -> web.Response:
    return await _single(request, "redemption")


@share_pages.post("/staff/shares/transfers")
async def record_transfer(request: web.Request) -> web.Response:
    signed_in(request, BOARD)
    form = await posted(request)
    app = request.app[NODE].coop_node
    holders = await _holders(request)
    try:
        giver = member_choice(form, "transfer-from", set(holders))
        taker = member_choice(form, "transfer-to", set(holders))
        if giver == taker:
            raise Invalid(
                "transfer-to", Problem(N_("Choose a member other than the holder."))
            )
        amount = minor_units(form, "transfer-amount")
        body = TransferRequest(giver, taker, amount, day(form, "transfer-on"))
        await write(request, transfer, app, body)
    except Invalid as error:
        return await shares_page(request, 400, error.problems, form)
    except InsufficientShares:
        problem = await _holds_only(request, giver, holders[giver])
        return await shares_page(request, 409, {"transfer-amount": problem}, form)
    except DomainError:
        return await shares_page(request, 409, {"transfer-from": NOT_ADMITTED}, form)
    raise web.HTTPSeeOther("/staff/shares?done=transfer#done")
