"""Visits: scheduled, then delivered, missed or cancelled.

Notes, the address of the visit and free-text reasons stay in the node; what is
shared is who delivered (pseudonym and member class), minutes per service type and
the day, or a reason category.
"""

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, get_args
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from node.coop import CoopBase
from node.corrections import Correctable, Corrected
from node.errors import (
    InvalidDuration,
    InvalidTransition,
    NotACarer,
    UnknownReason,
    UnknownServiceType,
    UnknownVisit,
    VisitAlreadyStarted,
)
from node.membership import admitted_member
from node.records import load
from node.sharing import Rule
from schemas import care as shared
from toolkit.aggregates import ids_with

VISIT_REASONS: tuple[str, ...] = get_args(shared.VisitReason)
MAX_VISIT_MINUTES = 24 * 60
DEFAULT_PLANNED_MINUTES = 60


class Visit(Aggregate, Correctable):
    TOPIC = "commonweal.visit"
    CORRECTABLE = frozenset({"address", "notes", "outcome_notes"})

    class Event(Aggregate.Event):
        TOPIC = "commonweal.visit.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.visit.created"

    class Scheduled(Created):
        TOPIC = "commonweal.visit.scheduled"
        # 2: the worker it is assigned to (if any) and how long it is planned
        # to last, so that a rota can see clashes.
        class_version = 2
        service_user: UUID
        scheduled_for: dt.datetime
        service_types: list[str]
        address: str
        notes: str
        worker: UUID | None
        planned_minutes: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["worker"] = None
            state["planned_minutes"] = DEFAULT_PLANNED_MINUTES

    class Assigned(Event):
        """Given to another worker or volunteer (or to nobody, if ``worker`` is
        None) before it happens."""

        TOPIC = "commonweal.visit.assigned"
        worker: UUID | None

    class Started(Event):
        """The carer it is assigned to began it, from their phone; the end is
        the delivery (``Delivered``), timed from this start."""

        TOPIC = "commonweal.visit.started"
        worker: UUID
        started_at: dt.datetime

    class Rescheduled(Event):
        TOPIC = "commonweal.visit.rescheduled"
        scheduled_for: dt.datetime

    class Delivered(Event):
        TOPIC = "commonweal.visit.delivered"
        worker: UUID
        worker_class: str
        started_at: dt.datetime
        minutes: int
        minutes_by_service: dict[str, int]
        notes: str

    class FieldCorrected(Corrected, Event):
        TOPIC = "commonweal.visit.field_corrected"
        field: str
        value: str
        by: UUID | None

    class Missed(Event):
        TOPIC = "commonweal.visit.missed"
        reason: str
        notes: str
        missed_on: dt.date

    class Cancelled(Event):
        TOPIC = "commonweal.visit.cancelled"
        reason: str
        notes: str
        cancelled_on: dt.date

    @event(Scheduled)
    def __init__(
        self,
        service_user: UUID,
        scheduled_for: dt.datetime,
        service_types: list[str],
        address: str,
        notes: str,
        worker: UUID | None,
        planned_minutes: int,
    ) -> None:
        self.service_user = service_user
        self.scheduled_for = scheduled_for
        self.service_types = service_types
        self.address = address
        self.notes = notes
        # Who is to go; ``worker`` below is who actually went.
        self.assigned_to = worker
        self.planned_minutes = planned_minutes
        self.status = "scheduled"
        self.worker: UUID | None = None
        self.worker_class: str | None = None
        self.started_at: dt.datetime | None = None
        self.minutes = 0
        self.minutes_by_service: dict[str, int] = {}
        self.reason: str | None = None
        self.ended_on: dt.date | None = None
        self.started_by: UUID | None = None
        # What the carer (or coordinator) wrote when it was delivered or missed,
        # read by the next carer (node.visit_notes); ``notes`` is what the
        # coordinator wrote for the carer before.
        self.outcome_notes = ""

    @property
    def planned_end(self) -> dt.datetime:
        return self.scheduled_for + dt.timedelta(minutes=self.planned_minutes)

    def assign(self, worker: UUID | None) -> None:
        self._require_scheduled("assigned")
        if worker != self.assigned_to:
            self._assigned(worker)

    @event(Assigned)
    def _assigned(self, worker: UUID | None) -> None:
        self.assigned_to = worker

    def start(self, worker: UUID, started_at: dt.datetime) -> None:
        self._require_scheduled("started")
        if self.started_by is not None:
            raise VisitAlreadyStarted(
                f"visit {self.id} was started at {self.started_at.isoformat()}"
                if self.started_at
                else f"visit {self.id} was started already"
            )
        self._started(worker, started_at)

    @event(Started)
    def _started(self, worker: UUID, started_at: dt.datetime) -> None:
        self.started_by = worker
        self.started_at = started_at

    def reschedule(self, scheduled_for: dt.datetime) -> None:
        self._require_scheduled("moved")
        if scheduled_for != self.scheduled_for:  # the same time again changes nothing
            self._rescheduled(scheduled_for)

    @event(Rescheduled)
    def _rescheduled(self, scheduled_for: dt.datetime) -> None:
        self.scheduled_for = scheduled_for

    def deliver(
        self,
        worker: UUID,
        worker_class: str,
        started_at: dt.datetime,
        minutes_by_service: dict[str, int],
        notes: str,
    ) -> None:
        self._require_scheduled("delivered")
        self._delivered(
            worker,
            worker_class,
            started_at,
            sum(minutes_by_service.values()),
            minutes_by_service,
            notes,
        )

    @event(Delivered)
    def _delivered(
        self,
        worker: UUID,
        worker_class: str,
        started_at: dt.datetime,
        minutes: int,
        minutes_by_service: dict[str, int],
        notes: str,
    ) -> None:
        self.status = "delivered"
        self.worker = worker
        self.worker_class = worker_class
        self.started_at = started_at
        self.minutes = minutes
        self.minutes_by_service = minutes_by_service
        self.ended_on = started_at.date()
        self.outcome_notes = notes

    def miss(self, reason: str, notes: str, missed_on: dt.date) -> None:
        self._require_scheduled("missed")
        _require_reason(reason)
        self._missed(reason, notes, missed_on)

    @event(Missed)
    def _missed(self, reason: str, notes: str, missed_on: dt.date) -> None:
        self.status = "missed"
        self.reason = reason
        self.ended_on = missed_on
        self.outcome_notes = notes

    def cancel(self, reason: str, notes: str, cancelled_on: dt.date) -> None:
        self._require_scheduled("cancelled")
        _require_reason(reason)
        self._cancelled(reason, notes, cancelled_on)

    @event(Cancelled)
    def _cancelled(self, reason: str, notes: str, cancelled_on: dt.date) -> None:
        self.status = "cancelled"
        self.reason = reason
        self.ended_on = cancelled_on

    def _require_scheduled(self, action: str) -> None:
        if self.status != "scheduled":
            raise InvalidTransition(
                f"visit {self.id} is {self.status}; only a scheduled visit can be "
                f"{action}"
            )


