"""Weekly visits: a pattern (days of the week, a time, a length, the services, a
worker or volunteer) from a first day to a last, and the ordinary visits
(node.visits) it implies, booked all at once or not at all.

Each visit of a pattern is checked as a one-off would be (``require_assignable``:
a carer, free then); one clash refuses the whole pattern, naming the clash.
Ending a pattern cancels its visits still to come; giving it to another worker
moves them to that worker. Times are wall-clock times in the pattern's time
zone, so a 9 o'clock visit stays at 9 across a change of clocks.
"""

import datetime as dt
from collections.abc import Iterator, Sequence
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from node.errors import InvalidDuration, InvalidPattern, RotaClash, UnknownPattern
from node.membership import admitted_member
from node.records import load
from node.rota import RotaCommands, zone
from node.visits import MAX_VISIT_MINUTES, Visit
from toolkit.aggregates import ids_with

MAX_WEEKS = 26  # booked at a time; a longer arrangement is booked again


class RecurringVisits(Aggregate):
    TOPIC = "commonweal.recurring_visits"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.recurring_visits.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.recurring_visits.created"

    class Started(Created):
        TOPIC = "commonweal.recurring_visits.started"
        service_user: UUID
        weekdays: list[int]  # 0 is Monday
        time: str  # "HH:MM", wall-clock in time_zone
        time_zone: str
        planned_minutes: int
        service_types: list[str]
        worker: UUID | None
        first_day: dt.date
        last_day: dt.date
        visits: list[UUID]

    class Reassigned(Event):
        TOPIC = "commonweal.recurring_visits.reassigned"
        worker: UUID | None
        from_day: dt.date
        visits: list[UUID]  # the ones moved to ``worker``

    class Ended(Event):
        TOPIC = "commonweal.recurring_visits.ended"
        last_day: dt.date
        cancelled: list[UUID]

    @event(Started)
    def __init__(
        self,
        service_user: UUID,
        weekdays: list[int],
        time: str,
        time_zone: str,
        planned_minutes: int,
        service_types: list[str],
        worker: UUID | None,
        first_day: dt.date,
        last_day: dt.date,
        visits: list[UUID],
    ) -> None:
        self.service_user = service_user
        self.weekdays = weekdays
        self.time = time
        self.time_zone = time_zone
        self.planned_minutes = planned_minutes
        self.service_types = service_types
        self.worker = worker
        self.first_day = first_day
        self.last_day = last_day
        self.visits = visits
        self.ended = False

    @event(Reassigned)
    def reassign(
        self, worker: UUID | None, from_day: dt.date, visits: list[UUID]
    ) -> None:
        self.worker = worker

    @event(Ended)
    def end(self, last_day: dt.date, cancelled: list[UUID]) -> None:
        self.last_day = last_day
        self.ended = True


def pattern_days(
    weekdays: Sequence[int], first_day: dt.date, last_day: dt.date
) -> list[dt.date]:
    """Every day from ``first_day`` to ``last_day`` (both included) that falls on
    one of ``weekdays``."""
    span = (last_day - first_day).days + 1
    days = (first_day + dt.timedelta(days=n) for n in range(span))
    return [day for day in days if day.weekday() in weekdays]


