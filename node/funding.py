"""Who pays for each service user's care, and how many hours a week it
commissions: a council commission, a direct payment, an Independent Service
Fund, or the person themselves.

Each service user has one Funding record; every change is a new arrangement
from a day, kept as an event, so the hours commissioned in any past week can be
read again. Commissioned hours are compared with the minutes of the visits
delivered to the person (node.visits), by week and by month.

The funder's name and reference stay in the node; the consortium gets the
funder's type and the minutes a week, from a day, under a pseudonym.
"""

import datetime as dt
from collections.abc import Iterator
from typing import NamedTuple, get_args
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from node.coop import CoopBase
from node.errors import InvalidFunding, UnknownReason
from node.membership import admitted_member
from node.sharing import Rule, SharingPolicy
from node.visits import Visit
from schemas import funding as shared
from toolkit.aggregates import get, ids_with

FUNDER_TYPES: tuple[str, ...] = get_args(shared.FunderType)
MAX_WEEKLY_MINUTES = 7 * 24 * 60


class Arrangement(NamedTuple):
    funder: str
    funder_name: str
    reference: str
    weekly_minutes: int
    starts_on: dt.date


class Funding(Aggregate):
    """One service user's funding arrangements, oldest first."""

    TOPIC = "commonweal.funding"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.funding.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.funding.created"

    class Arranged(Created):
        TOPIC = "commonweal.funding.arranged"
        service_user: UUID
        funder: str
        funder_name: str
        reference: str
        weekly_minutes: int
        starts_on: dt.date

    class Rearranged(Event):
        TOPIC = "commonweal.funding.rearranged"
        funder: str
        funder_name: str
        reference: str
        weekly_minutes: int
        starts_on: dt.date

    @staticmethod
    def create_id(service_user: UUID, **_: object) -> UUID:
        return funding_id(service_user)

    @event(Arranged)
    def __init__(
        self,
        service_user: UUID,
        funder: str,
        funder_name: str,
        reference: str,
        weekly_minutes: int,
        starts_on: dt.date,
    ) -> None:
        self.service_user = service_user
        self.arrangements = [
            Arrangement(funder, funder_name, reference, weekly_minutes, starts_on)
        ]

    @event(Rearranged)
    def rearrange(
        self,
        funder: str,
        funder_name: str,
        reference: str,
        weekly_minutes: int,
        starts_on: dt.date,
    ) -> None:
        self.arrangements = [
            *self.arrangements,
            Arrangement(funder, funder_name, reference, weekly_minutes, starts_on),
        ]

    def in_force(self, day: dt.date) -> Arrangement | None:
        """The arrangement in force on ``day``: the latest begun by then."""
        begun = [a for a in self.arrangements if a.starts_on <= day]
        return begun[-1] if begun else None


def funding_id(service_user: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"commonweal:funding:{service_user}")


class Period(NamedTuple):
    """Commissioned against delivered minutes over one week or month."""

    starts_on: dt.date
    ends_on: dt.date  # the last day
    commissioned: int
    delivered: int


