"""The figures of the co-op's social report for a calendar year (the Italian
bilancio sociale, a UK impact report), from the node's own records.

Counts and totals only: no name, contact or anything written about a person is
read into them, so the report can be printed and published by the board. The
node keeps them exact (no suppression of small counts: that is for what the
consortium publishes about co-ops, federation.suppression).

Each figure is judged by the day the record says it happened (admitted on,
delivered on, left on...), not by when it was typed in, so a record entered
late still counts in its own year. A year still running counts up to today.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from uuid import UUID

import msgspec

from node.application import CoopNode
from node.ballots import Ballot
from node.care import CarePlan
from node.compliance import ComplianceRecord
from node.membership import Member
from node.rules import share
from node.social_report_draft import SocialReport
from node.spinoff import SpinOff
from node.timebank import TimeAccount
from schemas.mirror import Comparison
from toolkit.aggregates import events_with, ids_with


class MembershipFigures(msgspec.Struct, frozen=True):
    # Admitted members by class at the end of 31 December of the year before,
    # and of the year itself.
    members_at_start: dict[str, int]
    members_at_end: dict[str, int]
    admitted: int
    left: int


class DemocracyFigures(msgspec.Struct, frozen=True):
    # General meetings held in the year, and those whose attendance (in person
    # or by proxy) reached the rules' quorum of the members on the day.
    general_meetings: int
    quorate_meetings: int
    # Ballots (proposals and elections) closed in the year, their electors and
    # votes summed over them.
    ballots: int
    quorate_ballots: int
    electors: int
    votes_cast: int
    turnout_percent: int | None


class ServiceFigures(msgspec.Struct, frozen=True):
    visits_delivered: int
    minutes_delivered: int
    visits_missed: int
    people_supported: int  # distinct people who had a visit delivered
    care_plans: int  # plans open at some time in the year
    plans_reviewed: int  # plans with at least one review in the year
    plans_improved: int  # of those, plans whose average goal score rose
    # The average change of a reviewed plan's average goal score (performance
    # and satisfaction, 1 to 10) over the year, to one decimal.
    score_change: Decimal | None


class WorkforceFigures(msgspec.Struct, frozen=True):
    workers_at_start: int
    workers_at_end: int
    starters: int
    leavers: int
    # Leavers against the average of the headcounts at start and end.
    turnover_percent: int | None
    trainings: int  # trainings done in the year, as recorded


class VolunteeringFigures(msgspec.Struct, frozen=True):
    enrolled_volunteers: int  # members enrolled as volunteers in the year
    volunteers_credited: int  # members whose time account earned volunteering
    volunteer_minutes: int
    timebank_exchanges: int  # transfers between time accounts
    timebank_minutes: int


class FoundedCoop(msgspec.Struct, frozen=True):
    """A co-op this one founded (a spin-off provisioned): co-ops, not people."""

    name: str
    coop_id: str
    founded_on: dt.date


class GrowthFigures(msgspec.Struct, frozen=True):
    spinoffs_proposed: int
    spinoffs_founded: int
    founded: list[FoundedCoop]
    founded_ever: int  # the co-op's whole lineage so far


class SocialReportFigures(msgspec.Struct, frozen=True):
    year: int
    first_day: dt.date
    last_day: dt.date
    membership: MembershipFigures
    democracy: DemocracyFigures
    services: ServiceFigures
    workforce: WorkforceFigures
    volunteering: VolunteeringFigures
    growth: GrowthFigures


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def percent(part: int | Fraction, whole: int | Fraction) -> int | None:
    """``part`` of ``whole`` in whole percent (half up); None of nothing."""
    if not whole:
        return None
    exact = Fraction(part) / Fraction(whole) * 100
    value = Decimal(exact.numerator) / Decimal(exact.denominator)
    return int(value.quantize(Decimal(1), ROUND_HALF_UP))


def _tenths(value: Fraction) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal("0.1"), ROUND_HALF_UP)


class ClassHistory:
    """Each member's class over time from their admission, class changes and
    withdrawal: who was an admitted member of which class on a day."""

    def __init__(self, app: CoopNode) -> None:
        self.changes: dict[UUID, list[tuple[dt.date, str | None]]] = defaultdict(list)
        topics = (Member.Admitted.TOPIC, Member.ClassChanged.TOPIC)
        for stored in events_with(app, *topics, Member.Withdrawn.TOPIC):
            timeline = self.changes[stored.originator_id]
            if isinstance(stored, Member.Admitted):
                timeline.append((stored.admitted_on, stored.member_class))
            elif isinstance(stored, Member.ClassChanged):
                timeline.append((stored.changed_on, stored.to_class))
            elif isinstance(stored, Member.Withdrawn):
                timeline.append((stored.withdrawn_on, None))

    def class_on(self, member: UUID, day: dt.date) -> str | None:
        """The member's class at the end of ``day``; None if not admitted then."""
        current = None
        # In the order recorded: a member's own events are in the order of
        # their days (each command checks the member's state first).
        for on, member_class in self.changes.get(member, []):
            if on <= day:
                current = member_class
        return current

    def members_on(self, day: dt.date, classes: Iterable[str]) -> dict[str, int]:
        counts = dict.fromkeys(classes, 0)
        for member in self.changes:
            member_class = self.class_on(member, day)
            if member_class is not None:
                counts[member_class] = counts.get(member_class, 0) + 1
        return counts


