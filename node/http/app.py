"""The node's aiohttp application."""

from pathlib import Path
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry

from node.http import (
    access_log,
    ballots,
    care_circle,
    care_plans,
    carer_visits,
    circles,
    compliance,
    concerns,
    corrections,
    elections,
    erasure,
    expenses,
    funding,
    hours,
    incidents,
    language,
    leads,
    meetings,
    members,
    motions,
    my_care,
    network,
    notifications,
    ops,
    pool,
    rota,
    shares,
    social_reports,
    subject_access,
    timebank,
    timebank_board,
    tokens,
    visits,
    volunteers,
    workforce,
)
from node.http.access_log import access_log_pages
from node.http.ballot_pages import ballot_pages
from node.http.board_list import board_list
from node.http.board_pages import NEW_ACCESS, board_pages
from node.http.care_plan_pages import care_plan_pages
from node.http.carer_pages import carer_pages
from node.http.circle_pages import circle_pages
from node.http.compliance_pages import compliance_pages
from node.http.concern_pages import concern_pages
from node.http.context import NODE, RUNNER, SIGN_IN_LIMIT, TEMPLATES, Runner
from node.http.coordinator_pages import coordinator_pages
from node.http.election_pages import election_pages
from node.http.erased_names import erased_as_word
from node.http.error_words import PLAIN_ERRORS
from node.http.errors import translate
from node.http.funding_pages import funding_pages
from node.http.guard import COOKIE, authenticate
from node.http.hours_pages import hours_pages
from node.http.incident_pages import incident_pages
from node.http.letters import LETTERS, OneTimeViews, letters
from node.http.meeting_pages import meeting_pages
from node.http.member_details import member_details
from node.http.member_pages import member_pages
from node.http.motion_pages import motion_pages
from node.http.my_care_pages import my_care_pages
from node.http.ops import ops_pages
from node.http.pages import error_page, pages
from node.http.report_page import report_page
from node.http.rota_forms import rota_forms
from node.http.rota_pages import rota_pages
from node.http.share_pages import share_pages
from node.http.sign_in_pages import sign_in_pages
from node.http.social_report_pages import social_report_pages
from node.http.staff_pages import staff_pages
from node.http.staff_today import staff_today
from node.http.timebank_board_pages import timebank_board_pages
from node.http.visit_schedule import visit_schedule
from node.http.worker_pages import worker_pages
from node.papers import MAX_BYTES
from node.service import NodeService
from toolkit.web.errors import error_middleware
from toolkit.web.observe import HttpMetrics
from toolkit.web.openapi import openapi_document
from toolkit.web.pages import environment
from toolkit.web.rate_limit import FailureLimit
from toolkit.web.routes import Api, json_response
from toolkit.web.security import secure

APIS: tuple[Api, ...] = (
    members.api,
    ballots.api,
    elections.api,
    motions.api,
    timebank.api,
    hours.api,
    pool.api,
    timebank_board.api,
    circles.api,
    visits.api,
    workforce.api,
    incidents.api,
    concerns.api,
    care_plans.api,
    expenses.api,
    funding.api,
    ops.api,
    notifications.api,
    language.api,
    shares.api,
    tokens.api,
    meetings.api,
    leads.api,
    my_care.api,
    care_circle.api,
    erasure.api,
    corrections.api,
    volunteers.api,
    compliance.api,
    rota.api,
    subject_access.api,
    access_log.api,
    carer_visits.api,
    social_reports.api,
    network.api,
)

# A paper and the form around it.
PAPER_UPLOAD_BYTES = MAX_BYTES + 64 * 1024