class FundingCommands(CoopBase):
    def arrange_funding(
        self,
        service_user: UUID,
        funder: str,
        weekly_minutes: int,
        starts_on: dt.date | None = None,
        funder_name: str = "",
        reference: str = "",
    ) -> None:
        """A new arrangement from ``starts_on`` (today by default), after any
        already recorded: the past is not rewritten."""
        admitted_member(self, service_user, "service user")
        if funder not in FUNDER_TYPES:
            raise UnknownReason(
                f"{funder!r} is not a funder type; types are: {', '.join(FUNDER_TYPES)}"
            )
        if not isinstance(weekly_minutes, int) or not (
            0 <= weekly_minutes <= MAX_WEEKLY_MINUTES
        ):
            raise InvalidFunding(
                f"minutes a week must be 0 to {MAX_WEEKLY_MINUTES}: {weekly_minutes!r}"
            )
        day = starts_on or dt.date.today()
        funding = self.funding_of(service_user)
        if funding is None:
            funding = Funding(
                service_user=service_user,
                funder=funder,
                funder_name=funder_name,
                reference=reference,
                weekly_minutes=weekly_minutes,
                starts_on=day,
            )
        else:
            latest = funding.arrangements[-1].starts_on
            if day <= latest:
                raise InvalidFunding(
                    f"service user {service_user} has an arrangement from {latest}: "
                    "a new one starts after it"
                )
            funding.rearrange(funder, funder_name, reference, weekly_minutes, day)
        self.save(funding)

    def funding_of(self, service_user: UUID) -> Funding | None:
        return get(self, funding_id(service_user), Funding)

    def fundings(self) -> Iterator[Funding]:
        for aggregate_id in ids_with(self, Funding.Arranged.TOPIC):
            funding = get(self, aggregate_id, Funding)
            if funding is not None:
                yield funding

    def delivered_minutes(self) -> dict[UUID, dict[dt.date, int]]:
        """Minutes of the visits delivered to each service user, by day."""
        delivered: dict[UUID, dict[dt.date, int]] = {}
        for visit_id in ids_with(self, Visit.Delivered.TOPIC):
            visit = get(self, visit_id, Visit)
            if visit is None or visit.started_at is None:
                continue
            by_day = delivered.setdefault(visit.service_user, {})
            day = visit.started_at.date()
            by_day[day] = by_day.get(day, 0) + visit.minutes
        return delivered

    def weeks(
        self,
        service_user: UUID,
        last: dt.date,
        count: int,
        delivered: dict[dt.date, int] | None = None,
    ) -> list[Period]:
        """The ``count`` weeks (Monday to Sunday) up to the one holding ``last``,
        newest first."""
        monday = last - dt.timedelta(days=last.weekday())
        starts = [monday - dt.timedelta(weeks=n) for n in range(count)]
        spans = [(s, s + dt.timedelta(days=6)) for s in starts]
        return self._periods(service_user, spans, delivered)

    def months(
        self,
        service_user: UUID,
        last: dt.date,
        count: int,
        delivered: dict[dt.date, int] | None = None,
    ) -> list[Period]:
        """The ``count`` calendar months up to the one holding ``last``, newest
        first."""
        spans: list[tuple[dt.date, dt.date]] = []
        first = last.replace(day=1)
        for _ in range(count):
            following = (first + dt.timedelta(days=32)).replace(day=1)
            spans.append((first, following - dt.timedelta(days=1)))
            first = (first - dt.timedelta(days=1)).replace(day=1)
        return self._periods(service_user, spans, delivered)

    def _periods(
        self,
        service_user: UUID,
        spans: list[tuple[dt.date, dt.date]],
        delivered: dict[dt.date, int] | None,
    ) -> list[Period]:
        """``delivered`` is the person's by day, when the caller has read them
        already (a page of many people reads every visit once)."""
        funding = self.funding_of(service_user)
        if delivered is None:
            delivered = self.delivered_minutes().get(service_user, {})
        periods = []
        for first, final in spans:
            days = [
                first + dt.timedelta(days=n) for n in range((final - first).days + 1)
            ]
            # A week's commission spread over its seven days, so that a month,
            # or a week in which the arrangement changed, gets its share.
            sevenths = sum(
                a.weekly_minutes
                for day in days
                if funding is not None and (a := funding.in_force(day)) is not None
            )
            periods.append(
                Period(
                    first,
                    final,
                    round(sevenths / 7),
                    sum(delivered.get(day, 0) for day in days),
                )
            )
        return periods


def _arranged(
    p: SharingPolicy, e: Funding.Arranged | Funding.Rearranged
) -> shared.FundingArranged:
    return shared.FundingArranged(
        arrangement=p.pseudonym(e.originator_id),
        funder=e.funder,  # type: ignore[arg-type]  # checked when arranged
        weekly_minutes=e.weekly_minutes,
        starts_on=e.starts_on,
    )


FUNDING_SHARING: dict[str, Rule] = {
    Funding.Arranged.TOPIC: Rule(shared.FundingArranged, _arranged),
    Funding.Rearranged.TOPIC: Rule(shared.FundingArranged, _arranged),
}
