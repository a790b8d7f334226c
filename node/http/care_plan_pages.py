"""Care-plan pages for the coordinator (and admin): the plans, opening one with the
person's goals and starting scores, and per plan its scores over time with the
review notes, a review form and a close form. Plain forms that post and redirect;
no JavaScript needed, readable on a phone.

The forms are checked against the API's own bodies (``node.http.care_plans``) and
run the same commands, so a page and the API cannot disagree about what is valid.
"""

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any
from uuid import UUID

import msgspec
from aiohttp import web

from node.access_audit import Reading
from node.application import CoopNode
from node.auth import CARE
from node.care import CarePlan
from node.errors import NotAMember, PlanClosed, UnknownCarePlan
from node.errors import UnknownMember as UnknownPerson
from node.http.audit import audited_all, audited_record
from node.http.care_circle import access_context
from node.http.care_plans import (
    Closing,
    Goal,
    Notes,
    ScorePair,
    pair,
    plan_view,
)
from node.http.context import NODE, run, write
from node.http.corrections import CORRECTION_DONE
from node.http.field_errors import checked, filled, form_page, path_id
from node.http.pages import signed_in
from node.membership import Member
from toolkit.aggregates import events_with
from toolkit.web.i18n import N_

care_plan_pages = web.RouteTableDef()
SCORE_FIELDS = ("performance", "satisfaction")
GOAL_ROWS = 5  # a fixed set of rows (no JavaScript to add one); blank ones ignored
CLOSE_REASONS = {
    "goals_met": N_("Goals met"),
    "moved_away": N_("Moved away"),
    "residential_care": N_("Moved into residential care"),
    "died": N_("Died"),
    "declined": N_("Declined further care"),
    "other": N_("Other reason"),
}
DONE = {
    "opened": N_("Care plan opened."),
    "reviewed": N_("Review recorded."),
    "closed": N_("Care plan closed."),
    "access_given": N_("Recorded: they can now see this person's care."),
    "access_revoked": N_("They can no longer see this person's care."),
    **CORRECTION_DONE,
}
NOT_FOUND = N_("There is no such care plan.")
SCORE = N_("Write a whole number from 1 to 10.")
GOAL_HINTS = {
    "text": N_("Write the goal in the person's own words (1000 characters at most)."),
    "performance": SCORE,
    "satisfaction": SCORE,
}
NOTES = N_("The notes are too long (2000 characters at most).")
CLOSE_HINTS = {"reason": N_("Choose why the plan is closing."), "notes": NOTES}
CHOOSE_PERSON = N_("Choose the person the plan is for: an admitted member.")
NO_GOALS = N_("Write at least one goal, with its two starting scores.")
CLOSED = N_("This plan is closed: it cannot be reviewed or closed again.")


class Round(msgspec.Struct, frozen=True):
    """The scores at one point in the plan's life: its opening or a review."""

    on: dt.date
    review: bool
    scores: list[tuple[int, int]]
    notes: str


class Summary(msgspec.Struct, frozen=True):
    """Average scores at the latest round and at the start, to one decimal."""

    performance: str
    satisfaction: str
    start_performance: str
    start_satisfaction: str
    reviews: int


def _mean(values: list[int]) -> str:
    return f"{sum(values) / len(values):.1f}"


def summary(plan: CarePlan) -> Summary:
    first, latest = plan.scores[0], plan.scores[-1]
    return Summary(
        _mean([p for p, _ in latest]),
        _mean([s for _, s in latest]),
        _mean([p for p, _ in first]),
        _mean([s for _, s in first]),
        len(plan.reviews),
    )


def rounds(plan: CarePlan) -> list[Round]:
    opened = Round(plan.opened_on, False, list(plan.scores[0]), "")
    reviews = zip(plan.reviews, plan.scores[1:], plan.review_notes, strict=True)
    return [opened, *(Round(on, True, list(s), n) for on, s, n in reviews)]


def _people(app: CoopNode) -> list[Member]:
    """Admitted members who may have a plan, service users first, by name."""
    admitted = (m for m in app.members() if m.is_admitted)
    return sorted(admitted, key=lambda m: (m.member_class != "service_user", m.name))


def _list_context(app: CoopNode) -> dict[str, Any]:
    plans = list(app.care_plans())
    plans.sort(key=lambda p: (p.is_closed, -p.opened_on.toordinal()))
    return {
        "plans": [(plan_view(p), summary(p), p.close_reason) for p in plans],
        "names": {m.id: m.name for m in app.members()},
        "people": _people(app),
        "goal_rows": range(1, GOAL_ROWS + 1),
        "reasons": CLOSE_REASONS,
    }


def _plan_context(app: CoopNode, plan_id: UUID) -> dict[str, Any]:
    try:
        plan = app.care_plan(plan_id)
    except UnknownCarePlan:
        raise web.HTTPNotFound(text=NOT_FOUND) from None
    return {
        "plan": plan_view(plan),
        "person": app.member(plan.service_user).name,
        "rounds": rounds(plan),
        "latest": plan.scores[-1],
        "close_reason": plan.close_reason,
        "close_notes": plan.close_notes,
        "reasons": CLOSE_REASONS,
        # Who the person lets see their care (node.http.my_care_pages).
        **access_context(app, plan.service_user),
    }


def plans_shown(app: CoopNode) -> list[Reading]:
    """A read of each plan on the list, from the events that opened them (no
    plan is loaded again)."""
    return [
        Reading(e.service_user, "care_plan", e.originator_id)
        for e in events_with(app, CarePlan.Opened.TOPIC)
        if isinstance(e, CarePlan.Opened)
    ]


