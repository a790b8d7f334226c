"""The consortium's aiohttp application: JSON API, dashboard, metrics. The
dashboard, like the API, shows only the published view: no count of people below 5."""

import asyncio
from typing import Any

import jinja2
import msgspec
from aiohttp import web
from prometheus_client import CollectorRegistry

from federation.http.api import (
    LINEAGE,
    SERVICE,
    ConsortiumCollector,
    ConsumerLag,
    RegistryLineage,
    ReportQuery,
    api,
    page_of_report,
)
from federation.http.attestation import add_attestation, attestation_api
from federation.http.federation_page import federation_api, federation_page
from federation.http.figures import Figure, figures
from federation.http.sections import Section, key_measures, sections
from federation.members_over_time import members_by_class_over_time
from federation.relay_log import RelayStatus, relay_status
from federation.report import build_report
from federation.service import ConsortiumService
from federation.suppression import publish
from toolkit.web.errors import error_middleware, heading
from toolkit.web.observe import HttpMetrics
from toolkit.web.openapi import openapi_document
from toolkit.web.pages import environment, render
from toolkit.web.routes import json_response
from toolkit.web.security import secure

TEMPLATES = web.AppKey("templates", jinja2.Environment)
LAG = web.AppKey("lag", ConsumerLag)


def _figures(
    service: ConsortiumService,
    lineage: RegistryLineage,
    query: ReportQuery | None = None,
) -> tuple[Any, list[Section], list[Figure]]:
    """The report's published view (what the page may show), its sections, and
    every figure of them (each downloadable as CSV): listing the page of co-ops
    ``query`` asks for, or every co-op for None (a figure's CSV)."""
    if query is None:
        report = build_report(service.views, lineage())
    else:
        report = page_of_report(service, lineage, query)
    view = publish(report)
    with service.views.transaction() as cursor:
        trend = members_by_class_over_time(cursor)
    parts = sections(view, figures(report, view, trend))
    side_by_side = key_measures(report, view)
    every = [side_by_side, *(f for part in parts for f in part.figures)]
    return view, parts, every


async def dashboard(request: web.Request) -> web.Response:
    """The analyst's page: the published report, section by section, the
    network's figures over every co-op and the co-ops a page at a time."""
    service = request.app[SERVICE]
    try:
        query = msgspec.convert(dict(request.query), ReportQuery, strict=False)
    except msgspec.ValidationError as error:
        raise web.HTTPBadRequest(text=f"Not a page of co-ops: {error}") from None
    view, parts, every = await asyncio.to_thread(
        _figures, service, request.app[LINEAGE], query
    )
    return render(
        request.app[TEMPLATES],
        "dashboard.html",
        name=service.config.name,
        current=request.path,
        report=view,
        key_measures=every[0],
        sections=parts,
        query=query,
    )


async def operations(request: web.Request) -> web.Response:
    """The operator's page: whether the feed from the co-ops is healthy."""
    service = request.app[SERVICE]
    dead_letters, silent, upward, hours = await asyncio.to_thread(
        lambda: (
            service.views.dead_letter_count(),
            service.silent_coops(),
            service.upward.status() if service.upward else None,
            _relay_status(service),
        )
    )
    return render(
        request.app[TEMPLATES],
        "operations.html",
        name=service.config.name,
        current=request.path,
        dead_letters=dead_letters,
        lag=request.app[LAG].pending,
        ack_pending=request.app[LAG].ack_pending,
        silent=silent,
        silent_after=service.config.silent_after_seconds,
        upward=upward,
        hours=hours,
        relaying=service.relay is not None,
    )


def _relay_status(service: ConsortiumService) -> RelayStatus:
    with service.views.transaction() as cursor:
        return relay_status(cursor)


async def figure_csv(request: web.Request) -> web.Response:
    _, _, figs = await asyncio.to_thread(
        _figures, request.app[SERVICE], request.app[LINEAGE]
    )
    name = request.match_info["name"]
    for figure in figs:
        if figure.name == name:
            return web.Response(
                text=figure.csv(),
                content_type="text/csv",
                headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
            )
    raise web.HTTPNotFound(text=f"no figure {name}")


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    """An HTTP error as a page in the dashboard's layout (toolkit.web.errors)."""
    return render(
        request.app[TEMPLATES],
        "error.html",
        status,
        name=request.app[SERVICE].config.name,
        current=request.path,
        heading=heading(status),
        message=message,
    )


def make_consortium_app(service: ConsortiumService) -> web.Application:
    registry = CollectorRegistry()
    metrics = HttpMetrics(registry, service.config.http.metrics_token_sha256)
    lag = ConsumerLag(service)
    registry.register(ConsortiumCollector(service, lag))
    app = web.Application(
        middlewares=[metrics.middleware(), error_middleware(_none, error_page)]
    )
    app[SERVICE] = service
    app[LINEAGE] = RegistryLineage(service.registry)
    app[LAG] = lag
    app[TEMPLATES] = environment("federation.http")
    secure(app)
    document = openapi_document(
        [api, attestation_api, federation_api],
        title=f"commonweal consortium {service.config.name}",
        version="1",
    )

    async def openapi(request: web.Request) -> web.Response:
        return json_response(document)

    app.add_routes(api.routes)
    add_attestation(app, app[TEMPLATES])
    app.add_routes(federation_api.routes)
    app.router.add_get("/", dashboard)
    app.router.add_get("/operations", operations)
    app.router.add_get("/federation", federation_page)
    app.router.add_get("/figures/{name}.csv", figure_csv)
    app.router.add_get("/openapi.json", openapi)
    app.router.add_get("/metrics", metrics.handler)
    app.on_startup.append(lag.start)
    app.on_cleanup.append(lag.stop)
    return app


def _none(error: Exception) -> None:
    return None
