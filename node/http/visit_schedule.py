"""Scheduling a visit from the coordinator's visits page: the person chosen by
name, a day and a time in the co-op's own time, the services ticked. The form is
decoded into the API's own ``NewVisit`` and runs the API's command, so the page
and ``POST /api/visits`` cannot disagree."""

import datetime as dt

from aiohttp import web

from node.auth import CARE
from node.errors import DomainError, RotaClash
from node.http.context import NODE, write
from node.http.coordinator_forms import Refused, Typed, parsed, posted
from node.http.error_words import said
from node.http.pages import signed_in, status_of
from node.http.rota import NewPattern, book_weekly
from node.http.rota_pages import clash_problem
from node.http.staff_pages import visits_page
from node.http.visits import NewVisit
from toolkit.web.i18n import N_

visit_schedule = web.RouteTableDef()
FIELDS = (
    "service_user",
    "day",
    "time",
    "address",
    "notes",
    "worker",
    "planned_minutes",
    "until",
)
HINTS = {
    "service_user": N_("Choose who the visit is for."),
    "scheduled_for": N_("Write the day and the time of the visit."),
    "service_types": N_("Tick at least one service."),
    "address": N_("The address is too long (500 characters at most)."),
    "notes": N_("The notes are too long (2000 characters at most)."),
    "worker": N_("Choose a worker or volunteer, or nobody yet."),
    "planned_minutes": N_("Write the visit's length in whole minutes, 1 to 1440."),
    "until": N_("Write the last day to repeat it, at most 26 weeks on."),
}


def moment(day: str, time: str) -> dt.datetime | None:
    """The day and time as the node's machine reads them (its own zone)."""
    try:
        return dt.datetime.fromisoformat(f"{day}T{time}").astimezone()
    except ValueError:
        return None


@visit_schedule.post("/staff/visits/new")
async def schedule(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    form = await request.post()
    typed = posted(form, FIELDS)
    services = [str(s) for s in form.getall("service_types", [])]
    app = request.app[NODE].coop_node
    try:
        when = moment(typed["day"], typed["time"])
        if when is None:
            raise Refused("day", HINTS["scheduled_for"], 400)
        kept_fields = ("service_user", "address", "notes", "worker", "planned_minutes")
        fields = {k: typed[k] for k in kept_fields}
        if typed["until"]:
            # Repeated weekly on the same day of the week: a pattern (node.http.rota).
            pattern = parsed(
                {
                    **fields,
                    "weekdays": [when.weekday()],
                    "time": when.strftime("%H:%M"),
                    "first_day": when.date(),
                    "last_day": typed["until"],
                    "service_types": services,
                },
                NewPattern,
                HINTS,
                renamed={"last_day": "until", "time": "day", "first_day": "day"},
            )
            zone = request.app[NODE].config.locale.time_zone
            await write(request, book_weekly, app, pattern, zone)
        else:
            body = parsed(
                {**fields, "scheduled_for": when, "service_types": services},
                NewVisit,
                HINTS,
                renamed={"scheduled_for": "day"},
            )
            await write(
                request,
                app.schedule_visit,
                body.service_user,
                body.scheduled_for,
                list(dict.fromkeys(body.service_types)),
                body.address,
                body.notes,
                body.worker,
                body.planned_minutes,
            )
    except Refused as refused:
        kept = Typed("schedule", {**typed, "services": ",".join(services)}, {})
        kept.errors[refused.field] = refused.problem
        return await visits_page(request, refused.status, typed=kept)
    except RotaClash as clash:
        kept = Typed("schedule", {**typed, "services": ",".join(services)}, {})
        kept.errors["worker"] = clash_problem(request, clash)
        return await visits_page(request, status_of(clash), typed=kept)
    except DomainError as error:
        kept = Typed("schedule", {**typed, "services": ",".join(services)}, {})
        return await visits_page(request, status_of(error), said(error), typed=kept)
    raise web.HTTPSeeOther("/staff/visits?done=scheduled#done")
