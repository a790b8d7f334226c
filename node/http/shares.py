"""Share capital API (board): record a member's purchase or redemption of shares,
a transfer between two members, and read the register of members as JSON or as
CSV for the registrar.

The CSV names members by name and by member number (their place in the order of
admission, which never changes: node.shares), never by the node's internal ids:
it is for the registrar, who knows neither. It has one row per movement of share
capital (a member with none has one row with the movement columns empty), each
row also saying who the member is and what they hold now, so it can be filtered
and sorted as it is. Amounts are plain decimals in the co-op's currency, whose
symbol is in the column headings; classes are named by their labels. A name that
a spreadsheet would take for a formula is written as text.
"""

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Annotated
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import BOARD
from node.http.context import NODE, run, write
from node.http.guard import require
from node.labels import plain_label
from node.shares import Entry, Kind, register, transfer_shares
from toolkit.web.routes import Api, path_uuid

api = Api()
ID = {"id": UUID}
Amount = Annotated[
    int, msgspec.Meta(ge=1, le=10**11, description="in minor units (pence, cents)")
]


class ShareAmount(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    amount: Amount
    on: dt.date | None = None


class TransferRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    from_member: UUID = msgspec.field(name="from")
    to_member: UUID = msgspec.field(name="to")
    amount: Amount
    on: dt.date | None = None


class Holding(msgspec.Struct, frozen=True):
    member_id: UUID
    shares: int


class Transferred(msgspec.Struct, frozen=True):
    giver: Holding
    taker: Holding


class MovementView(msgspec.Struct, frozen=True):
    on: dt.date
    kind: Kind
    amount: int
    other_member: UUID | None
    holding: int


class EntryView(msgspec.Struct, frozen=True):
    number: int
    member_id: UUID
    name: str
    member_class: str
    admitted_on: dt.date
    ceased_on: dt.date | None
    shares: int
    history: list[MovementView]


class Register(msgspec.Struct, frozen=True):
    members: list[EntryView]


def entry_view(entry: Entry) -> EntryView:
    return EntryView(
        number=entry.number,
        member_id=entry.member_id,
        name=entry.name,
        member_class=entry.member_class,
        admitted_on=entry.admitted_on,
        ceased_on=entry.ceased_on,
        shares=entry.shares,
        history=[MovementView(*move) for move in entry.history],
    )


def register_view(app: CoopNode) -> Register:
    return Register([entry_view(e) for e in register(app)])


def buy(app: CoopNode, member_id: UUID, body: ShareAmount) -> Holding:
    app.buy_shares(member_id, body.amount, body.on)
    return Holding(member_id, app.member(member_id).shares)


def redeem(app: CoopNode, member_id: UUID, body: ShareAmount) -> Holding:
    app.redeem_shares(member_id, body.amount, body.on)
    return Holding(member_id, app.member(member_id).shares)


def transfer(app: CoopNode, body: TransferRequest) -> Transferred:
    giver, taker = transfer_shares(
        app, body.from_member, body.to_member, body.amount, body.on
    )
    return Transferred(Holding(giver.id, giver.shares), Holding(taker.id, taker.shares))


@api.route(
    "POST",
    "/api/members/{id}/shares/purchases",
    summary="Record a member's purchase of shares (board)",
    tag="shares",
    body=ShareAmount,
    response=Holding,
    status=201,
    params=ID,
    roles=BOARD,
)
async def purchase(request: web.Request, body: ShareAmount) -> Holding:
    return await _record_move(request, body, buy, "record share purchases")


@api.route(
    "POST",
    "/api/members/{id}/shares/redemptions",
    summary="Record the co-op redeeming a member's shares (board)",
    tag="shares",
    body=ShareAmount,
    response=Holding,
    status=201,
    params=ID,
    roles=BOARD,
)
async def redemption(request: web.Request, body: ShareAmount) -> Holding:
    return await _record_move(request, body, redeem, "record share redemptions")


async def _record_move(
    request: web.Request,
    body: ShareAmount,
    move: Callable[[CoopNode, UUID, ShareAmount], Holding],
    what: str,
) -> Holding:
    require(request, BOARD, what)
    member_id = path_uuid(request)
    return await write(request, move, request.app[NODE].coop_node, member_id, body)


@api.route(
    "POST",
    "/api/shares/transfers",
    summary="Transfer shares from one member to another, both at once (board)",
    tag="shares",
    body=TransferRequest,
    response=Transferred,
    status=201,
    errors=(404,),
    roles=BOARD,
)
async def transfer_route(request: web.Request, body: TransferRequest) -> Transferred:
    require(request, BOARD, "record share transfers")
    return await write(request, transfer, request.app[NODE].coop_node, body)


@api.route(
    "GET",
    "/api/shares/register",
    summary="The register of members and their share capital (board)",
    tag="shares",
    response=Register,
    roles=BOARD,
)
async def register_json(request: web.Request) -> Register:
    require(request, BOARD, "read the share register")
    return await run(request, register_view, request.app[NODE].coop_node)


KINDS = {
    "purchase": "purchase",
    "redemption": "redemption",
    "transfer_in": "transfer in",
    "transfer_out": "transfer out",
}


def amount_text(minor_units: int) -> str:
    """An amount as a plain decimal in major units, for a spreadsheet: 2550 ->
    "25.50" (the currency is in the column's heading)."""
    sign = "-" if minor_units < 0 else ""
    whole, cents = divmod(abs(minor_units), 100)
    return f"{sign}{whole}.{cents:02d}"


def text_cell(text: str) -> str:
    """Text as a spreadsheet shows it, never runs it: a cell that begins like a
    formula (a name such as "=HYPERLINK(...)") is kept as text."""
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def register_csv(view: Register, symbol: str) -> str:
    numbers = {e.member_id: e for e in view.members}
    out = io.StringIO()
    writer = csv.writer(out)
    money = f"({symbol})" if symbol else ""
    writer.writerow(
        [
            "Member number",
            "Name",
            "Class",
            "Admitted",
            "Ceased",
            f"Shares held {money}".strip(),
            "Date",
            "Movement",
            f"Amount {money}".strip(),
            f"Holding after {money}".strip(),
            "Other member number",
            "Other member",
        ]
    )
    for e in view.members:
        member = [
            e.number,
            text_cell(e.name),
            plain_label(e.member_class),
            e.admitted_on.isoformat(),
            e.ceased_on.isoformat() if e.ceased_on else "",
            amount_text(e.shares),
        ]
        if not e.history:
            writer.writerow([*member, "", "", "", "", "", ""])
        for move in e.history:
            other = numbers.get(move.other_member) if move.other_member else None
            writer.writerow(
                [
                    *member,
                    move.on.isoformat(),
                    KINDS[move.kind],
                    amount_text(move.amount),
                    amount_text(move.holding),
                    other.number if other else "",
                    text_cell(other.name) if other else "",
                ]
            )
    return out.getvalue()


@api.route(
    "GET",
    "/api/shares/register.csv",
    summary="The register of members as CSV, for the registrar (board)",
    tag="shares",
    roles=BOARD,
)
async def register_export(request: web.Request) -> web.Response:
    require(request, BOARD, "read the share register")
    app = request.app[NODE].coop_node
    # The registrar reads the ISO code (EUR, GBP, CAD) in each amount's heading.
    code = request.app[NODE].config.locale.money

    def export() -> str:
        return register_csv(register_view(app), code)

    text = await run(request, export)
    day = dt.date.today().isoformat()
    return web.Response(
        text=text,
        content_type="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="share-register-{day}.csv"'
        },
    )