def membership_figures(
    app: CoopNode, history: ClassHistory, year: int
) -> MembershipFigures:
    first, last = year_bounds(year)
    classes = app.coop().profile.class_names
    admitted = left = 0
    for stored in events_with(app, Member.Admitted.TOPIC, Member.Withdrawn.TOPIC):
        if isinstance(stored, Member.Admitted) and first <= stored.admitted_on <= last:
            admitted += 1
        if (
            isinstance(stored, Member.Withdrawn)
            and first <= stored.withdrawn_on <= last
        ):
            left += 1
    return MembershipFigures(
        members_at_start=history.members_on(first - dt.timedelta(days=1), classes),
        members_at_end=history.members_on(last, classes),
        admitted=admitted,
        left=left,
    )


def democracy_figures(
    app: CoopNode, history: ClassHistory, year: int, today: dt.date
) -> DemocracyFigures:
    first, last = year_bounds(year)
    quorum = share(app.coop().profile.quorum)
    meetings = quorate_meetings = 0
    for meeting in app.meetings():
        if not first <= meeting.held_on <= min(last, today):
            continue
        meetings += 1
        members = sum(history.members_on(meeting.held_on, ()).values())
        if members and Fraction(len(meeting.attending()), members) >= quorum:
            quorate_meetings += 1
    ballots = quorate = electors = voted = 0
    for stored in events_with(app, Ballot.Closed.TOPIC):
        assert isinstance(stored, Ballot.Closed)
        if first <= stored.closed_on <= last:
            ballots += 1
            quorate += bool(stored.result["quorate"])
            electors += int(stored.result["electorate"])
            voted += int(stored.result["voted"])
    return DemocracyFigures(
        general_meetings=meetings,
        quorate_meetings=quorate_meetings,
        ballots=ballots,
        quorate_ballots=quorate,
        electors=electors,
        votes_cast=voted,
        turnout_percent=percent(voted, electors),
    )


def _average(scores: list[tuple[int, int]]) -> Fraction:
    return Fraction(sum(p + s for p, s in scores), 2 * len(scores))


def _score_change(plan: CarePlan, first: dt.date, last: dt.date) -> Fraction | None:
    """How the plan's average goal score moved over the year: from the scores
    it had when the year began (or it opened) to its last review in the year;
    None if it had no review in the year."""
    # scores[0] are the opening scores; scores[i + 1] those of reviews[i].
    days = [plan.opened_on, *plan.reviews]
    in_year = [i for i, day in enumerate(days) if i and first <= day <= last]
    if not in_year:
        return None
    before = [i for i, day in enumerate(days) if day < first]
    start = before[-1] if before else 0
    return _average(plan.scores[in_year[-1]]) - _average(plan.scores[start])


def service_figures(app: CoopNode, year: int) -> ServiceFigures:
    first, last = year_bounds(year)
    delivered = missed = minutes = 0
    people: set[UUID] = set()
    for visit in app.visits():
        if visit.ended_on is None or not first <= visit.ended_on <= last:
            continue
        if visit.status == "delivered":
            delivered += 1
            minutes += visit.minutes
            people.add(visit.service_user)
        elif visit.status == "missed":
            missed += 1
    plans = 0
    changes: list[Fraction] = []
    for plan in app.care_plans():
        if plan.opened_on > last or (plan.closed_on and plan.closed_on < first):
            continue
        plans += 1
        change = _score_change(plan, first, last)
        if change is not None:
            changes.append(change)
    return ServiceFigures(
        visits_delivered=delivered,
        minutes_delivered=minutes,
        visits_missed=missed,
        people_supported=len(people),
        care_plans=plans,
        plans_reviewed=len(changes),
        plans_improved=sum(1 for c in changes if c > 0),
        score_change=_tenths(sum(changes, Fraction(0)) / len(changes))
        if changes
        else None,
    )


