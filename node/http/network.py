"""How the co-op compares with the network (node.network_mirror): the latest
mirror from the consortium and the history of them, for the board and the
coordinators, on the API and on ``/staff/network``.
"""

import datetime as dt
from typing import Any

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import STAFF
from node.http.context import NODE, run
from node.http.guard import require
from node.http.language import language_context
from node.http.pages import render, signed_in
from node.network_mirror import ReceivedMirror
from node.network_words import METRIC_NAMES, shown
from toolkit.web.routes import Api

api = Api()
network_pages = web.RouteTableDef()
PAGE = "/staff/network"


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
