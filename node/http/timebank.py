"""Time-bank API: open a member's account, transfer hours, read an account's
balance and statement.

A member moves hours out of their own account only, and reads only their own
statement; the coordinator and admin move hours between any members' accounts and
read any statement. Limits are checked by the node before anything is written.
"""

import datetime as dt
from typing import Annotated
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import CARE, EVERYONE
from node.errors import UnknownAccount
from node.http.audit import audited
from node.http.context import NODE, run, write
from node.http.guard import principal, require, require_self_or
from node.timebank import (
    DEFAULT_MAXIMUM,
    DEFAULT_MINIMUM,
    StatementLine,
    time_account_id,
)
from schemas.timebank import Purpose
from toolkit.web.errors import ApiError, forbidden
from toolkit.web.paging import ListQuery, Page
from toolkit.web.routes import Api, path_uuid

api = Api()
ID = {"id": UUID}
# (A whole number written 90.0 is read as 90: toolkit.web.routes.)
Minutes = Annotated[int, msgspec.Meta(ge=1, le=366 * 24 * 60)]
Limit = Annotated[int, msgspec.Meta(ge=-100_000, le=100_000)]


class NewAccount(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    member_id: UUID
    minimum: Limit = DEFAULT_MINIMUM
    maximum: Limit = DEFAULT_MAXIMUM
    opened_on: dt.date | None = None


class TransferRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``from_member`` defaults to the caller; only staff may name another."""

    to_member: UUID
    minutes: Minutes
    purpose: Purpose
    from_member: UUID | None = None
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""
    on: dt.date | None = None


class TransferView(msgspec.Struct, frozen=True):
    transfer: UUID
    from_member: UUID
    to_member: UUID
    minutes: int
    purpose: str


class StatementEntry(msgspec.Struct, frozen=True):
    entered_on: dt.date
    transfer: UUID
    # The other account's id (a member's account, or the co-op's pool).
    counterparty: UUID
    minutes: int  # negative for a debit
    purpose: str
    note: str
    balance: int
    # The other account's holder by name; null for the co-op's own accounts.
    other_party: str | None
    # The other co-op of hours sent to or received from one; null otherwise.
    other_coop: str | None = None


class AccountView(msgspec.Struct, frozen=True):
    member_id: UUID
    account_id: UUID
    balance: int
    minimum: int
    maximum: int
    opened_on: dt.date
    statement: Page[StatementEntry]


def account_view(app: CoopNode, member_id: UUID, query: ListQuery) -> AccountView:
    """Balance and one page of the statement in date order, oldest first. The
    cursor is the number of entries already read."""
    account = app.time_account_of(member_id)
    return AccountView(
        member_id=member_id,
        account_id=account.id,
        balance=account.balance,
        minimum=account.minimum,
        maximum=account.maximum,
        opened_on=account.opened_on,
        statement=statement_page(app.statement(account.id), query),
    )


def statement_page(
    lines: list[StatementLine], query: ListQuery
) -> Page[StatementEntry]:
    """One page of a statement; the cursor is the number of entries already read."""
    page = lines[query.cursor : query.cursor + query.limit]
    end = query.cursor + len(page)
    return Page(
        [StatementEntry(*line) for line in page], end if end < len(lines) else None
    )


@api.route(
    "POST",
    "/api/timebank/accounts",
    summary="Open a member's time-bank account (coordinator, admin)",
    tag="timebank",
    body=NewAccount,
    response=AccountView,
    status=201,
    roles=CARE,
)
async def open_account(request: web.Request, body: NewAccount) -> AccountView:
    require(request, CARE, "open time-bank accounts")
    app = request.app[NODE].coop_node

    def command() -> AccountView:
        app.open_time_account(
            body.member_id, body.minimum, body.maximum, body.opened_on
        )
        return account_view(app, body.member_id, ListQuery())

    view = await write(request, command)
    return view


@api.route(
    "POST",
    "/api/timebank/transfers",
    summary="Move hours from your account to another member's; the coordinator "
    "and admin between any members' accounts",
    tag="timebank",
    body=TransferRequest,
    response=TransferView,
    status=201,
    roles=EVERYONE,
)
async def transfer(request: web.Request, body: TransferRequest) -> TransferView:
    who = principal(request)
    source = body.from_member or who.member_id
    if source is None:
        raise forbidden("the admin has no time account of its own: name from_member")
    if source != who.member_id and who.role not in CARE:
        raise forbidden(f"a {who.role} may only transfer hours from their own account")
    app = request.app[NODE].coop_node

    def command() -> TransferView:
        # An account named in the body, not the path: a missing one is a conflict
        # with what is open (409), naming which side, rather than a 404.
        for field, member in (("from_member", source), ("to_member", body.to_member)):
            try:
                app.time_account_of(member)
            except UnknownAccount as error:
                raise ApiError(409, error.code, str(error), field) from None
        transfer_id = app.transfer_time(
            time_account_id(source),
            time_account_id(body.to_member),
            body.minutes,
            body.purpose,
            body.note,
            body.on,
        )
        return TransferView(
            transfer_id, source, body.to_member, body.minutes, body.purpose
        )

    view = await write(request, command)
    return view


@api.route(
    "GET",
    "/api/timebank/accounts/{id}",
    summary="A member's balance and statement (their own; any for the coordinator "
    "and admin)",
    tag="timebank",
    query=ListQuery,
    response=AccountView,
    params=ID,
    roles=EVERYONE,
)
async def get_account(request: web.Request, query: ListQuery) -> AccountView:
    member_id = path_uuid(request)
    require_self_or(request, member_id, CARE, "read time-bank statements")
    view = await run(
        request, account_view, request.app[NODE].coop_node, member_id, query
    )
    await audited(request, member_id, "timebank_statement")
    return view


def my_time_account(
    app: CoopNode, member_id: UUID, latest: int = 20
) -> AccountView | None:
    """For the member's home page: balance and the ``latest`` entries, newest
    first; None if no account has been opened for them."""
    try:
        view = account_view(app, member_id, ListQuery(limit=500, cursor=0))
    except UnknownAccount:
        return None
    while view.statement.next_cursor is not None:  # long statements: the last page
        view = account_view(app, member_id, ListQuery(500, view.statement.next_cursor))
    items = view.statement.items[::-1][:latest]
    return msgspec.structs.replace(view, statement=Page(items, None))