class RecurringVisitCommands(RotaCommands):
    def schedule_weekly(
        self,
        service_user: UUID,
        weekdays: Sequence[int],
        time: dt.time,
        first_day: dt.date,
        last_day: dt.date,
        service_types: Sequence[str],
        worker: UUID | None = None,
        planned_minutes: int = 60,
        address: str = "",
        notes: str = "",
        time_zone: str = "",
    ) -> UUID:
        """Book a visit on each of ``weekdays`` from ``first_day`` to ``last_day``
        at ``time`` in ``time_zone``: all of them, or none if one clashes."""
        admitted_member(self, service_user, "service user")
        self._require_service_types(service_types)
        if not 0 < planned_minutes <= MAX_VISIT_MINUTES:
            raise InvalidDuration(f"a visit lasts 1 to {MAX_VISIT_MINUTES} minutes")
        days = _require_pattern(weekdays, first_day, last_day)
        here = zone(time_zone)
        visits = [
            Visit(
                service_user=service_user,
                scheduled_for=dt.datetime.combine(day, time, here),
                service_types=list(service_types),
                address=address,
                notes=notes,
                worker=worker,
                planned_minutes=planned_minutes,
            )
            for day in days
        ]
        if worker is not None:
            self._check_all(worker, visits)
        pattern = RecurringVisits(
            service_user=service_user,
            weekdays=sorted(set(weekdays)),
            time=time.isoformat("minutes"),
            time_zone=time_zone,
            planned_minutes=planned_minutes,
            service_types=list(service_types),
            worker=worker,
            first_day=first_day,
            last_day=last_day,
            visits=[visit.id for visit in visits],
        )
        self.save(pattern, *visits)
        return pattern.id

    def reassign_weekly(
        self, pattern_id: UUID, worker: UUID | None, from_day: dt.date
    ) -> None:
        """Give the pattern's visits still scheduled from ``from_day`` on to
        ``worker`` (or nobody), each checked; none moves if one clashes."""
        pattern = self.pattern(pattern_id)
        to_come = self._to_come(pattern, from_day)
        if worker is not None:
            self._check_all(worker, to_come)
        for visit in to_come:
            visit.assign(worker)
        pattern.reassign(worker, from_day, [visit.id for visit in to_come])
        self.save(pattern, *to_come)

    def end_weekly(
        self,
        pattern_id: UUID,
        from_day: dt.date,
        reason: str = "other",
        notes: str = "",
    ) -> None:
        """No more visits from ``from_day`` on: the pattern's visits still
        scheduled then are cancelled (their service user is told)."""
        pattern = self.pattern(pattern_id)
        if pattern.ended:
            raise InvalidPattern(f"weekly visits {pattern_id} have already ended")
        to_come = self._to_come(pattern, from_day)
        for visit in to_come:
            visit.cancel(reason, notes, from_day)
        last_day = min(pattern.last_day, from_day - dt.timedelta(days=1))
        pattern.end(last_day, [visit.id for visit in to_come])
        self.save(pattern, *to_come)

    def pattern(self, pattern_id: UUID) -> RecurringVisits:
        return load(self, pattern_id, RecurringVisits, UnknownPattern, "weekly visits")

    def patterns(self) -> Iterator[RecurringVisits]:
        for pattern_id in ids_with(self, RecurringVisits.Started.TOPIC):
            yield self.pattern(pattern_id)

    def _to_come(self, pattern: RecurringVisits, from_day: dt.date) -> list[Visit]:
        """The pattern's visits still scheduled on or after ``from_day`` (in the
        pattern's own time zone)."""
        here = zone(pattern.time_zone)
        visits = (self.visit(visit_id) for visit_id in pattern.visits)
        return [
            visit
            for visit in visits
            if visit.status == "scheduled"
            and visit.scheduled_for.astimezone(here).date() >= from_day
        ]

    def _check_all(self, worker: UUID, visits: Sequence[Visit]) -> None:
        """Every visit checked as a one-off; the first clash names its day."""
        with self.booking_batch(freed=[visit.id for visit in visits]):
            for visit in visits:
                try:
                    self.require_assignable(worker, visit)
                except RotaClash as clash:
                    day = visit.scheduled_for.date().isoformat()
                    raise type(clash)(
                        f"the visit on {day}: {clash}", clash.starts, clash.ends
                    ) from None


def _require_pattern(
    weekdays: Sequence[int], first_day: dt.date, last_day: dt.date
) -> list[dt.date]:
    if not weekdays or any(not 0 <= day <= 6 for day in weekdays):
        raise InvalidPattern(f"weekdays are 0 (Monday) to 6, at least one: {weekdays}")
    if last_day < first_day:
        raise InvalidPattern(f"the last day {last_day} is before the first {first_day}")
    if (last_day - first_day).days >= MAX_WEEKS * 7:
        raise InvalidPattern(f"weekly visits are booked {MAX_WEEKS} weeks at a time")
    days = pattern_days(weekdays, first_day, last_day)
    if not days:
        raise InvalidPattern("no day from the first to the last is one of the days")
    return days
