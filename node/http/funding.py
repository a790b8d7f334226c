"""Funding API (coordinator, admin): record who pays for a service user's care
and the hours a week it commissions, from a day; read commissioned against
delivered hours, for everyone funded or for one person by week and by month.

Funding is the person's and the co-op's business: no member reads it, their
own included (a service user's plan is read with the coordinator).
"""

import datetime as dt
from typing import Annotated
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import CARE
from node.funding import Arrangement, Funding, Period
from node.http.audit import audited
from node.http.context import NODE, run, write
from node.http.guard import require
from schemas.funding import FunderType, WeeklyMinutes
from toolkit.web.routes import Api, path_uuid

api = Api()
ID = {"id": UUID}
WEEKS = 8
MONTHS = 6


class NewArrangement(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """From ``starts_on`` (today if not given), after any arrangement recorded."""

    service_user: UUID
    funder: FunderType
    weekly_minutes: WeeklyMinutes
    starts_on: dt.date | None = None
    # The council, fund or person paying, and their reference: kept in the node.
    funder_name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    reference: Annotated[str, msgspec.Meta(max_length=100)] = ""


class ArrangementView(msgspec.Struct, frozen=True):
    funder: str
    funder_name: str
    reference: str
    weekly_minutes: int
    starts_on: dt.date


class PeriodView(msgspec.Struct, frozen=True):
    starts_on: dt.date
    ends_on: dt.date
    commissioned: int  # minutes
    delivered: int


class FundingSummary(msgspec.Struct, frozen=True):
    """A service user's arrangement in force today, and this month so far."""

    service_user: UUID
    current: ArrangementView | None
    month: PeriodView


class FundingView(msgspec.Struct, frozen=True):
    service_user: UUID
    arrangements: list[ArrangementView]  # oldest first
    weeks: list[PeriodView]  # newest first
    months: list[PeriodView]


def arrangement_view(arrangement: Arrangement) -> ArrangementView:
    return ArrangementView(*arrangement)


def period_view(period: Period) -> PeriodView:
    return PeriodView(*period)


def funding_summaries(app: CoopNode, today: dt.date) -> list[FundingSummary]:
    delivered = app.delivered_minutes()
    summaries = []
    for funding in app.fundings():
        user = funding.service_user
        current = funding.in_force(today)
        [month] = app.months(user, today, 1, delivered.get(user, {}))
        summaries.append(
            FundingSummary(
                user,
                arrangement_view(current) if current else None,
                period_view(month),
            )
        )
    return summaries


def funding_view(app: CoopNode, service_user: UUID, today: dt.date) -> FundingView:
    app.member(service_user)  # an unknown member: 404
    funding: Funding | None = app.funding_of(service_user)
    delivered = app.delivered_minutes().get(service_user, {})
    return FundingView(
        service_user,
        [arrangement_view(a) for a in funding.arrangements] if funding else [],
        [period_view(p) for p in app.weeks(service_user, today, WEEKS, delivered)],
        [period_view(p) for p in app.months(service_user, today, MONTHS, delivered)],
    )


def arrange(app: CoopNode, body: NewArrangement) -> None:
    app.arrange_funding(
        body.service_user,
        body.funder,
        body.weekly_minutes,
        body.starts_on,
        body.funder_name,
        body.reference,
    )


@api.route(
    "POST",
    "/api/funding",
    summary="Record who funds a service user's care and the minutes a week it "
    "commissions, from a day (coordinator, admin)",
    tag="funding",
    body=NewArrangement,
    response=FundingView,
    status=201,
    roles=CARE,
)
async def post_funding(request: web.Request, body: NewArrangement) -> FundingView:
    require(request, CARE, "record funding")
    app = request.app[NODE].coop_node

    def command() -> FundingView:
        arrange(app, body)
        return funding_view(app, body.service_user, dt.date.today())

    return await write(request, command)


@api.route(
    "GET",
    "/api/funding",
    summary="Everyone funded: the arrangement in force and this month's "
    "commissioned against delivered minutes (coordinator, admin)",
    tag="funding",
    response=list[FundingSummary],
    roles=CARE,
)
async def list_funding(request: web.Request) -> list[FundingSummary]:
    require(request, CARE, "read funding")
    app = request.app[NODE].coop_node
    return await run(request, funding_summaries, app, dt.date.today())


@api.route(
    "GET",
    "/api/funding/{id}",
    summary="A service user's funding arrangements, and commissioned against "
    "delivered minutes by week and by month (coordinator, admin)",
    tag="funding",
    response=FundingView,
    params=ID,
    roles=CARE,
)
async def get_funding(request: web.Request) -> FundingView:
    require(request, CARE, "read funding")
    service_user = path_uuid(request)
    app = request.app[NODE].coop_node
    view = await run(request, funding_view, app, service_user, dt.date.today())
    await audited(request, service_user, "funding")
    return view