plans_page = partial(form_page, "care_plans.html", _list_context, DONE)


plan_page = partial(form_page, "care_plan.html", _plan_context, DONE)


@care_plan_pages.get("/staff/care-plans")
async def care_plans(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    page = await plans_page(request)
    await audited_all(request, plans_shown)
    return page


def _goals(form: dict[str, str], errors: dict[str, str]) -> list[tuple[str, int, int]]:
    """The filled goal rows, each checked as the API's ``Goal``; a row's bad
    fields go into ``errors`` under the field's own name (``performance-2``)."""
    goals = []
    for n in range(1, GOAL_ROWS + 1):
        names = {"text": f"goal-{n}", "performance": f"performance-{n}"}
        names["satisfaction"] = f"satisfaction-{n}"
        row = {key: form[name] for key, name in names.items() if name in form}
        if not row:
            continue
        goal, wrong = checked(Goal, row, GOAL_HINTS)
        where = names["text"]  # what is wrong with the row as a whole: by its goal
        errors.update({names.get(key, where): hint for key, hint in wrong.items()})
        if goal is not None:
            goals.append((goal.text, *pair(goal)))
    if not goals and not errors:
        errors["goal-1"] = NO_GOALS
    return goals


@care_plan_pages.post("/staff/care-plans")
async def open_plan(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    posted = await request.post()
    fields = ["service_user"] + [
        f"{name}-{n}"
        for n in range(1, GOAL_ROWS + 1)
        for name in ("goal", "performance", "satisfaction")
    ]
    form = filled(posted, fields)
    errors: dict[str, str] = {}
    try:
        person = UUID(form.get("service_user", ""))
    except ValueError:
        errors["service_user"] = CHOOSE_PERSON
    goals = _goals(form, errors)
    if errors:
        return await plans_page(request, status=400, errors=errors, form=form)
    app = request.app[NODE].coop_node
    try:
        plan_id = await write(request, app.open_care_plan, person, goals, None)
    except (NotAMember, UnknownPerson):
        return await plans_page(
            request, status=409, errors={"service_user": CHOOSE_PERSON}, form=form
        )
    raise web.HTTPSeeOther(f"/staff/care-plans/{plan_id}?done=opened#done")


@care_plan_pages.get("/staff/care-plans/{id}")
async def care_plan(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    plan_id = path_id(request, NOT_FOUND)
    page = await plan_page(request, plan_id)
    await audited_record(request, "care_plan", plan_id)
    return page


def _scores(
    form: dict[str, str], goals: int, errors: dict[str, str]
) -> list[tuple[int, int]]:
    """One pair per goal, each checked as the API's ``ScorePair``."""
    scores = []
    for n in range(1, goals + 1):
        names = {key: f"{key}-{n}" for key in SCORE_FIELDS}
        row = {key: form[name] for key, name in names.items() if name in form}
        score, wrong = checked(ScorePair, row, GOAL_HINTS)
        where = names["performance"]
        errors.update({names.get(key, where): hint for key, hint in wrong.items()})
        if score is not None:
            scores.append(pair(score))
    return scores


async def _recorded(
    request: web.Request,
    plan_id: UUID,
    form: dict[str, str],
    where: str,
    command: Callable[..., None],
    *args: object,
) -> web.Response:
    """Run a command on the plan and redirect to its page; a closed plan is said
    so next to the form (``where``) that tried."""
    try:
        await write(request, command, plan_id, *args)
    except UnknownCarePlan:
        raise web.HTTPNotFound(text=NOT_FOUND) from None
    except PlanClosed:
        return await plan_page(
            request, plan_id, status=409, errors={where: CLOSED}, form=form
        )
    done = "reviewed" if where == "review" else "closed"
    raise web.HTTPSeeOther(f"/staff/care-plans/{plan_id}?done={done}#done")


@care_plan_pages.post("/staff/care-plans/{id}/reviews")
async def review_plan(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    plan_id = path_id(request, NOT_FOUND)
    posted = await request.post()
    app = request.app[NODE].coop_node
    goals = len((await run(request, _plan_context, app, plan_id))["plan"].goals)
    names = [f"{k}-{n}" for n in range(1, goals + 1) for k in SCORE_FIELDS]
    form = filled(posted, [*names, "notes"])
    errors: dict[str, str] = {}
    scores = _scores(form, goals, errors)
    notes = form.get("notes", "")
    try:
        msgspec.convert(notes, Notes)
    except msgspec.ValidationError:
        errors["notes"] = NOTES
    if errors:
        # A box left blank is shown blank again, not refilled with the latest score.
        typed = {name: str(posted.get(name, "")).strip() for name in names}
        return await plan_page(
            request, plan_id, status=400, errors=errors, form={**typed, **form}
        )
    command = app.review_care_plan
    return await _recorded(
        request, plan_id, form, "review", command, scores, notes, None
    )


@care_plan_pages.post("/staff/care-plans/{id}/close")
async def close_plan(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    plan_id = path_id(request, NOT_FOUND)
    posted = await request.post()
    app = request.app[NODE].coop_node
    values = filled(posted, ("reason", "notes"))
    closing, errors = checked(Closing, values, CLOSE_HINTS)
    # The close form's fields are named apart from the review form's on the page.
    form = {f"close-{k}": v for k, v in values.items()}
    if closing is None:
        wrong = {f"close-{k}": hint for k, hint in errors.items()}
        return await plan_page(request, plan_id, status=400, errors=wrong, form=form)
    args = (closing.reason, closing.notes, None)
    return await _recorded(request, plan_id, form, "close", app.close_care_plan, *args)
