"""Care plans co-designed with the service user, with COPM-style outcome scores.

Each goal is written in the person's own words and scored for performance and
satisfaction (1 to 10) at the start and at each review. Goal text and review notes
stay in the node: only the scores, by position, are shared.
"""

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, get_args
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from node.coop import CoopBase
from node.corrections import Correctable, Corrected
from node.errors import InvalidScore, PlanClosed, UnknownCarePlan, UnknownReason
from node.membership import admitted_member
from node.records import load
from node.sharing import Rule
from schemas import care as shared
from toolkit.aggregates import ids_with

PLAN_CLOSE_REASONS: tuple[str, ...] = get_args(shared.PlanCloseReason)


class CarePlan(Aggregate, Correctable):
    TOPIC = "commonweal.care_plan"
    CORRECTABLE = frozenset({"goals", "review_notes", "close_notes"})

    class Event(Aggregate.Event):
        TOPIC = "commonweal.care_plan.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.care_plan.created"

    class Opened(Created):
        TOPIC = "commonweal.care_plan.opened"
        service_user: UUID
        # [{"goal": text in the person's words, "performance": n, "satisfaction": n}]
        goals: list[dict[str, Any]]
        opened_on: dt.date

    class Reviewed(Event):
        TOPIC = "commonweal.care_plan.reviewed"
        scores: list[dict[str, int]]
        notes: str
        reviewed_on: dt.date

    class FieldCorrected(Corrected, Event):
        TOPIC = "commonweal.care_plan.field_corrected"
        field: str
        value: str
        by: UUID | None

    class Closed(Event):
        TOPIC = "commonweal.care_plan.closed"
        reason: str
        notes: str
        closed_on: dt.date

    @event(Opened)
    def __init__(
        self, service_user: UUID, goals: list[dict[str, Any]], opened_on: dt.date
    ) -> None:
        self.service_user = service_user
        self.goals = [g["goal"] for g in goals]
        self.scores = [[_pair(g) for g in goals]]  # start, then one per review
        self.reviews: list[dt.date] = []
        self.review_notes: list[str] = []  # one per review, read back on its page
        self.opened_on = opened_on
        self.closed_on: dt.date | None = None
        self.close_reason = ""
        self.close_notes = ""

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    def review(
        self, scores: Sequence[tuple[int, int]], notes: str, reviewed_on: dt.date
    ) -> None:
        self._require_open("reviewed")
        if len(scores) != len(self.goals):
            raise InvalidScore(
                f"care plan {self.id} has {len(self.goals)} goals; "
                f"the review scores {len(scores)}"
            )
        checked = [_scores(p, s) for p, s in scores]
        self._reviewed(checked, notes, reviewed_on)

    @event(Reviewed)
    def _reviewed(
        self, scores: list[dict[str, int]], notes: str, reviewed_on: dt.date
    ) -> None:
        self.scores.append([_pair(s) for s in scores])
        self.reviews.append(reviewed_on)
        self.review_notes.append(notes)

    def close(self, reason: str, notes: str, closed_on: dt.date) -> None:
        self._require_open("closed")
        if reason not in PLAN_CLOSE_REASONS:
            raise UnknownReason(
                f"{reason!r} is not a reason for closing a plan; "
                f"reasons are: {', '.join(PLAN_CLOSE_REASONS)}"
            )
        self._closed(reason, notes, closed_on)

    @event(Closed)
    def _closed(self, reason: str, notes: str, closed_on: dt.date) -> None:
        self.closed_on = closed_on
        self.close_reason = reason
        self.close_notes = notes

    def _require_open(self, action: str) -> None:
        if self.closed_on is not None:
            raise PlanClosed(
                f"care plan {self.id} was closed on {self.closed_on}; "
                f"a closed plan cannot be {action}"
            )


def _scores(performance: int, satisfaction: int) -> dict[str, int]:
    for name, value in (("performance", performance), ("satisfaction", satisfaction)):
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not 1 <= value <= 10
        ):
            raise InvalidScore(f"{name} score must be 1 to 10, got {value!r}")
    return {"performance": performance, "satisfaction": satisfaction}


def _pair(score: dict[str, Any]) -> tuple[int, int]:
    return (score["performance"], score["satisfaction"])


class CareCommands(CoopBase):
    def open_care_plan(
        self,
        service_user: UUID,
        goals: Sequence[tuple[str, int, int]],
        opened_on: dt.date | None = None,
    ) -> UUID:
        """Open a plan; each goal is (text in the person's words, performance,
        satisfaction)."""
        admitted_member(self, service_user, "service user")
        if not goals:
            raise InvalidScore("a care plan needs at least one goal")
        checked = []
        for text, performance, satisfaction in goals:
            if not text.strip():
                raise InvalidScore("each goal needs the person's own words")
            checked.append({"goal": text, **_scores(performance, satisfaction)})
        plan = CarePlan(
            service_user=service_user,
            goals=checked,
            opened_on=opened_on or dt.date.today(),
        )
        self.save(plan)
        return plan.id

    def review_care_plan(
        self,
        plan_id: UUID,
        scores: Sequence[tuple[int, int]],
        notes: str = "",
        reviewed_on: dt.date | None = None,
    ) -> None:
        """Record a review: one (performance, satisfaction) per goal, in order."""
        plan = self.care_plan(plan_id)
        plan.review(scores, notes, reviewed_on or dt.date.today())
        self.save(plan)

    def close_care_plan(
        self,
        plan_id: UUID,
        reason: str,
        notes: str = "",
        closed_on: dt.date | None = None,
    ) -> None:
        plan = self.care_plan(plan_id)
        plan.close(reason, notes, closed_on or dt.date.today())
        self.save(plan)

    def care_plan(self, plan_id: UUID) -> CarePlan:
        return load(self, plan_id, CarePlan, UnknownCarePlan)

    def care_plans(self) -> Iterator[CarePlan]:
        for plan_id in ids_with(self, CarePlan.Opened.TOPIC):
            yield self.care_plan(plan_id)


def _shared_scores(scores: list[dict[str, Any]]) -> list[shared.Score]:
    return [shared.Score(s["performance"], s["satisfaction"]) for s in scores]


CARE_PLAN_SHARING: dict[str, Rule] = {
    CarePlan.Opened.TOPIC: Rule(
        shared.CarePlanOpened,
        lambda p, e: shared.CarePlanOpened(
            plan=p.pseudonym(e.originator_id),
            scores=_shared_scores(e.goals),
            opened_on=e.opened_on,
        ),
    ),
    CarePlan.Reviewed.TOPIC: Rule(
        shared.CarePlanReviewed,
        lambda p, e: shared.CarePlanReviewed(
            plan=p.pseudonym(e.originator_id),
            scores=_shared_scores(e.scores),
            reviewed_on=e.reviewed_on,
        ),
    ),
    CarePlan.Closed.TOPIC: Rule(
        shared.CarePlanClosed,
        lambda p, e: shared.CarePlanClosed(
            plan=p.pseudonym(e.originator_id),
            reason=e.reason,
            closed_on=e.closed_on,
        ),
    ),
}
