"""The coordinator's time-bank pages (coordinator and admin): every member's
balance, opening accounts, transfers between members, the co-op's pool, and any
account's statement with the other party named.

Forms are checked by the API's own bodies (node.http.timebank, node.http.pool) and
run the same commands; a refusal is said beside the field it concerns, naming the
member, and the form keeps what was typed. Every write redirects to the page.
"""

from functools import partial
from typing import Any, NamedTuple
from uuid import UUID

from aiohttp import web

from node.application import CoopNode
from node.auth import CARE
from node.errors import BalanceLimitExceeded, UnknownAccount
from node.http.audit import audited
from node.http.context import NODE, run
from node.http.coordinator_forms import (
    NO_SUCH_RECORD,
    Refused,
    minutes_of,
    parsed,
    run_form,
    typed_page,
)
from node.http.field_errors import path_id
from node.http.pages import render, signed_in
from node.http.pool import POOL, NewPool, PoolTransfer, pool_view
from node.http.timebank import NewAccount, TransferRequest, account_view
from node.membership import Member
from node.timebank import DEFAULT_MAXIMUM, DEFAULT_MINIMUM, TimeAccount
from toolkit.web.i18n import N_
from toolkit.web.paging import ListQuery

coordinator_pages = web.RouteTableDef()
PAGE = "/staff/timebank"
STATEMENT_LINES = 50
DONE = {
    "account": N_("Account opened."),
    "transfer": N_("Transfer recorded."),
    "pool": N_("Pool opened."),
    "pool-transfer": N_("Pool transfer recorded."),
    "respite": N_("Respite recorded against the member's hours."),
}
HINTS = {
    "member_id": N_("Choose a member."),
    "member": N_("Choose a member."),
    "from_member": N_("Choose who gives the hours."),
    "to_member": N_("Choose who receives the hours."),
    "hours": N_("Write the hours as 1.5 or 1:30 (more than zero)."),
    "minimum": N_("Write the lowest balance allowed, in hours, zero or below."),
    "maximum": N_("Write the highest balance allowed, in hours, zero or above."),
    "purpose": N_("Choose a purpose."),
    "direction": N_("Choose which way the hours go."),
    "note": N_("The note is too long (500 characters at most)."),
    "on": N_("Write the date, or leave it blank for today."),
}
PURPOSE_LABELS = {
    "volunteering": N_("volunteering"),
    "respite": N_("respite"),
    "family_care": N_("family care"),
    "gift": N_("gift"),
    "adjustment": N_("adjustment"),
}
MINUTES = {"minutes": "hours"}  # the form asks for hours
TOO_FEW = N_(
    "%(name)s has too few hours: this would take their balance below the lowest "
    "allowed."
)
TOO_MANY = N_("This would take %(name)s's balance above the highest allowed.")


class Holder(NamedTuple):
    """An admitted member and their account, if one is open."""

    id: UUID
    name: str
    member_class: str
    account: TimeAccount | None


def holders(app: CoopNode) -> list[Holder]:
    accounts = {a.owner: a for a in app.time_accounts()}
    members = sorted((m for m in app.members() if m.is_admitted), key=_by_name)
    return [Holder(m.id, m.name, m.member_class, accounts.get(m.id)) for m in members]


def _by_name(member: Member) -> str:
    return member.name.casefold()


def _timebank_context(app: CoopNode) -> dict[str, Any]:
    try:
        pool = pool_view(app, ListQuery(limit=1))
    except UnknownAccount:
        pool = None
    return {
        "holders": holders(app),
        "pool": pool,
        "purposes": PURPOSE_LABELS,
        "default_minimum": DEFAULT_MINIMUM // 60,
        "default_maximum": DEFAULT_MAXIMUM // 60,
    }


timebank_page = partial(
    typed_page, "coordinator_timebank.html", _timebank_context, DONE
)


