"""Each month's care figures, computed in the node once the month is over and
shared as counts: continuity (how many different carers each person saw) and
compliance (how many carers held everything the co-op's services require).

The consortium could not compute continuity itself without a pseudonym of each
service user on every visit, which would let anyone holding the stream follow one
person's care month by month; counted here, only totals leave the node.

A month is summarised once, ``GRACE_DAYS`` after it ends, so that visits recorded
a few days late still count; the node's clock (node.notifier) asks now and then,
and asking again changes nothing. A visit recorded later still is in the node's
own pages, not in the shared figure.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from node.sharing import Rule
from node.visits import Visit, VisitCommands
from schemas import care as shared
from toolkit.aggregates import get, ids_with

GRACE_DAYS = 7
# People seen by at most this many different carers in a month count as seen by
# few: the continuity the co-ops promise ("dedicated carers").
FEW_CARERS = 2


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def care_month_id(coop_id: str, month: dt.date) -> UUID:
    return uuid5(NAMESPACE_URL, f"commonweal:care-month:{coop_id}:{month:%Y-%m}")


class CareMonth(Aggregate):
    TOPIC = "commonweal.care_month"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.care_month.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.care_month.created"

    class Summarised(Created):
        TOPIC = "commonweal.care_month.summarised"
        coop_id: str
        month: dt.date
        service_users: int
        carer_links: int
        seen_by_few: int
        carers: int
        compliant_carers: int

    @staticmethod
    def create_id(coop_id: str, month: dt.date, **_: object) -> UUID:
        return care_month_id(coop_id, month)

    @event(Summarised)
    def __init__(
        self,
        coop_id: str,
        month: dt.date,
        service_users: int,
        carer_links: int,
        seen_by_few: int,
        carers: int,
        compliant_carers: int,
    ) -> None:
        self.month = month
        self.service_users = service_users
        self.carer_links = carer_links
        self.seen_by_few = seen_by_few
        self.carers = carers
        self.compliant_carers = compliant_carers


def carers_seen(visits: Iterable[Visit], month: dt.date) -> dict[UUID, set[UUID]]:
    """Service user -> the distinct carers who delivered a visit to them in the
    calendar month beginning ``month``."""
    end = next_month(month)
    seen: dict[UUID, set[UUID]] = defaultdict(set)
    for visit in visits:
        day = visit.ended_on
        if visit.status == "delivered" and visit.worker and day and month <= day < end:
            seen[visit.service_user].add(visit.worker)
    return dict(seen)


class CareMonthCommands(VisitCommands):
    def summarise_care_months(self, today: dt.date) -> list[dt.date]:
        """Record the figures of every month, from the co-op's founding or its
        first visit, that ended at least ``GRACE_DAYS`` before ``today`` and is
        not yet recorded; the months recorded now."""
        first = self.coop().founded_on
        # Visits may be older than the co-op's founding here (a history moved
        # in): the first one stored says how far back to look.
        first_visit = next(ids_with(self, Visit.Scheduled.TOPIC), None)
        if first_visit is not None:
            first = min(first, self.visit(first_visit).scheduled_for.date())
        month, due = month_start(first), []
        while next_month(month) + dt.timedelta(days=GRACE_DAYS) <= today:
            if get(self, care_month_id(self.coop_id, month), CareMonth) is None:
                due.append(month)
            month = next_month(month)
        if due:  # every visit is read only when a month is due
            visits = list(self.visits())
            self.save(*(self._care_month(visits, m) for m in due))
        return due

    def care_month(self, month: dt.date) -> CareMonth | None:
        return get(self, care_month_id(self.coop_id, month_start(month)), CareMonth)

    def _care_month(self, visits: list[Visit], month: dt.date) -> CareMonth:
        seen = carers_seen(visits, month)
        last_day = next_month(month) - dt.timedelta(days=1)
        carers = self.carers_on(last_day)
        return CareMonth(
            coop_id=self.coop_id,
            month=month,
            service_users=len(seen),
            carer_links=sum(len(c) for c in seen.values()),
            seen_by_few=sum(1 for c in seen.values() if len(c) <= FEW_CARERS),
            carers=len(carers),
            compliant_carers=sum(
                1 for c in carers if self.is_fully_compliant(c, last_day)
            ),
        )


CARE_MONTH_SHARING: dict[str, Rule] = {
    CareMonth.Summarised.TOPIC: Rule(
        shared.CareMonthSummarised,
        lambda p, e: shared.CareMonthSummarised(
            month=e.month,
            service_users=e.service_users,
            carer_links=e.carer_links,
            seen_by_few=e.seen_by_few,
            carers=e.carers,
            compliant_carers=e.compliant_carers,
        ),
    ),
}
