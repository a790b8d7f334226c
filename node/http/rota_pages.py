"""The coordinator's rota page, ``/staff/rota``: the week by worker or volunteer
(who goes where, when; visits not yet given to anyone marked), the visits to
give to someone else because their worker is on leave, the weekly visits
booked, each carer's hours and leave, and continuity of care (how many different
carers each service user saw, this month and the two before).

Its forms are in node.http.rota_forms.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any, NamedTuple
from uuid import UUID

from aiohttp import web

from node.application import CoopNode
from node.auth import CARE
from node.care_months import FEW_CARERS
from node.errors import DoubleBooked, OnLeave, RotaClash
from node.http.context import NODE, run
from node.http.coordinator_forms import Problem, Typed
from node.http.language import language_context
from node.http.pages import render, signed_in
from node.http.rota import carer_view, pattern_view
from node.http.visits import VisitView, visit_view
from node.recurring_visits import MAX_WEEKS
from node.rota import LEAVE_KINDS, zone
from node.visits import VISIT_REASONS
from toolkit.web.formats import day_text, time_text
from toolkit.web.i18n import N_

rota_pages = web.RouteTableDef()
PAGE = "/staff/rota"
MONTHS_SHOWN = 3
DONE = {
    "booked": N_("The weekly visits are booked."),
    "reassigned": N_("The weekly visits to come are given to their new worker."),
    "ended": N_("The weekly visits are ended; those to come are cancelled."),
    "hours": N_("The hours are saved."),
    "leave": N_("The leave is recorded."),
    "removed": N_("The leave is removed."),
    "assigned": N_("The visit is given to its worker."),
}
WEEKDAYS = tuple(range(7))


class CarerWeek(NamedTuple):
    member: Any  # node.membership.Member
    rota: Any  # node.http.rota.CarerView
    visits: list[VisitView]

    @property
    def hours(self) -> dict[int, Any]:
        """The carer's hours by day of the week, for the form."""
        return {slot.weekday: slot for slot in self.rota.slots}


class MonthContinuity(NamedTuple):
    month: dt.date
    by_user: list[tuple[str, int]]  # service user's name, distinct carers
    average: float | None
    share_few: float | None  # of those seen: the share seen by 1 or 2 carers


def week_of(text: str, today: dt.date) -> dt.date:
    """The Monday of the week ``?week=`` names (a day in it), this week's if none."""
    try:
        day = dt.date.fromisoformat(text) if text else today
    except ValueError:
        day = today
    return day - dt.timedelta(days=day.weekday())


def months_back(today: dt.date, count: int) -> list[dt.date]:
    first = today.replace(day=1)
    months = [first]
    for _ in range(count - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        months.append(first)
    return months


def continuity_rows(
    app: CoopNode, names: Mapping[UUID, str], month: dt.date
) -> MonthContinuity:
    counts = app.continuity(month)
    rows = sorted(((names.get(u, "?"), n) for u, n in counts.items()))
    if not counts:
        return MonthContinuity(month, rows, None, None)
    average = sum(counts.values()) / len(counts)
    few = sum(1 for n in counts.values() if n <= FEW_CARERS) / len(counts)
    return MonthContinuity(month, rows, average, few)


def rota_context(app: CoopNode, monday: dt.date, zone_name: str) -> dict[str, Any]:
    here = zone(zone_name)
    members = list(app.members())
    names = {m.id: m.name for m in members}
    admitted = sorted((m for m in members if m.is_admitted), key=lambda m: m.name)
    carers = [m for m in admitted if app.is_carer(m.id)]
    following = monday + dt.timedelta(days=7)
    this_week = sorted(
        (
            visit_view(v)
            for v in app.open_visits()
            if monday <= v.scheduled_for.astimezone(here).date() < following
        ),
        key=lambda v: v.scheduled_for.astimezone(here),
    )
    today = dt.datetime.now(here).date()
    return {
        "monday": monday,
        "days": [monday + dt.timedelta(days=n) for n in WEEKDAYS],
        "previous_week": monday - dt.timedelta(days=7),
        "next_week": following,
        "weeks": [
            CarerWeek(
                m,
                carer_view(m.id, app.carer_rota(m.id)),
                [v for v in this_week if v.assigned_to == m.id],
            )
            for m in carers
        ],
        "unassigned": [v for v in this_week if v.assigned_to is None],
        "to_reassign": [
            (visit_view(visit), leave) for visit, leave in app.visits_to_reassign()
        ],
        "patterns": [pattern_view(p) for p in app.patterns() if not p.ended],
        "continuity": [
            continuity_rows(app, names, month)
            for month in months_back(today, MONTHS_SHOWN)
        ],
        "names": names,
        "carers": carers,
        "people": sorted(admitted, key=lambda m: m.member_class != "service_user"),
        "service_types": list(app.coop().profile.service_types),
        "weekdays": WEEKDAYS,
        "leave_kinds": LEAVE_KINDS,
        "reasons": VISIT_REASONS,
        "max_weeks": MAX_WEEKS,
        "today": today,
    }


async def rota_page(
    request: web.Request, status: int = 200, typed: Typed | None = None
) -> web.Response:
    """The rota page; after a refusal, ``typed`` is the form as typed."""
    zone_name = request.app[NODE].config.locale.time_zone
    today = dt.datetime.now(zone(zone_name)).date()
    monday = week_of(request.query.get("week", ""), today)
    app = request.app[NODE].coop_node
    data = await run(request, rota_context, app, monday, zone_name)
    done = DONE.get(request.query.get("done", ""))
    return render(request, "rota.html", status, typed=typed, done=done, **data)


@rota_pages.get(PAGE)
async def staff_rota(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    return await rota_page(request)


def clash_problem(request: web.Request, clash: RotaClash) -> Problem:
    """The clash in a sentence naming its days and times in the reader's
    language, never an id."""
    context = language_context(request)
    locale, zone_name = context["locale"], context["time_zone"]

    def when(value: dt.date) -> str:
        day = day_text(value, locale, zone_name)
        if isinstance(value, dt.datetime):
            return f"{day} {time_text(value, locale, zone_name)}"
        return day

    if isinstance(clash, OnLeave):
        message = N_("On leave from %(starts)s to %(ends)s.")
    elif isinstance(clash, DoubleBooked):
        message = N_("Already going to another visit from %(starts)s to %(ends)s.")
    else:
        message = N_("Does not work from %(starts)s to %(ends)s.")
    return Problem(message, {"starts": when(clash.starts), "ends": when(clash.ends)})
