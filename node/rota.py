"""The rota: when each worker or volunteer works (their weekly availability) and
when they are away (leave), and the check that keeps a visit from going to one
who is already elsewhere, off or away then. Also continuity: how many different
carers each service user saw in a month.

Availability and leave are kept in a ``CarerRota`` per carer, with the time zone
they were given in, so "9 to 5 on Mondays" stays 9 to 5 across a change of
clocks. None of it leaves the node.
"""

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from typing import Any, Literal, NamedTuple, get_args
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from eventsourcing.domain import Aggregate, event

from node.care_months import carers_seen, month_start
from node.errors import (
    DoubleBooked,
    InvalidAvailability,
    NotACarer,
    OnLeave,
    OutsideAvailability,
    UnknownLeave,
)
from node.membership import admitted_member
from node.visits import Visit, VisitCommands
from toolkit.aggregates import get, ids_with

LeaveKind = Literal["annual_leave", "sick", "training", "other"]
LEAVE_KINDS: tuple[str, ...] = get_args(LeaveKind)
ENDED = (Visit.Delivered.TOPIC, Visit.Missed.TOPIC, Visit.Cancelled.TOPIC)


class Slot(NamedTuple):
    """Hours a carer works on one day of the week (0 is Monday)."""

    weekday: int
    starts: dt.time
    ends: dt.time


class Leave(NamedTuple):
    id: UUID
    kind: str
    first_day: dt.date
    last_day: dt.date  # the last day away, included
    time_zone: str


class Booking(NamedTuple):
    """A visit a carer is to go to, from ``starts`` to ``ends``."""

    visit_id: UUID
    starts: dt.datetime
    ends: dt.datetime


def zone(name: str) -> dt.tzinfo:
    """The named IANA zone; UTC for "" (as node.config reads the co-op's)."""
    return ZoneInfo(name) if name else dt.UTC


def aware(moment: dt.datetime) -> dt.datetime:
    """A visit scheduled without a zone (by a script) is in the machine's own, as
    node.http.visits reads it."""
    return moment if moment.tzinfo else moment.astimezone()


def rota_id(member_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"commonweal:rota:{member_id}")


class CarerRota(Aggregate):
    """One worker's or volunteer's availability and leave."""

    TOPIC = "commonweal.carer_rota"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.carer_rota.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.carer_rota.created"

    class Started(Created):
        TOPIC = "commonweal.carer_rota.started"
        member: UUID

    class AvailabilitySet(Event):
        """The whole week at once; no slots: available at any time."""

        TOPIC = "commonweal.carer_rota.availability_set"
        # Each {"weekday": 0-6, "starts": "HH:MM", "ends": "HH:MM"}.
        slots: list[dict[str, Any]]
        time_zone: str

    class LeaveTaken(Event):
        TOPIC = "commonweal.carer_rota.leave_taken"
        leave_id: UUID
        kind: str
        first_day: dt.date
        last_day: dt.date
        time_zone: str

    class LeaveCancelled(Event):
        TOPIC = "commonweal.carer_rota.leave_cancelled"
        leave_id: UUID

    @staticmethod
    def create_id(member: UUID, **_: object) -> UUID:
        return rota_id(member)

    @event(Started)
    def __init__(self, member: UUID) -> None:
        self.member = member
        self.slots: list[Slot] = []
        self.time_zone = ""
        self.leave: dict[UUID, Leave] = {}

    @event(AvailabilitySet)
    def set_availability(self, slots: list[dict[str, Any]], time_zone: str) -> None:
        self.slots = [
            Slot(
                s["weekday"],
                dt.time.fromisoformat(s["starts"]),
                dt.time.fromisoformat(s["ends"]),
            )
            for s in slots
        ]
        self.time_zone = time_zone

    @event(LeaveTaken)
    def take_leave(
        self,
        leave_id: UUID,
        kind: str,
        first_day: dt.date,
        last_day: dt.date,
        time_zone: str,
    ) -> None:
        self.leave[leave_id] = Leave(leave_id, kind, first_day, last_day, time_zone)

    @event(LeaveCancelled)
    def cancel_leave(self, leave_id: UUID) -> None:
        del self.leave[leave_id]

    def leave_during(self, starts: dt.datetime, ends: dt.datetime) -> Leave | None:
        """The leave (if any) that takes a day from ``starts`` to ``ends``."""
        for leave in sorted(self.leave.values(), key=lambda leave: leave.first_day):
            here = zone(leave.time_zone)
            # A visit ending at midnight does not reach into the next day.
            first = starts.astimezone(here).date()
            last = (ends - dt.timedelta(microseconds=1)).astimezone(here).date()
            if first <= leave.last_day and leave.first_day <= last:
                return leave
        return None

    def works(self, starts: dt.datetime, ends: dt.datetime) -> bool:
        """Whether ``starts``..``ends`` falls within one of the carer's slots (any
        time does while none is set)."""
        if not self.slots:
            return True
        here = zone(self.time_zone)
        day = starts.astimezone(here).date()
        return any(
            slot.weekday == day.weekday()
            and dt.datetime.combine(day, slot.starts, here) <= starts
            and ends <= dt.datetime.combine(day, slot.ends, here)
            for slot in self.slots
        )


