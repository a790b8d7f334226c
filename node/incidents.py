"""Incidents and safeguarding concerns, raised (about a visit or not) and closed.

The description and the outcome stay in the node; what is shared is the kind and
the days it was raised and closed.
"""

import datetime as dt
from collections.abc import Iterator
from typing import get_args
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from node.coop import CoopBase
from node.errors import (
    InvalidTransition,
    UnknownIncident,
    UnknownReason,
    UnknownVisit,
)
from node.records import load
from node.sharing import Rule
from node.visits import Visit
from schemas import care as shared
from toolkit.aggregates import ids_with

INCIDENT_KINDS: tuple[str, ...] = get_args(shared.IncidentKind)


class Incident(Aggregate):
    """An incident or a safeguarding concern, raised and later closed."""

    TOPIC = "commonweal.incident"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.incident.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.incident.created"

    class Raised(Created):
        TOPIC = "commonweal.incident.raised"
        kind: str
        visit: UUID | None
        description: str
        raised_on: dt.date

    class Closed(Event):
        TOPIC = "commonweal.incident.closed"
        kind: str
        outcome: str
        closed_on: dt.date

    @event(Raised)
    def __init__(
        self, kind: str, visit: UUID | None, description: str, raised_on: dt.date
    ) -> None:
        self.kind = kind
        self.visit = visit
        self.description = description
        self.raised_on = raised_on
        self.closed_on: dt.date | None = None
        self.outcome = ""

    def close(self, outcome: str, closed_on: dt.date) -> None:
        if self.closed_on is not None:
            raise InvalidTransition(f"{self.kind} {self.id} is already closed")
        self._closed(self.kind, outcome, closed_on)

    @event(Closed)
    def _closed(self, kind: str, outcome: str, closed_on: dt.date) -> None:
        self.closed_on = closed_on
        self.outcome = outcome


class IncidentCommands(CoopBase):
    def raise_incident(
        self,
        kind: str,
        description: str,
        raised_on: dt.date | None = None,
        visit_id: UUID | None = None,
    ) -> UUID:
        if kind not in INCIDENT_KINDS:
            raise UnknownReason(
                f"{kind!r} is not a kind of incident; kinds are: "
                f"{', '.join(INCIDENT_KINDS)}"
            )
        if visit_id is not None:
            load(self, visit_id, Visit, UnknownVisit)  # it must exist
        incident = Incident(
            kind=kind,
            visit=visit_id,
            description=description,
            raised_on=raised_on or dt.date.today(),
        )
        self.save(incident)
        return incident.id

    def close_incident(
        self, incident_id: UUID, outcome: str = "", closed_on: dt.date | None = None
    ) -> None:
        incident = self.incident(incident_id)
        incident.close(outcome, closed_on or dt.date.today())
        self.save(incident)

    def incident(self, incident_id: UUID) -> Incident:
        return load(self, incident_id, Incident, UnknownIncident)

    def incidents(self) -> Iterator[Incident]:
        for incident_id in ids_with(self, Incident.Raised.TOPIC):
            yield self.incident(incident_id)


INCIDENT_SHARING: dict[str, Rule] = {
    Incident.Raised.TOPIC: Rule(
        shared.IncidentRaised,
        lambda p, e: shared.IncidentRaised(
            incident=p.pseudonym(e.originator_id), kind=e.kind, raised_on=e.raised_on
        ),
    ),
    Incident.Closed.TOPIC: Rule(
        shared.IncidentClosed,
        lambda p, e: shared.IncidentClosed(
            incident=p.pseudonym(e.originator_id), kind=e.kind, closed_on=e.closed_on
        ),
    ),
}