@coordinator_pages.get(PAGE)
async def staff_timebank(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    return await timebank_page(request)


def _name(app: CoopNode, member: UUID) -> str:
    return app.member(member).name


def _minutes(values: dict[str, str], field: str, signed: bool = False) -> int | None:
    """A field's hours in minutes; None when left blank."""
    if not values.get(field):
        return None
    try:
        return minutes_of(values[field], signed)
    except ValueError:
        raise Refused(field, HINTS[field], 400) from None


async def _posted(
    request: web.Request, form: str, names: tuple[str, ...], command: Any
) -> web.Response:
    signed_in(request, CARE)
    done = f"{PAGE}?done={form}#done"
    return await run_form(request, timebank_page, form, names, done, command)


def open_account(app: CoopNode, values: dict[str, str]) -> None:
    minimum = _minutes(values, "minimum", signed=True)
    maximum = _minutes(values, "maximum", signed=True)
    fields = {"member_id": values["member_id"], "minimum": minimum, "maximum": maximum}
    body = parsed(fields, NewAccount, HINTS)
    try:
        app.time_account_of(body.member_id)
    except UnknownAccount:
        pass
    else:
        name = _name(app, body.member_id)
        raise Refused("member_id", N_("%(name)s already has an account."), name=name)
    if body.minimum > 0:
        raise Refused("minimum", HINTS["minimum"], 400)
    if body.maximum < 0:
        raise Refused("maximum", HINTS["maximum"], 400)
    app.open_time_account(body.member_id, body.minimum, body.maximum, body.opened_on)


@coordinator_pages.post(f"{PAGE}/accounts")
async def staff_open_account(request: web.Request) -> web.Response:
    names = ("member_id", "minimum", "maximum")
    return await _posted(request, "account", names, open_account)


def _account(app: CoopNode, field: str, member: UUID) -> TimeAccount:
    try:
        return app.time_account_of(member)
    except UnknownAccount:
        message = N_("%(name)s has no time-bank account yet: open one first.")
        raise Refused(field, message, name=_name(app, member)) from None


def record_transfer(app: CoopNode, values: dict[str, str]) -> None:
    fields = {**values, "minutes": _minutes(values, "hours")}
    del fields["hours"]
    body = parsed(fields, TransferRequest, HINTS, MINUTES)
    source_member = body.from_member
    if source_member is None:
        raise Refused("from_member", HINTS["from_member"], 400)
    if source_member == body.to_member:
        message = N_("Choose two different members.")
        raise Refused("to_member", message, 400)
    source = _account(app, "from_member", source_member)
    target = _account(app, "to_member", body.to_member)
    minutes = body.minutes
    try:
        app.transfer_time(
            source.id, target.id, minutes, body.purpose, body.note, body.on
        )
    except BalanceLimitExceeded:
        sides = ("from_member", "to_member")
        raise _over_limit(app, source, target, minutes, sides) from None


def _over_limit(
    app: CoopNode,
    source: TimeAccount,
    target: TimeAccount,
    minutes: int,
    fields: tuple[str, str],
) -> Refused:
    """The side of a transfer whose limit refused it, by name."""
    if source.balance - minutes < source.minimum:
        side, field, message = source, fields[0], TOO_FEW
    else:
        side, field, message = target, fields[1], TOO_MANY
    if side.owner is None:
        return Refused("hours", N_("The pool cannot give or take that many hours."))
    return Refused(field, message, name=_name(app, side.owner))


@coordinator_pages.post(f"{PAGE}/transfers")
async def staff_transfer(request: web.Request) -> web.Response:
    names = ("from_member", "to_member", "hours", "purpose", "note", "on")
    return await _posted(request, "transfer", names, record_transfer)


def open_pool(app: CoopNode, values: dict[str, str]) -> None:
    minimum = _minutes(values, "minimum", signed=True)
    maximum = _minutes(values, "maximum", signed=True)
    body = parsed({"minimum": minimum, "maximum": maximum}, NewPool, HINTS)
    try:
        app.time_account(POOL)
    except UnknownAccount:
        app.open_pool_account(body.minimum, body.maximum, body.opened_on)
    else:
        raise Refused("form", N_("The pool is already open."))


@coordinator_pages.post(f"{PAGE}/pool")
async def staff_open_pool(request: web.Request) -> web.Response:
    return await _posted(request, "pool", ("minimum", "maximum"), open_pool)


def pool_transfer(app: CoopNode, values: dict[str, str]) -> None:
    fields = {**values, "minutes": _minutes(values, "hours")}
    del fields["hours"]
    body = parsed(fields, PoolTransfer, HINTS, MINUTES)
    member = _account(app, "member", body.member)
    try:
        pool = app.time_account(POOL)
    except UnknownAccount:
        raise Refused("form", N_("Open the pool first.")) from None
    source, target = (pool, member) if body.direction == "from_pool" else (member, pool)
    minutes = body.minutes
    try:
        app.transfer_time(
            source.id, target.id, minutes, body.purpose, body.note, body.on
        )
    except BalanceLimitExceeded:
        raise _over_limit(app, source, target, minutes, ("member", "member")) from None


@coordinator_pages.post(f"{PAGE}/pool/transfers")
async def staff_pool_transfer(request: web.Request) -> web.Response:
    names = ("member", "direction", "hours", "purpose", "note")
    return await _posted(request, "pool-transfer", names, pool_transfer)


def _cursor(request: web.Request) -> int:
    try:
        return max(0, int(request.query.get("cursor", "0")))
    except ValueError:
        return 0


def account_names(app: CoopNode) -> dict[UUID, str]:
    """Each account's holder by name, for the other party of a statement line."""
    owners = {a.id: a.owner for a in app.time_accounts()}
    names = {m.id: m.name for m in app.members()}
    return {
        account: names.get(owner, "") if owner else ""
        for account, owner in owners.items()
    }


@coordinator_pages.get(f"{PAGE}/members/{{id}}")
async def staff_statement(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    member = path_id(request, NO_SUCH_RECORD)
    app = request.app[NODE].coop_node
    query = ListQuery(STATEMENT_LINES, _cursor(request))

    def read() -> dict[str, Any]:
        try:
            view = account_view(app, member, query)
        except UnknownAccount:
            missing = "This member has no time-bank account."
            raise web.HTTPNotFound(text=missing) from None
        return {
            "holder": _name(app, member),
            "view": view,
            "api": "GET /api/timebank/accounts/{id}",
            "names": account_names(app),
        }

    page = await _statement(request, query, read)
    await audited(request, member, "timebank_statement")
    return page


@coordinator_pages.get(f"{PAGE}/pool")
async def staff_pool_statement(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    app = request.app[NODE].coop_node
    query = ListQuery(STATEMENT_LINES, _cursor(request))

    def read() -> dict[str, Any]:
        try:
            view = pool_view(app, query)
        except UnknownAccount:
            raise web.HTTPNotFound(text="The pool is not open yet.") from None
        return {
            "holder": None,
            "view": view,
            "api": "GET /api/timebank/pool",
            "names": account_names(app),
        }

    return await _statement(request, query, read)


async def _statement(request: web.Request, query: ListQuery, read: Any) -> web.Response:
    data = await run(request, read)
    earlier = max(0, query.cursor - query.limit) if query.cursor else None
    return render(
        request,
        "coordinator_statement.html",
        earlier=earlier,
        purposes=PURPOSE_LABELS,
        **data,
    )
