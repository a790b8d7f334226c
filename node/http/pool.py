"""The co-op's pool account in the time bank, for the coordinator: open it, read
its balance and statement, and move hours between it and a member's account.

The pool is the co-op's own account: it pays members for volunteering for the
co-op, and takes hours members give back. Nobody owns it, so only the coordinator
and admin (who already move hours between any members' accounts) touch it.
"""

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import CARE
from node.errors import UnknownAccount
from node.http.context import NODE, run, write
from node.http.guard import require
from node.http.timebank import Minutes, StatementEntry, statement_page
from node.timebank import time_account_id
from schemas.timebank import Purpose
from toolkit.web.errors import ApiError
from toolkit.web.paging import ListQuery, Page
from toolkit.web.routes import Api

api = Api()
POOL = time_account_id(None)
# A pool's limits must allow a zero balance: the schema says so, so any limits it
# accepts the node accepts.
Minimum = Annotated[int, msgspec.Meta(ge=-100_000, le=0)]
Maximum = Annotated[int, msgspec.Meta(ge=0, le=100_000)]
Direction = Literal["from_pool", "to_pool"]


class NewPool(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    minimum: Minimum = -1_000 * 60
    maximum: Maximum = 1_000 * 60
    opened_on: dt.date | None = None


class PoolTransfer(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``from_pool`` pays ``member`` hours out of the pool; ``to_pool`` moves them
    from the member's account into it."""

    member: UUID
    minutes: Minutes
    direction: Direction = "from_pool"
    purpose: Purpose = "volunteering"
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""
    on: dt.date | None = None


class PoolView(msgspec.Struct, frozen=True):
    account_id: UUID
    balance: int
    minimum: int
    maximum: int
    opened_on: dt.date
    statement: Page[StatementEntry]


class PoolTransferView(msgspec.Struct, frozen=True):
    transfer: UUID
    member: UUID
    direction: Direction
    minutes: int
    purpose: str
    pool_balance: int


def pool_view(app: CoopNode, query: ListQuery) -> PoolView:
    try:
        account = app.time_account(POOL)
    except UnknownAccount:
        raise UnknownAccount("the co-op's pool account is not open") from None
    return PoolView(
        account_id=account.id,
        balance=account.balance,
        minimum=account.minimum,
        maximum=account.maximum,
        opened_on=account.opened_on,
        statement=statement_page(app.statement(account.id), query),
    )


@api.route(
    "POST",
    "/api/timebank/pool",
    summary="Open the co-op's pool account (coordinator, admin)",
    tag="timebank",
    body=NewPool,
    response=PoolView,
    status=201,
    roles=CARE,
)
async def open_pool(request: web.Request, body: NewPool) -> PoolView:
    require(request, CARE, "open the pool account")
    app = request.app[NODE].coop_node

    def command() -> PoolView:
        app.open_pool_account(body.minimum, body.maximum, body.opened_on)
        return pool_view(app, ListQuery())

    return await write(request, command)


@api.route(
    "GET",
    "/api/timebank/pool",
    summary="The pool account's balance and statement, oldest entries first "
    "(coordinator, admin)",
    tag="timebank",
    query=ListQuery,
    response=PoolView,
    errors=(404,),
    roles=CARE,
)
async def get_pool(request: web.Request, query: ListQuery) -> PoolView:
    require(request, CARE, "read the pool account")
    return await run(request, pool_view, request.app[NODE].coop_node, query)


@api.route(
    "POST",
    "/api/timebank/pool/transfers",
    summary="Move hours between the pool and a member's account (coordinator, admin)",
    tag="timebank",
    body=PoolTransfer,
    response=PoolTransferView,
    status=201,
    roles=CARE,
)
async def pool_transfer(request: web.Request, body: PoolTransfer) -> PoolTransferView:
    require(request, CARE, "move hours in or out of the pool")
    app = request.app[NODE].coop_node
    member_account = time_account_id(body.member)

    def command() -> PoolTransferView:
        # Accounts named in the body, not the path: a missing one is a conflict
        # with what is open (409), not a 404.
        try:
            app.time_account(member_account)
        except UnknownAccount as error:
            message = f"member {body.member} has no time account"
            raise ApiError(409, error.code, message, "member") from None
        try:
            app.time_account(POOL)
        except UnknownAccount as error:
            message = "the co-op's pool account is not open"
            raise ApiError(409, error.code, message) from None
        source, target = (
            (POOL, member_account)
            if body.direction == "from_pool"
            else (member_account, POOL)
        )
        transfer_id = app.transfer_time(
            source, target, body.minutes, body.purpose, body.note, body.on
        )
        return PoolTransferView(
            transfer_id,
            body.member,
            body.direction,
            body.minutes,
            body.purpose,
            app.time_account(POOL).balance,
        )

    return await write(request, command)
