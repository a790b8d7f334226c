"""How the co-op compares with the network (node.network_mirror): the latest
mirror from the consortium and the history of them, for the board and the
coordinators, on the API and on ``/staff/network``.
"""

import datetime as dt
from typing import Any

import msgspec
from aiohttp import web
from babel.numbers import format_decimal, format_percent

from node.application import CoopNode
from node.auth import STAFF
from node.http.context import NODE, run
from node.http.guard import require
from node.http.language import language_context
from node.http.pages import render, signed_in
from node.network_mirror import ReceivedMirror
from schemas.mirror import Comparison
from toolkit.web.i18n import N_
from toolkit.web.routes import Api

api = Api()
network_pages = web.RouteTableDef()
PAGE = "/staff/network"

# What each figure is, for a lay reader; the template translates them.
METRIC_NAMES = {
    "missed_visit_rate": N_("Visits missed (last 12 months)"),
    "outcome_change": N_("Change in how well people manage their goals"),
    "continuity": N_("People seen by no more than two carers (latest month)"),
    "turnover": N_("Staff who left, over a year"),
    "turnout": N_("Members who voted in ballots"),
    "volunteer_hours": N_("Volunteer hours on visits (last 12 months)"),
    "timebank_activity": N_("Time bank accounts in use"),
}
# Shares are shown as percentages; the others as numbers.
SHARES = {
    "missed_visit_rate",
    "continuity",
    "turnover",
    "turnout",
    "timebank_activity",
}


class MirrorHistory(msgspec.Struct, frozen=True):
    """The latest mirror of each month received, newest month first."""

    mirrors: list[ReceivedMirror]


def mirror_history(app: CoopNode) -> MirrorHistory:
    return MirrorHistory(app.mirrors_received())


@api.route(
    "GET",
    "/api/network-mirror",
    summary="How the co-op compares with the network, month by month (staff)",
    tag="network",
    response=MirrorHistory,
    roles=STAFF,
)
async def network_mirror(request: web.Request) -> MirrorHistory:
    require(request, STAFF, "see how the co-op compares with the network")
    return await run(request, mirror_history, request.app[NODE].coop_node)


class Shown(msgspec.Struct, frozen=True):
    """One comparison as the page writes it, in the reader's locale."""

    metric: str
    name: str
    own: str
    p25: str
    p50: str
    p75: str
    rank: str
    withheld: str


def shown(comparison: Comparison, locale: str) -> Shown:
    def text(value: float | None) -> str:
        if value is None:
            return ""
        if comparison.metric in SHARES:
            return str(format_percent(value, "#,##0.#%", locale=locale))
        if comparison.metric == "outcome_change":
            return str(format_decimal(value, "+#,##0.0#;-#,##0.0#", locale=locale))
        return str(format_decimal(value, "#,##0.#", locale=locale))

    return Shown(
        metric=comparison.metric,
        name=METRIC_NAMES[comparison.metric],
        own=text(comparison.own),
        p25=text(comparison.p25),
        p50=text(comparison.p50),
        p75=text(comparison.p75),
        rank="" if comparison.rank is None else str(round(comparison.rank)),
        withheld=comparison.withheld,
    )


def _page_context(received: list[ReceivedMirror], locale: str) -> dict[str, Any]:
    months = [
        (
            dt.date.fromisoformat(r.mirror.period + "-01"),
            [shown(c, locale) for c in r.mirror.comparisons],
        )
        for r in received
    ]
    return {
        "latest": received[0] if received else None,
        "latest_shown": months[0][1] if months else [],
        "months": months,
        "metric_names": METRIC_NAMES,
    }


@network_pages.get(PAGE)
async def staff_network(request: web.Request) -> web.Response:
    signed_in(request, STAFF)
    app = request.app[NODE].coop_node
    received = await run(request, app.mirrors_received)
    locale = language_context(request)["locale"]
    return render(request, "network.html", **_page_context(received, locale))