def node_document(node: NodeService) -> dict[str, Any]:
    """The OpenAPI document, with member classes and thresholds narrowed to this
    co-op's rules so that a schema-valid request is one the node accepts."""
    document = openapi_document(
        APIS,
        title=f"commonweal node {node.config.coop_id}",
        version="1",
        cookie=COOKIE,
    )
    profile = node.coop_node.coop().profile
    rules = {
        "member_class": list(profile.class_names),
        "threshold": [*profile.thresholds],
        "service_types": list(profile.service_types),
        # An election's constituencies: the classes that elect board seats.
        "constituencies": list(profile.board_seats),
        # What an offer or request is for, on the co-op's board or a circle's.
        "category": list(node.coop_node.listing_categories()),
    }
    for schema in document["components"]["schemas"].values():
        for name, allowed in rules.items():
            prop = schema.get("properties", {}).get(name)
            # A list's rule is on its items (through anyOf when optional).
            for part in [prop or {}, *(prop or {}).get("anyOf", [])]:
                part = part.get("items", part)
                if "pattern" in part:
                    part["enum"] = allowed
    return document


def make_app(node: NodeService, *, workers: int | None = None) -> web.Application:
    """The node's HTTP app. ``workers`` overrides ``node.config.http.workers``."""
    registry = CollectorRegistry()
    metrics = HttpMetrics(registry, node.config.http.metrics_token_sha256)
    registry.register(ops.NodeCollector(node))
    app = web.Application(
        # A motion's paper may be a few megabytes (node.papers); every other body
        # is bounded by its own schema.
        client_max_size=PAPER_UPLOAD_BYTES,
        middlewares=[
            metrics.middleware(),
            error_middleware(translate, error_page, PLAIN_ERRORS),
            authenticate,
        ],
    )
    app[NODE] = node
    app[TEMPLATES] = environment("node.http")
    app[TEMPLATES].finalize = erased_as_word
    app[SIGN_IN_LIMIT] = FailureLimit(failures=10, window_seconds=600)
    app[LETTERS] = OneTimeViews()
    app[NEW_ACCESS] = OneTimeViews()
    secure(app, ("/static/node/", Path(__file__).parent / "static"))

    async def openapi(request: web.Request) -> web.Response:
        return json_response(node_document(node))

    for api in APIS:
        app.add_routes(api.routes)
    app.add_routes(pages)
    app.add_routes(sign_in_pages)
    app.add_routes(letters)
    app.add_routes(ballot_pages)
    app.add_routes(election_pages)
    app.add_routes(board_list)
    app.add_routes(motion_pages)
    app.add_routes(staff_pages)
    app.add_routes(ops_pages)
    app.add_routes(board_pages)
    app.add_routes(share_pages)
    app.add_routes(visit_schedule)
    app.add_routes(care_plan_pages)
    app.add_routes(incident_pages)
    app.add_routes(concern_pages)
    app.add_routes(coordinator_pages)
    app.add_routes(worker_pages)
    app.add_routes(volunteers.volunteer_pages)
    app.add_routes(compliance_pages)
    app.add_routes(leads.lead_pages)
    app.add_routes(erasure.erasure_pages)
    app.add_routes(corrections.correction_pages)
    app.add_routes(rota_pages)
    app.add_routes(rota_forms)
    app.add_routes(subject_access.subject_access_pages)

    app.add_routes(access_log_pages)
    app.add_routes(notifications.pages)
    app.add_routes(language.pages)
    app.add_routes(report_page)
    app.add_routes(member_pages)
    app.add_routes(hours_pages)
    app.add_routes(member_details)
    app.add_routes(my_care_pages)
    app.add_routes(meeting_pages)
    app.add_routes(timebank_board_pages)
    app.add_routes(circle_pages)
    app.add_routes(funding_pages)
    app.add_routes(carer_pages)
    app.add_routes(staff_today)
    app.add_routes(social_report_pages)
    app.add_routes(network.network_pages)
    app.router.add_get("/openapi.json", openapi)
    app.router.add_get("/metrics", metrics.handler)

    threads = node.config.http.workers if workers is None else workers

    async def start_runner(app: web.Application) -> None:
        app[RUNNER] = Runner(threads)

    async def stop_runner(app: web.Application) -> None:
        app[RUNNER].close()

    app.on_startup.append(start_runner)
    app.on_cleanup.append(stop_runner)
    return app
