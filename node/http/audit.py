"""One line per handler that shows a care record or personal data: the read is
recorded in the access log (node.access_audit) before the answer leaves.

``audited`` when the handler knows whose record it is; ``audited_record`` when
it knows only the record (the person is looked up); ``audited_all`` for a list,
all its reads in one write. A read that cannot be recorded is not answered.
"""

from collections.abc import Callable, Iterable
from uuid import UUID

from aiohttp import web

from node.access_audit import Reading
from node.application import CoopNode
from node.http.context import NODE, run
from node.http.guard import principal

# Whose record each kind of record (by its id) is: a care plan is its service
# user's; an incident is the person it names, or the service user's of the
# visit it happened on, or about no named person.
SUBJECT_OF: dict[str, Callable[[CoopNode, UUID], UUID | None]] = {
    "care_plan": lambda app, plan_id: app.care_plan(plan_id).service_user,
    "incident": lambda app, incident_id: incident_subject(app, incident_id),
    "visit": lambda app, visit_id: app.visit(visit_id).service_user,
    "visit_notes": lambda app, visit_id: app.visit(visit_id).service_user,
}


def incident_subject(app: CoopNode, incident_id: UUID) -> UUID | None:
    """The member a concern names as the one it is about, else the service
    user of its visit."""
    incident = app.incident(incident_id)
    if incident.person is not None:
        return incident.person
    return app.visit(incident.visit).service_user if incident.visit else None


async def audited(
    request: web.Request,
    subject: UUID | None,
    what: str,
    record_id: UUID | None = None,
) -> None:
    """Record that the caller read ``what`` of ``subject``'s records."""
    await audited_all(request, [Reading(subject, what, record_id)])


async def audited_record(request: web.Request, what: str, record_id: UUID) -> None:
    """Record that the caller read the record ``record_id`` of kind ``what``
    (a key of ``SUBJECT_OF``), whoever's it is."""
    app = request.app[NODE].coop_node

    def record() -> None:
        subject = SUBJECT_OF[what](app, record_id)
        app.record_read(principal(request), subject, what, record_id)

    await run(request, record)


async def audited_all(
    request: web.Request,
    readings: Iterable[Reading] | Callable[[CoopNode], Iterable[Reading]],
) -> None:
    """Record every read of one answer (a list of records) in one write;
    ``readings`` may be a function of the node, then run with the store's
    commands (for a page that knows what it showed only by reading it again)."""
    app = request.app[NODE].coop_node
    reader = principal(request)

    def record() -> None:
        shown = readings(app) if callable(readings) else readings
        app.record_reads(reader, shown)

    await run(request, record)
