"""A federation's report, as JSON and as a page: the sum of its member
consortia's published reports and the growth tree across them
(``federation.federation_report``). In a consortium of co-ops both show no
consortia. Only the published view: the federation's own person counts are
suppressed again below 5."""

import asyncio
from typing import Any

from aiohttp import web

from federation.federation_report import FederationReport, build_federation_report
from federation.http.api import LINEAGE, SERVICE
from federation.suppression import publish, published_type
from toolkit.web.pages import render
from toolkit.web.routes import Api

federation_api = Api()


def _published_federation(request: web.Request) -> Any:
    service, lineage = request.app[SERVICE], request.app[LINEAGE]
    return publish(build_federation_report(service.views, lineage()))


@federation_api.route(
    "GET",
    "/api/federation-report",
    summary="A federation's report: the sum of its consortia's latest reports",
    tag="reports",
    response=published_type(FederationReport),
    auth=False,
)
async def federation_report(request: web.Request) -> Any:
    return await asyncio.to_thread(_published_federation, request)


async def federation_page(request: web.Request) -> web.Response:
    """The federation's analyst's page (GET /federation)."""
    from federation.http.app import TEMPLATES

    report = await asyncio.to_thread(_published_federation, request)
    return render(
        request.app[TEMPLATES],
        "federation.html",
        name=request.app[SERVICE].config.name,
        current=request.path,
        report=report,
    )