# While a pattern of visits is checked (node.recurring_visits), each carer's
# bookings are read once and the pattern's own visits added as they pass.
class _Batch(NamedTuple):
    bookings: dict[UUID, list[Booking]]  # by carer
    freed: set[UUID]  # visits about to be cancelled: they no longer count


_BATCH: ContextVar[_Batch | None] = ContextVar("rota_batch", default=None)


class RotaCommands(VisitCommands):
    def set_availability(
        self, member_id: UUID, slots: Sequence[Slot], time_zone: str = ""
    ) -> None:
        """The hours ``member_id`` (a carer) works each week, in ``time_zone``;
        none: any time."""
        self._require_carer(member_id)
        _require_zone(time_zone)
        for slot in slots:
            if not 0 <= slot.weekday <= 6 or not slot.starts < slot.ends:
                raise InvalidAvailability(
                    f"a slot is a weekday 0-6 and a start before its end, got {slot}"
                )
        rota = self._rota_or_new(member_id)
        rota.set_availability(
            [
                {
                    "weekday": s.weekday,
                    "starts": s.starts.isoformat("minutes"),
                    "ends": s.ends.isoformat("minutes"),
                }
                for s in sorted(slots)
            ],
            time_zone,
        )
        self.save(rota)

    def take_leave(
        self,
        member_id: UUID,
        kind: LeaveKind,
        first_day: dt.date,
        last_day: dt.date,
        time_zone: str = "",
    ) -> UUID:
        """Record ``member_id`` away from ``first_day`` to ``last_day``. Visits
        already given to them then are not changed: ``visits_to_reassign`` lists
        them for the coordinator."""
        self._require_carer(member_id)
        _require_zone(time_zone)
        if kind not in LEAVE_KINDS:
            raise InvalidAvailability(f"{kind!r} is not a kind of leave: {LEAVE_KINDS}")
        if last_day < first_day:
            raise InvalidAvailability(f"leave ends {last_day}, before {first_day}")
        rota = self._rota_or_new(member_id)
        leave_id = uuid4()
        rota.take_leave(leave_id, kind, first_day, last_day, time_zone)
        self.save(rota)
        return leave_id

    def cancel_leave(self, member_id: UUID, leave_id: UUID) -> None:
        rota = self.carer_rota(member_id)
        if rota is None or leave_id not in rota.leave:
            raise UnknownLeave(f"member {member_id} has no leave {leave_id}")
        rota.cancel_leave(leave_id)
        self.save(rota)

    def carer_rota(self, member_id: UUID) -> CarerRota | None:
        return get(self, rota_id(member_id), CarerRota)

    def rota_clash(self, worker: UUID, visit: Visit) -> None:
        """Refuse ``worker`` for ``visit`` if they are on leave that day, do not
        work those hours, or already go to another visit then; the error names
        the clash."""
        starts, ends = aware(visit.scheduled_for), aware(visit.planned_end)
        rota = self.carer_rota(worker)
        if rota is not None:
            leave = rota.leave_during(starts, ends)
            if leave is not None:
                raise OnLeave(
                    f"member {worker} is on {leave.kind} from {leave.first_day} "
                    f"to {leave.last_day}",
                    leave.first_day,
                    leave.last_day,
                )
            if not rota.works(starts, ends):
                raise OutsideAvailability(
                    f"member {worker} does not work from {starts.isoformat()} to "
                    f"{ends.isoformat()}",
                    starts,
                    ends,
                )
        bookings = self._bookings(worker)
        for booked in bookings:
            if (
                booked.visit_id != visit.id
                and booked.starts < ends
                and starts < booked.ends
            ):
                raise DoubleBooked(
                    f"member {worker} already goes to visit {booked.visit_id} from "
                    f"{booked.starts.isoformat()} to {booked.ends.isoformat()}",
                    booked.starts,
                    booked.ends,
                )
        if _BATCH.get() is not None:
            bookings.append(Booking(visit.id, starts, ends))

    @contextlib.contextmanager
    def booking_batch(self, freed: Iterable[UUID] = ()) -> Iterator[None]:
        """Check many visits against the rota, each carer's bookings read once;
        the visits ``freed`` (about to be cancelled) no longer count."""
        token = _BATCH.set(_Batch({}, set(freed)))
        try:
            yield
        finally:
            _BATCH.reset(token)

    def visits_to_reassign(self) -> list[tuple[Visit, Leave]]:
        """Visits still to come whose worker has since gone on leave that day,
        soonest first, with the leave."""
        found = []
        for visit in self.open_visits():
            if visit.assigned_to is None:
                continue
            rota = self.carer_rota(visit.assigned_to)
            leave = (
                rota.leave_during(aware(visit.scheduled_for), aware(visit.planned_end))
                if rota
                else None
            )
            if leave is not None:
                found.append((visit, leave))
        return sorted(found, key=lambda pair: aware(pair[0].scheduled_for))

    def open_visits(self) -> Iterator[Visit]:
        """The visits still scheduled (neither delivered, missed nor cancelled),
        without loading those that ended."""
        ended = set(ids_with(self, *ENDED))
        for visit_id in ids_with(self, Visit.Scheduled.TOPIC):
            if visit_id not in ended:
                yield self.visit(visit_id)

    def continuity(self, month: dt.date) -> dict[UUID, int]:
        """Service user -> distinct carers who delivered their visits in the
        calendar month of ``month`` (the co-op's continuity of care)."""
        delivered = dict.fromkeys(ids_with(self, Visit.Delivered.TOPIC))
        visits = (self.visit(i) for i in delivered)
        seen = carers_seen(visits, month_start(month))
        return {user: len(carers) for user, carers in seen.items()}

    def _bookings(self, worker: UUID) -> list[Booking]:
        batch = _BATCH.get()
        if batch is not None and worker in batch.bookings:
            return batch.bookings[worker]
        freed = batch.freed if batch is not None else set()
        bookings = [
            Booking(visit.id, aware(visit.scheduled_for), aware(visit.planned_end))
            for visit in self.open_visits()
            if visit.assigned_to == worker and visit.id not in freed
        ]
        if batch is not None:
            batch.bookings[worker] = bookings
        return bookings

    def _rota_or_new(self, member_id: UUID) -> CarerRota:
        return self.carer_rota(member_id) or CarerRota(member=member_id)

    def _require_carer(self, member_id: UUID) -> None:
        admitted_member(self, member_id, "worker or volunteer")
        if not self.is_carer(member_id):
            raise NotACarer(
                f"member {member_id} is neither an employed worker nor a volunteer"
            )


def _require_zone(name: str) -> None:
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidAvailability(f"{name!r} is not a time zone") from None
