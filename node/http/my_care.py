"""A person's own care as they see it (and as the family members and advocates
they invited see it): their plans in their own words with the scores over time
and the review notes, and their visits from today on with who is coming.

One view (``care_view``) serves the person's API and page and the viewer's: a
viewer is answered it only while a consent is in force (node.care_circle), and
with the visits alone when that is all the consent lets them see. Anyone else is
refused with the same words whether or not the person exists, so a refusal says
nothing about them.
"""

import datetime as dt
from uuid import UUID

import msgspec
from aiohttp import web

from node.access_audit import Reading
from node.application import CoopNode
from node.auth import MEMBERS
from node.care import CarePlan
from node.care_circle import CareConsent
from node.errors import UnknownMember
from node.http.audit import audited_all
from node.http.context import NODE, run
from node.http.guard import require
from node.http.visits import MyVisit, my_visits
from toolkit.web.errors import forbidden
from toolkit.web.routes import Api

api = Api()
NOT_SHOWN = "this member has not let you see their care"


class Score(msgspec.Struct, frozen=True):
    """One goal's scores at the plan's start or at a review."""

    on: dt.date
    review: bool
    performance: int
    satisfaction: int


class GoalView(msgspec.Struct, frozen=True):
    goal: str  # as the person put it
    scores: list[Score]  # at the start, then at each review


class ReviewView(msgspec.Struct, frozen=True):
    on: dt.date
    notes: str


class PersonsPlan(msgspec.Struct, frozen=True):
    id: UUID
    opened_on: dt.date
    closed_on: dt.date | None
    goals: list[GoalView]
    reviews: list[ReviewView]


class Invitation(msgspec.Struct, frozen=True):
    """Why a viewer sees someone's care: who invited them, when, to see what."""

    consent: UUID
    scope: str
    granted_on: dt.date


class CareView(msgspec.Struct, frozen=True):
    service_user: UUID
    name: str
    # Empty for a viewer whose consent covers the visits alone.
    plans: list[PersonsPlan]
    visits: list[MyVisit]  # from today on, soonest first
    invitation: Invitation | None = None  # for a viewer; None for the person


class PersonView(msgspec.Struct, frozen=True):
    """Someone who lets the caller see their care."""

    service_user: UUID
    name: str
    scope: str
    granted_on: dt.date


def persons_plan(plan: CarePlan) -> PersonsPlan:
    days = [(plan.opened_on, False), *((on, True) for on in plan.reviews)]
    goals = [
        GoalView(
            goal,
            [
                Score(on, review, *scores[n])
                for (on, review), scores in zip(days, plan.scores, strict=True)
            ],
        )
        for n, goal in enumerate(plan.goals)
    ]
    reviews = [
        ReviewView(on, notes)
        for on, notes in zip(plan.reviews, plan.review_notes, strict=True)
    ]
    return PersonsPlan(plan.id, plan.opened_on, plan.closed_on, goals, reviews)


def care_view(
    app: CoopNode,
    service_user: UUID,
    today: dt.date,
    consent: CareConsent | None = None,
) -> CareView:
    """``service_user``'s care: open plans first, newest first; with
    ``consent``, as the viewer it lets in sees it."""
    with_plans = consent is None or consent.scope == "plan_and_visits"
    plans = [p for p in app.care_plans() if p.service_user == service_user]
    plans.sort(key=lambda p: (p.is_closed, -p.opened_on.toordinal()))
    invitation = (
        Invitation(consent.id, consent.scope, consent.granted_on) if consent else None
    )
    return CareView(
        service_user,
        app.member(service_user).name,
        [persons_plan(p) for p in plans] if with_plans else [],
        my_visits(app, service_user, today),
        invitation,
    )


def care_readings(care: CareView) -> list[Reading]:
    """The reads one answer of ``care`` makes (node.access_audit): each plan
    shown, and the person's visits."""
    plans = [Reading(care.service_user, "care_plan", p.id) for p in care.plans]
    return [*plans, Reading(care.service_user, "visit")]


def has_care(app: CoopNode, member_id: UUID) -> bool:
    """Whether the member has a care plan or a visit, ever."""
    return any(p.service_user == member_id for p in app.care_plans()) or any(
        v.service_user == member_id for v in app.visits()
    )


def shown_care(
    app: CoopNode, viewer: UUID, service_user: UUID, today: dt.date
) -> CareView | None:
    """What ``viewer`` may see of ``service_user``'s care: all of it for the
    person themselves, what a consent in force lets in for anyone else, else
    None."""
    if viewer == service_user:
        return care_view(app, service_user, today)
    try:
        consent = app.care_consent_between(service_user, viewer)
    except UnknownMember:
        return None
    return care_view(app, service_user, today, consent) if consent else None


def people_shown(app: CoopNode, viewer: UUID) -> list[PersonView]:
    """The people who let ``viewer`` see their care, by name."""
    people = [
        PersonView(
            c.service_user, app.member(c.service_user).name, c.scope, c.granted_on
        )
        for c in app.cared_for_by_consent(viewer)
    ]
    return sorted(people, key=lambda p: p.name.casefold())


def member_of(request: web.Request, action: str) -> UUID:
    who = require(request, MEMBERS, action)
    assert who.member_id is not None  # every role in MEMBERS is a member's
    return who.member_id


@api.route(
    "GET",
    "/api/me/care",
    summary="The calling member's own care: plans in their words, scores over "
    "time, review notes, visits from today on and who is coming",
    tag="my care",
    response=CareView,
    roles=MEMBERS,
)
async def my_care(request: web.Request) -> CareView:
    member_id = member_of(request, "have care of their own")
    app = request.app[NODE].coop_node
    care = await run(request, care_view, app, member_id, dt.date.today())
    await audited_all(request, care_readings(care))
    return care


@api.route(
    "GET",
    "/api/me/care/people",
    summary="The people who let the calling member see their care",
    tag="my care",
    response=list[PersonView],
    roles=MEMBERS,
)
async def my_people(request: web.Request) -> list[PersonView]:
    member_id = member_of(request, "see others' care")
    return await run(request, people_shown, request.app[NODE].coop_node, member_id)


@api.route(
    "GET",
    "/api/people/{id}/care",
    summary="Someone's care, for a family member or advocate they invited "
    "(refused to anyone else)",
    tag="my care",
    response=CareView,
    params={"id": UUID},
    roles=MEMBERS,
    errors=(403,),
)
async def their_care(request: web.Request) -> CareView:
    viewer = member_of(request, "see others' care")
    try:
        service_user = UUID(request.match_info["id"])
    except ValueError:
        raise forbidden(NOT_SHOWN) from None
    app = request.app[NODE].coop_node
    shown = await run(request, shown_care, app, viewer, service_user, dt.date.today())
    if shown is None:
        raise forbidden(NOT_SHOWN)
    await audited_all(request, care_readings(shown))
    return shown
