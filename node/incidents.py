"""Incidents and safeguarding concerns: raised by anyone in the co-op (about a
visit or a person, or neither), then acknowledged, referred and closed with an
outcome by the safeguarding lead or a coordinator.

Who raised it, the description, the person concerned, the referral and the
outcome stay in the node; what is shared is the kind and the days it was
raised, acknowledged and closed.
"""

import datetime as dt
from collections.abc import Iterator
from typing import Any, Literal, NamedTuple, get_args
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from node.coop import CoopBase
from node.corrections import Correctable, Corrected
from node.errors import (
    AlreadyAcknowledged,
    ConcernClosed,
    UnknownIncident,
    UnknownMember,
    UnknownReason,
    UnknownVisit,
)
from node.membership import Member
from node.records import load
from node.sharing import Rule
from node.visits import Visit
from schemas import care as shared
from toolkit.aggregates import events_with, ids_with

INCIDENT_KINDS: tuple[str, ...] = get_args(shared.IncidentKind)
ReferralBody = Literal["local_authority", "police", "cqc", "other"]
REFERRAL_BODIES: tuple[str, ...] = get_args(ReferralBody)
# Where a concern stands, as its raiser may see it (never the outcome itself).
ConcernStatus = Literal["open", "acknowledged", "referred", "closed"]


class Step(NamedTuple):
    """One thing done on an incident: who (None: the admin), what, on which day;
    a referral also says to whom and under which reference."""

    what: str  # raised, acknowledged, referred, closed
    by: UUID | None
    on: dt.date
    to: str = ""
    reference: str = ""


class Incident(Aggregate, Correctable):
    """An incident or a safeguarding concern, raised and later closed."""

    TOPIC = "commonweal.incident"
    CORRECTABLE = frozenset({"description", "someone", "outcome"})

    class Event(Aggregate.Event):
        TOPIC = "commonweal.incident.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.incident.created"

    class Raised(Created):
        TOPIC = "commonweal.incident.raised"
        # 2: who raised it, and whom it is about: a member, or a description of
        # someone who is not one.
        class_version = 2
        kind: str
        visit: UUID | None
        description: str
        raised_on: dt.date
        raised_by: UUID | None
        person: UUID | None
        someone: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Before, only the coordinator or the admin recorded them, about a
            # visit at most.
            state["raised_by"] = None
            state["person"] = None
            state["someone"] = ""

    class Acknowledged(Event):
        TOPIC = "commonweal.incident.acknowledged"
        kind: str  # shared with the day, so the consortium needs no lookup
        by: UUID | None
        acknowledged_on: dt.date

    class Referred(Event):
        TOPIC = "commonweal.incident.referred"
        to: str
        reference: str
        by: UUID | None
        referred_on: dt.date

    class FieldCorrected(Corrected, Event):
        TOPIC = "commonweal.incident.field_corrected"
        field: str
        value: str
        by: UUID | None

    class Closed(Event):
        TOPIC = "commonweal.incident.closed"
        # 2: who closed it.
        class_version = 2
        kind: str
        outcome: str
        closed_on: dt.date
        by: UUID | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["by"] = None

    @event(Raised)
    def __init__(
        self,
        kind: str,
        visit: UUID | None,
        description: str,
        raised_on: dt.date,
        raised_by: UUID | None,
        person: UUID | None,
        someone: str,
    ) -> None:
        self.kind = kind
        self.visit = visit
        self.description = description
        self.raised_on = raised_on
        self.raised_by = raised_by
        self.person = person
        self.someone = someone
        self.acknowledged_on: dt.date | None = None
        self.handled_by: UUID | None = None
        self.referred = False
        self.closed_on: dt.date | None = None
        self.outcome = ""
        self.history = [Step("raised", raised_by, raised_on)]

    @property
    def status(self) -> ConcernStatus:
        if self.closed_on is not None:
            return "closed"
        if self.referred:
            return "referred"
        if self.acknowledged_on is not None:
            return "acknowledged"
        return "open"

    def acknowledge(self, by: UUID | None, on: dt.date) -> None:
        self._require_open("acknowledged")
        if self.acknowledged_on is not None:
            raise AlreadyAcknowledged(f"{self.kind} {self.id} is already acknowledged")
        self._acknowledged(self.kind, by, on)

    @event(Acknowledged)
    def _acknowledged(
        self, kind: str, by: UUID | None, acknowledged_on: dt.date
    ) -> None:
        self.acknowledged_on = acknowledged_on
        self.handled_by = by
        self.history.append(Step("acknowledged", by, acknowledged_on))

    def refer(self, to: str, reference: str, by: UUID | None, on: dt.date) -> None:
        self._require_open("referred")
        self._referred(to, reference, by, on)

    @event(Referred)
    def _referred(
        self, to: str, reference: str, by: UUID | None, referred_on: dt.date
    ) -> None:
        self.referred = True
        self.handled_by = self.handled_by or by
        self.history.append(Step("referred", by, referred_on, to, reference))

    def close(self, outcome: str, by: UUID | None, closed_on: dt.date) -> None:
        self._require_open("closed")
        self._closed(self.kind, outcome, closed_on, by)

    @event(Closed)
    def _closed(
        self, kind: str, outcome: str, closed_on: dt.date, by: UUID | None
    ) -> None:
        self.closed_on = closed_on
        self.outcome = outcome
        self.history.append(Step("closed", by, closed_on))

    def _require_open(self, doing: str) -> None:
        if self.closed_on is not None:
            raise ConcernClosed(
                f"{self.kind} {self.id} is closed: it cannot be {doing} any more"
            )


