"""Care-plans API for the coordinator: open a plan with the person's goals and
starting scores, review it, close it, list plans.

Goal text is in the person's own words: only the coordinator and admin reach
these routes, so nobody else is ever answered it.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Annotated
from uuid import UUID

import msgspec
from aiohttp import web

from node.access_audit import Reading
from node.application import CoopNode
from node.auth import CARE
from node.care import CarePlan
from node.http.audit import audited, audited_all
from node.http.context import NODE, run, write
from node.http.guard import require
from schemas.care import PlanCloseReason
from toolkit.web.paging import ListQuery, Page, ids_page
from toolkit.web.routes import Api, path_uuid

api = Api()
ID = {"id": UUID}
Score = Annotated[int, msgspec.Meta(ge=1, le=10)]
Notes = Annotated[str, msgspec.Meta(max_length=2000)]


class Goal(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
    performance: Score
    satisfaction: Score


class ScorePair(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    performance: Score
    satisfaction: Score


class NewPlan(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    service_user: UUID
    goals: Annotated[list[Goal], msgspec.Meta(min_length=1, max_length=20)]
    opened_on: dt.date | None = None


class Review(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One score pair per goal, in the plan's order."""

    scores: Annotated[list[ScorePair], msgspec.Meta(min_length=1, max_length=20)]
    notes: Notes = ""
    reviewed_on: dt.date | None = None


class Closing(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: PlanCloseReason
    notes: Notes = ""
    closed_on: dt.date | None = None


class PlanView(msgspec.Struct, frozen=True):
    id: UUID
    service_user: UUID
    goals: list[str]
    # (performance, satisfaction) per goal: at the start, then at each review.
    scores: list[list[tuple[int, int]]]
    opened_on: dt.date
    closed_on: dt.date | None


def plan_view(plan: CarePlan) -> PlanView:
    return PlanView(
        plan.id,
        plan.service_user,
        list(plan.goals),
        [[(p, s) for p, s in round_] for round_ in plan.scores],
        plan.opened_on,
        plan.closed_on,
    )


def plan_page(app: CoopNode, query: ListQuery) -> Page[PlanView]:
    ids = ids_page(app, CarePlan.Opened.TOPIC, query)
    return Page([plan_view(app.care_plan(i)) for i in ids.items], ids.next_cursor)


def plan_readings(plans: Iterable[PlanView]) -> list[Reading]:
    """The reads a list of plans makes: each shows its person's goals and scores."""
    return [Reading(p.service_user, "care_plan", p.id) for p in plans]


def pair(score: Goal | ScorePair) -> tuple[int, int]:
    return score.performance, score.satisfaction


@api.route(
    "GET",
    "/api/care-plans",
    summary="List care plans, oldest first (coordinator, admin)",
    tag="care plans",
    query=ListQuery,
    response=Page[PlanView],
    roles=CARE,
)
async def list_plans(request: web.Request, query: ListQuery) -> Page[PlanView]:
    require(request, CARE, "read care plans")
    page = await run(request, plan_page, request.app[NODE].coop_node, query)
    await audited_all(request, plan_readings(page.items))
    return page


@api.route(
    "POST",
    "/api/care-plans",
    summary="Open a care plan with the person's goals and starting scores "
    "(coordinator, admin)",
    tag="care plans",
    body=NewPlan,
    response=PlanView,
    status=201,
    roles=CARE,
)
async def open_plan(request: web.Request, body: NewPlan) -> PlanView:
    require(request, CARE, "open care plans")
    app = request.app[NODE].coop_node

    def command() -> PlanView:
        goals = [(g.text, *pair(g)) for g in body.goals]
        plan_id = app.open_care_plan(body.service_user, goals, body.opened_on)
        return plan_view(app.care_plan(plan_id))

    view = await write(request, command)
    return view


@api.route(
    "POST",
    "/api/care-plans/{id}/reviews",
    summary="Review a care plan: new scores for each goal (coordinator, admin)",
    tag="care plans",
    body=Review,
    response=PlanView,
    params=ID,
    roles=CARE,
)
async def review_plan(request: web.Request, body: Review) -> PlanView:
    require(request, CARE, "review care plans")
    plan_id = path_uuid(request)
    app = request.app[NODE].coop_node

    def command() -> PlanView:
        scores = [pair(s) for s in body.scores]
        app.review_care_plan(plan_id, scores, body.notes, body.reviewed_on)
        return plan_view(app.care_plan(plan_id))

    view = await write(request, command)
    # The answer is the whole plan: its goals and every earlier round of scores.
    await audited(request, view.service_user, "care_plan", view.id)
    return view


@api.route(
    "POST",
    "/api/care-plans/{id}/close",
    summary="Close a care plan, with the reason (coordinator, admin)",
    tag="care plans",
    body=Closing,
    response=PlanView,
    params=ID,
    roles=CARE,
)
async def close_plan(request: web.Request, body: Closing) -> PlanView:
    require(request, CARE, "close care plans")
    plan_id = path_uuid(request)
    app = request.app[NODE].coop_node

    def command() -> PlanView:
        app.close_care_plan(plan_id, body.reason, body.notes, body.closed_on)
        return plan_view(app.care_plan(plan_id))

    view = await write(request, command)
    await audited(request, view.service_user, "care_plan", view.id)
    return view