def workforce_figures(app: CoopNode, year: int) -> WorkforceFigures:
    first, last = year_bounds(year)
    eve = first - dt.timedelta(days=1)
    at_start = at_end = starters = leavers = 0
    for worker in app.workers():
        # Employed on a day: joined by then and not yet left (node.workforce).
        at_start += worker.joined_on <= eve and (
            worker.left_on is None or eve < worker.left_on
        )
        at_end += worker.joined_on <= last and (
            worker.left_on is None or last < worker.left_on
        )
        starters += first <= worker.joined_on <= last
        leavers += worker.left_on is not None and first <= worker.left_on <= last
    # A training recorded again for the same day corrects it: counted once.
    trainings: set[tuple[UUID, str, dt.date]] = set()
    for stored in events_with(app, ComplianceRecord.TrainingRecorded.TOPIC):
        assert isinstance(stored, ComplianceRecord.TrainingRecorded)
        if first <= stored.done_on <= last:
            trainings.add((stored.originator_id, stored.name, stored.done_on))
    return WorkforceFigures(
        workers_at_start=at_start,
        workers_at_end=at_end,
        starters=starters,
        leavers=leavers,
        turnover_percent=percent(leavers, Fraction(at_start + at_end, 2)),
        trainings=len(trainings),
    )


def volunteering_figures(app: CoopNode, year: int) -> VolunteeringFigures:
    first, last = year_bounds(year)
    enrolled = {
        v.member
        for v in app.volunteers()
        if v.enrolled_on <= last
        and (v.stood_down_on is None or v.stood_down_on >= first)
    }
    credited: set[UUID] = set()
    volunteer_minutes = exchanges = minutes = 0
    for stored in events_with(app, TimeAccount.Credited.TOPIC):
        assert isinstance(stored, TimeAccount.Credited)
        if not first <= stored.entered_on <= last:
            continue
        # Each transfer credits one account (and debits another): counted once.
        exchanges += 1
        minutes += stored.minutes
        if stored.purpose == "volunteering" and stored.kind == "member":
            volunteer_minutes += stored.minutes
            credited.add(stored.originator_id)
    return VolunteeringFigures(
        enrolled_volunteers=len(enrolled),
        volunteers_credited=len(credited),
        volunteer_minutes=volunteer_minutes,
        timebank_exchanges=exchanges,
        timebank_minutes=minutes,
    )


def growth_figures(app: CoopNode, year: int) -> GrowthFigures:
    first, last = year_bounds(year)
    proposed = 0
    founded: list[FoundedCoop] = []
    founded_ever = 0
    for spinoff_id in ids_with(app, SpinOff.Proposed.TOPIC):
        spinoff = app.spinoff(spinoff_id)
        proposed += first <= spinoff.proposed_on <= last
        for stored in app.repository.event_store.get(spinoff_id):
            if isinstance(stored, SpinOff.Provisioned):
                founded_ever += 1
                if first <= stored.provisioned_on <= last:
                    founded.append(
                        FoundedCoop(spinoff.name, stored.coop_id, stored.provisioned_on)
                    )
    return GrowthFigures(
        spinoffs_proposed=proposed,
        spinoffs_founded=len(founded),
        founded=sorted(founded, key=lambda c: (c.founded_on, c.coop_id)),
        founded_ever=founded_ever,
    )


def social_report_figures(
    app: CoopNode, year: int, today: dt.date | None = None
) -> SocialReportFigures:
    """Every figure of the report for ``year``, as the records stand now."""
    first, last = year_bounds(year)
    history = ClassHistory(app)
    return SocialReportFigures(
        year=year,
        first_day=first,
        last_day=last,
        membership=membership_figures(app, history, year),
        democracy=democracy_figures(app, history, year, today or dt.date.today()),
        services=service_figures(app, year),
        workforce=workforce_figures(app, year),
        volunteering=volunteering_figures(app, year),
        growth=growth_figures(app, year),
    )


class NetworkComparison(msgspec.Struct, frozen=True):
    """How the co-op compared with the network in the year's last month that the
    consortium sent a mirror of (node.network_mirror)."""

    period: str  # "YYYY-MM"
    comparisons: list[Comparison]


def network_comparison(app: CoopNode, year: int) -> NetworkComparison | None:
    """The report's "how we compare with the network" section: the latest
    mirror of a month of ``year`` the node holds, or none."""
    for received in app.mirrors_received():  # newest month first
        if received.mirror.period.startswith(f"{year:04d}-"):
            return NetworkComparison(
                received.mirror.period, received.mirror.comparisons
            )
    return None


def frozen_or_current(
    app: CoopNode, report: SocialReport, today: dt.date | None = None
) -> SocialReportFigures:
    """An adopted report's figures as adopted; a draft's as they stand now."""
    if report.figures is not None:
        return msgspec.convert(report.figures, SocialReportFigures, strict=False)
    return social_report_figures(app, report.year, today)


def adopt(
    app: CoopNode, year: int, adopted_by: str, today: dt.date | None = None
) -> None:
    """The board adopts the year's report: its figures, computed now, are frozen
    in the adoption."""
    figures = social_report_figures(app, year, today)
    app.adopt_social_report(year, msgspec.to_builtins(figures), adopted_by, today)
