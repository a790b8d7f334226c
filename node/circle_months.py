"""Each month's neighbourhood circles, counted in the node once the month is over
and shared as counts (``circle.month_summarised``): how many circles, how many
members each had, meetings held and circle exchanges settled.

Counted here, only totals leave the node: no circle's id, name or notes, and no
pseudonym of anyone in one. As with the care figures (node.care_months), a month
is summarised once, ``GRACE_DAYS`` after it ends, from the month the first
circle was formed; the node's clock (node.notifier) asks now and then, and asking
again changes nothing.
"""

import datetime as dt
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from node.care_months import GRACE_DAYS, month_start, next_month
from node.circle_commands import CircleCommands
from node.circles import Circle
from node.sharing import Rule
from node.timebank_board import Exchange
from schemas import timebank as shared
from toolkit.aggregates import get


def circle_month_id(coop_id: str, month: dt.date) -> UUID:
    return uuid5(NAMESPACE_URL, f"commonweal:circle-month:{coop_id}:{month:%Y-%m}")


class CircleMonth(Aggregate):
    TOPIC = "commonweal.circle_month"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.circle_month.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.circle_month.created"

    class Summarised(Created):
        TOPIC = "commonweal.circle_month.summarised"
        coop_id: str
        month: dt.date
        members_per_circle: list[int]
        meetings: int
        exchanges_settled: int

    @staticmethod
    def create_id(coop_id: str, month: dt.date, **_: object) -> UUID:
        return circle_month_id(coop_id, month)

    @event(Summarised)
    def __init__(
        self,
        coop_id: str,
        month: dt.date,
        members_per_circle: list[int],
        meetings: int,
        exchanges_settled: int,
    ) -> None:
        self.month = month
        self.members_per_circle = members_per_circle
        self.meetings = meetings
        self.exchanges_settled = exchanges_settled


class CircleMonthCommands(CircleCommands):
    def summarise_circle_months(self, today: dt.date) -> list[dt.date]:
        """Record the counts of every month, from the one the first circle was
        formed in, that ended at least ``GRACE_DAYS`` before ``today`` and is not
        yet recorded; the months recorded now."""
        circles = list(self.circles())
        if not circles:
            return []
        month, due = month_start(min(c.formed_on for c in circles)), []
        while next_month(month) + dt.timedelta(days=GRACE_DAYS) <= today:
            if get(self, circle_month_id(self.coop_id, month), CircleMonth) is None:
                due.append(month)
            month = next_month(month)
        if due:  # the exchanges are read only when a month is due
            scoped = {
                listing.id for listing in self.listings() if listing.circle is not None
            }
            exchanges = [e for e in self.exchanges() if e.listing in scoped]
            self.save(*(self._circle_month(circles, exchanges, m) for m in due))
        return due

    def circle_month(self, month: dt.date) -> CircleMonth | None:
        return get(self, circle_month_id(self.coop_id, month_start(month)), CircleMonth)

    def _circle_month(
        self, circles: list[Circle], exchanges: list[Exchange], month: dt.date
    ) -> CircleMonth:
        end = next_month(month)
        last_day = end - dt.timedelta(days=1)
        sizes = [len(self.circle_members_on(c, last_day)) for c in circles]
        return CircleMonth(
            coop_id=self.coop_id,
            month=month,
            members_per_circle=sorted((n for n in sizes if n), reverse=True),
            meetings=sum(
                1 for c in circles for m in c.meetings if month <= m.held_on < end
            ),
            exchanges_settled=sum(
                1
                for e in exchanges
                if e.settled_on is not None and month <= e.settled_on < end
            ),
        )


CIRCLE_MONTH_SHARING: dict[str, Rule] = {
    CircleMonth.Summarised.TOPIC: Rule(
        shared.CircleMonthSummarised,
        lambda p, e: shared.CircleMonthSummarised(
            month=e.month,
            circles=len(e.members_per_circle),
            members_per_circle=list(e.members_per_circle),
            meetings=e.meetings,
            exchanges_settled=e.exchanges_settled,
        ),
    ),
}
