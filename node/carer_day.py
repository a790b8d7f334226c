"""The carer's day: the visits given to a worker or volunteer, which they start
and end (or record missed) from their phone, and the visits running late.

A carer acts only on a visit assigned to them while they still care for the
co-op. Ending a visit delivers it through the coordinator's own path
(``VisitCommands.deliver_visit``), so what is shared and what the time bank
credits are the same whoever records it. "Now" and the co-op's time zone are
passed in, so that a test can set the clock.
"""

import datetime as dt
from uuid import UUID

from node.errors import NotYourVisit, VisitNotStarted, VisitOver
from node.visits import Visit, VisitCommands

# A visit not started this long after its time is late: the coordinator phones.
LATE_AFTER = dt.timedelta(minutes=15)
# How far ahead a carer sees their visits (today and the next six days).
WEEK = 7


def local_day(moment: dt.datetime, zone: dt.tzinfo) -> dt.date:
    """The day ``moment`` falls on in the co-op's time zone (a moment without a
    zone is in the machine's own, as the visits page writes it)."""
    return moment.astimezone(zone).date()


def minutes_between(start: dt.datetime, end: dt.datetime) -> int:
    """A visit's length in whole minutes, at least one (a clock that went back a
    little still records that the carer came)."""
    return max(1, round((end - start).total_seconds() / 60))


def is_late(visit: Visit, now: dt.datetime) -> bool:
    """Still to begin though its time was ``LATE_AFTER`` ago or more."""
    return (
        visit.status == "scheduled"
        and visit.started_by is None
        and now - visit.scheduled_for >= LATE_AFTER
    )


class CarerDayCommands(VisitCommands):
    def own_visit(self, visit_id: UUID, carer: UUID) -> Visit:
        """The visit, if it is assigned to ``carer`` and they still care for the
        co-op; refused otherwise (another carer's, or someone who is not a
        carer, such as the service user)."""
        visit = self.visit(visit_id)
        if visit.assigned_to != carer or not self.is_carer(carer):
            raise NotYourVisit(f"visit {visit_id} is not assigned to member {carer}")
        return visit

    def start_visit(self, visit_id: UUID, carer: UUID, started_at: dt.datetime) -> None:
        visit = self.own_visit(visit_id, carer)
        _require_open(visit)
        visit.start(carer, started_at)
        self.save(visit)

    def end_visit(
        self, visit_id: UUID, carer: UUID, ended_at: dt.datetime, notes: str = ""
    ) -> int:
        """Deliver a started visit, by ``carer``, for the minutes from its start
        to ``ended_at``; answers the minutes."""
        visit = self.own_visit(visit_id, carer)
        _require_open(visit)
        if visit.started_at is None:
            raise VisitNotStarted(
                f"visit {visit_id} has not been started; start it before ending it"
            )
        minutes = minutes_between(visit.started_at, ended_at)
        self.deliver_visit(visit_id, carer, visit.started_at, minutes, None, notes)
        return minutes

    def miss_own_visit(
        self,
        visit_id: UUID,
        carer: UUID,
        reason: str,
        notes: str,
        missed_on: dt.date,
    ) -> None:
        _require_open(self.own_visit(visit_id, carer))
        self.miss_visit(visit_id, reason, notes, missed_on)

    def rounds(self, carer: UUID, today: dt.date, zone: dt.tzinfo) -> list[Visit]:
        """``carer``'s visits, soonest first: those still to do from ``today`` to
        six days on, those already recorded today, and any they started and have
        not ended, whatever its day."""
        last = today + dt.timedelta(days=WEEK - 1)
        mine = []
        for visit in self.visits():
            if visit.assigned_to != carer:
                continue
            day = local_day(visit.scheduled_for, zone)
            to_do = visit.status == "scheduled" and today <= day <= last
            started = visit.status == "scheduled" and visit.started_by is not None
            if to_do or started or day == today:
                mine.append(visit)
        return sorted(mine, key=lambda v: v.scheduled_for.astimezone(dt.UTC))

    def day_visits(self, day: dt.date, zone: dt.tzinfo) -> list[Visit]:
        """Every visit of ``day`` in the co-op's time zone, by time."""
        found = [v for v in self.visits() if local_day(v.scheduled_for, zone) == day]
        return sorted(found, key=lambda v: v.scheduled_for.astimezone(dt.UTC))


def _require_open(visit: Visit) -> None:
    if visit.status != "scheduled":
        raise VisitOver(
            f"visit {visit.id} is already {visit.status}; "
            "it cannot be started, ended or missed again"
        )