class IncidentCommands(CoopBase):
    def raise_incident(
        self,
        kind: str,
        description: str,
        raised_on: dt.date | None = None,
        visit_id: UUID | None = None,
        raised_by: UUID | None = None,
        person: UUID | None = None,
        someone: str = "",
    ) -> UUID:
        """Record an incident or a concern raised by ``raised_by`` (None: the
        admin), about ``person`` (a member) or ``someone`` (described in words)."""
        if kind not in INCIDENT_KINDS:
            raise UnknownReason(
                f"{kind!r} is not a kind of incident; kinds are: "
                f"{', '.join(INCIDENT_KINDS)}"
            )
        if visit_id is not None:
            load(self, visit_id, Visit, UnknownVisit)  # it must exist
        for member_id in (raised_by, person):
            if member_id is not None:
                load(self, member_id, Member, UnknownMember, "member")
        incident = Incident(
            kind=kind,
            visit=visit_id,
            description=description,
            raised_on=raised_on or dt.date.today(),
            raised_by=raised_by,
            person=person,
            someone=someone,
        )
        self.save(incident)
        return incident.id

    def acknowledge_incident(
        self, incident_id: UUID, by: UUID | None, on: dt.date | None = None
    ) -> None:
        incident = self.incident(incident_id)
        incident.acknowledge(by, on or dt.date.today())
        self.save(incident)

    def refer_incident(
        self,
        incident_id: UUID,
        to: ReferralBody,
        reference: str,
        by: UUID | None,
        on: dt.date | None = None,
    ) -> None:
        if to not in REFERRAL_BODIES:
            raise UnknownReason(
                f"{to!r} is not a body a concern is referred to; bodies are: "
                f"{', '.join(REFERRAL_BODIES)}"
            )
        incident = self.incident(incident_id)
        incident.refer(to, reference, by, on or dt.date.today())
        self.save(incident)

    def close_incident(
        self,
        incident_id: UUID,
        outcome: str = "",
        closed_on: dt.date | None = None,
        by: UUID | None = None,
    ) -> None:
        incident = self.incident(incident_id)
        incident.close(outcome, by, closed_on or dt.date.today())
        self.save(incident)

    def incident(self, incident_id: UUID) -> Incident:
        return load(self, incident_id, Incident, UnknownIncident)

    def incidents(self) -> Iterator[Incident]:
        for incident_id in ids_with(self, Incident.Raised.TOPIC):
            yield self.incident(incident_id)

    def incidents_raised_by(self, member_id: UUID) -> Iterator[Incident]:
        """The concerns and incidents ``member_id`` raised, oldest first (only
        theirs are loaded, however many the co-op has)."""
        for raised in events_with(self, Incident.Raised.TOPIC):
            if isinstance(raised, Incident.Raised) and raised.raised_by == member_id:
                yield self.incident(raised.originator_id)


INCIDENT_SHARING: dict[str, Rule] = {
    Incident.Raised.TOPIC: Rule(
        shared.IncidentRaised,
        lambda p, e: shared.IncidentRaised(
            incident=p.pseudonym(e.originator_id), kind=e.kind, raised_on=e.raised_on
        ),
    ),
    # The day only, so the consortium can report days to acknowledge: never
    # who acknowledged, nor anything of the referral.
    Incident.Acknowledged.TOPIC: Rule(
        shared.IncidentAcknowledged,
        lambda p, e: shared.IncidentAcknowledged(
            incident=p.pseudonym(e.originator_id),
            kind=e.kind,
            acknowledged_on=e.acknowledged_on,
        ),
    ),
    Incident.Closed.TOPIC: Rule(
        shared.IncidentClosed,
        lambda p, e: shared.IncidentClosed(
            incident=p.pseudonym(e.originator_id), kind=e.kind, closed_on=e.closed_on
        ),
    ),
}