def _require_reason(reason: str) -> None:
    if reason not in VISIT_REASONS:
        raise UnknownReason(
            f"{reason!r} is not a visit reason; reasons are: {', '.join(VISIT_REASONS)}"
        )


def _require_minutes(minutes: int) -> None:
    if not isinstance(minutes, int) or isinstance(minutes, bool):
        raise InvalidDuration(f"duration must be whole minutes, got {minutes!r}")
    if not 0 < minutes <= MAX_VISIT_MINUTES:
        raise InvalidDuration(
            f"duration must be 1 to {MAX_VISIT_MINUTES} minutes, got {minutes}"
        )


def split_minutes(minutes: int, service_types: Sequence[str]) -> dict[str, int]:
    """Share a visit's minutes evenly among its service types, the remainder to the
    first listed, so the parts add up to the whole."""
    base, extra = divmod(minutes, len(service_types))
    parts = {t: base + (1 if i < extra else 0) for i, t in enumerate(service_types)}
    return {t: m for t, m in parts.items() if m > 0}


class VisitCommands(CoopBase):
    def schedule_visit(
        self,
        service_user: UUID,
        scheduled_for: dt.datetime,
        service_types: Sequence[str],
        address: str = "",
        notes: str = "",
        worker: UUID | None = None,
        planned_minutes: int = DEFAULT_PLANNED_MINUTES,
    ) -> UUID:
        admitted_member(self, service_user, "service user")
        self._require_service_types(service_types)
        _require_minutes(planned_minutes)
        visit = Visit(
            service_user=service_user,
            scheduled_for=scheduled_for,
            service_types=list(service_types),
            address=address,
            notes=notes,
            worker=worker,
            planned_minutes=planned_minutes,
        )
        if worker is not None:
            self.require_assignable(worker, visit)
        self.save(visit)
        return visit.id

    def assign_visit(self, visit_id: UUID, worker: UUID | None) -> None:
        """Give a scheduled visit to a worker or volunteer, or to nobody."""
        visit = self.visit(visit_id)
        if worker is not None:
            self.require_assignable(worker, visit)
        visit.assign(worker)
        self.save(visit)

    def require_assignable(self, worker: UUID, visit: Visit) -> None:
        """Refuse ``worker`` for ``visit`` (which may not be saved yet) unless they
        are an admitted member who cares for this co-op (an employed worker or an
        enrolled volunteer)."""
        admitted_member(self, worker, "worker or volunteer")
        if not self.is_carer(worker):
            raise NotACarer(
                f"member {worker} is neither an employed worker nor a volunteer"
            )
        self.require_compliant(worker, visit.service_types, visit.scheduled_for.date())
        self.rota_clash(worker, visit)

    def reschedule_visit(self, visit_id: UUID, scheduled_for: dt.datetime) -> None:
        """Move a scheduled visit to another day or time (its service user is told;
        the move itself is not shared). A visit given to someone is checked at
        its new time as when it was given (their leave, hours, other visits)."""
        visit = self.visit(visit_id)
        visit.reschedule(scheduled_for)
        if visit.assigned_to is not None:
            self.require_assignable(visit.assigned_to, visit)
        self.save(visit)

    def deliver_visit(
        self,
        visit_id: UUID,
        worker: UUID,
        started_at: dt.datetime,
        minutes: int,
        service_types: Sequence[str] | None = None,
        notes: str = "",
    ) -> None:
        """Record a visit as delivered by ``worker`` (an admitted member, worker or
        volunteer), for ``minutes`` split over its service types."""
        _require_minutes(minutes)
        visit = self.visit(visit_id)
        member = admitted_member(self, worker, "worker or volunteer")
        types = list(service_types or visit.service_types)
        self._require_service_types(types)
        visit.deliver(
            worker,
            member.member_class,
            started_at,
            split_minutes(minutes, types),
            notes,
        )
        self.save(visit, *self.delivery_records(visit))

    def miss_visit(
        self,
        visit_id: UUID,
        reason: str,
        notes: str = "",
        missed_on: dt.date | None = None,
    ) -> None:
        visit = self.visit(visit_id)
        visit.miss(reason, notes, missed_on or visit.scheduled_for.date())
        self.save(visit)

    def cancel_visit(
        self,
        visit_id: UUID,
        reason: str,
        notes: str = "",
        cancelled_on: dt.date | None = None,
    ) -> None:
        visit = self.visit(visit_id)
        visit.cancel(reason, notes, cancelled_on or dt.date.today())
        self.save(visit)

    def visit(self, visit_id: UUID) -> Visit:
        return load(self, visit_id, Visit, UnknownVisit)

    def visits(self) -> Iterator[Visit]:
        for visit_id in ids_with(self, Visit.Scheduled.TOPIC):
            yield self.visit(visit_id)

    def _require_service_types(self, service_types: Sequence[str]) -> None:
        offered = self.coop().profile.service_types
        if not service_types:
            raise UnknownServiceType("a visit needs at least one service type")
        unknown = [t for t in service_types if t not in offered]
        if unknown or len(set(service_types)) != len(service_types):
            raise UnknownServiceType(
                f"service types {list(service_types)} are not distinct ones of this "
                f"co-op's: {', '.join(offered)}"
            )


VISIT_SHARING: dict[str, Rule] = {
    Visit.Delivered.TOPIC: Rule(
        shared.VisitDelivered,
        lambda p, e: shared.VisitDelivered(
            visit=p.pseudonym(e.originator_id),
            worker=p.pseudonym(e.worker),
            worker_class=e.worker_class,
            minutes_by_service=e.minutes_by_service,
            delivered_on=e.started_at.date(),
        ),
    ),
    Visit.Missed.TOPIC: Rule(
        shared.VisitMissed,
        lambda p, e: shared.VisitMissed(
            visit=p.pseudonym(e.originator_id), reason=e.reason, missed_on=e.missed_on
        ),
    ),
    Visit.Cancelled.TOPIC: Rule(
        shared.VisitCancelled,
        lambda p, e: shared.VisitCancelled(
            visit=p.pseudonym(e.originator_id),
            reason=e.reason,
            cancelled_on=e.cancelled_on,
        ),
    ),
}
