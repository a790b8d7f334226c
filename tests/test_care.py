"""Care plans, visits, incidents, workforce and expenses in the node, on both
store backends (SQLite file and PostgreSQL)."""

import datetime as dt
from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest

from node.application import CoopNode
from node.errors import (
    DomainError,
    ExpenseNotApproved,
    InvalidDuration,
    InvalidScore,
    InvalidTransition,
    NotAMember,
    PlanClosed,
    UnknownReason,
    UnknownServiceType,
    UnknownVisit,
)
from node.rules import profile_named
from toolkit.config import StoreConfig

DAY = dt.date(2026, 3, 2)
AT = dt.datetime(2026, 3, 2, 10, 30)


def member(app: CoopNode, member_class: str, admit: bool = True) -> UUID:
    member_id = app.apply_for_membership(
        name="Rosa Bianchi",
        email="rosa@example.org",
        address="12 Mill Lane",
        member_class=member_class,
        applied_on=DAY,
    )
    if admit:
        app.admit_member(member_id, DAY)
    return member_id


def stored_events(app: CoopNode) -> int:
    return app.recorder.max_notification_id() or 0


def test_a_care_plan_is_opened_reviewed_and_closed(app: CoopNode) -> None:
    user = member(app, "service_user")
    plan_id = app.open_care_plan(
        user, [("Walk to the shop on my own", 3, 4), ("Cook for my family", 5, 2)], DAY
    )
    app.review_care_plan(plan_id, [(5, 6), (6, 5)], "walked twice", DAY)
    app.review_care_plan(plan_id, [(7, 8), (6, 6)], "", DAY + dt.timedelta(days=90))
    app.close_care_plan(plan_id, "goals_met", "", DAY + dt.timedelta(days=120))
    plan = app.care_plan(plan_id)
    assert plan.goals == ["Walk to the shop on my own", "Cook for my family"]
    assert plan.scores == [[(3, 4), (5, 2)], [(5, 6), (6, 5)], [(7, 8), (6, 6)]]
    assert plan.is_closed
    assert [p.id for p in app.care_plans()] == [plan_id]


def test_a_visit_is_delivered_with_minutes_split_over_its_services(
    app: CoopNode,
) -> None:
    user, volunteer = member(app, "service_user"), member(app, "volunteer")
    visit_id = app.schedule_visit(
        user, AT, ["personal_care", "meals_shopping", "befriending"], "12 Mill Lane"
    )
    app.deliver_visit(visit_id, volunteer, AT, 100, notes="all well")
    visit = app.visit(visit_id)
    assert visit.status == "delivered"
    assert visit.worker_class == "volunteer"
    assert visit.minutes_by_service == {
        "personal_care": 34,
        "meals_shopping": 33,
        "befriending": 33,
    }
    missed = app.schedule_visit(user, AT, ["cleaning"])
    app.miss_visit(missed, "no_access", "nobody answered")
    cancelled = app.schedule_visit(user, AT, ["transport"])
    app.cancel_visit(cancelled, "in_hospital", "", DAY)
    assert [v.status for v in app.visits()] == ["delivered", "missed", "cancelled"]


def test_incidents_and_workforce_and_expenses(app: CoopNode) -> None:
    user, worker, volunteer = (
        member(app, "service_user"),
        member(app, "worker"),
        member(app, "volunteer"),
    )
    visit_id = app.schedule_visit(user, AT, ["cleaning"])
    concern = app.raise_incident("safeguarding", "bruise on arm", DAY, visit_id)
    app.close_incident(concern, "referred to council", DAY)
    assert app.incident(concern).closed_on == DAY
    spell = app.hire_worker(worker, DAY, disadvantaged=True)
    with pytest.raises(InvalidTransition, match="already employed"):
        app.hire_worker(worker, DAY)
    app.worker_leaves(spell, "moved", DAY + dt.timedelta(days=30))
    assert not app.worker(spell).is_employed
    claim = app.claim_expense(volunteer, "travel", 1250, "bus to Mrs B", DAY)
    app.approve_expense(claim, DAY)
    app.pay_expense(claim, DAY)
    assert app.expense_claim(claim).status == "paid"


class World:
    """Everything the bad commands act on, made before counting events."""

    def __init__(self, app: CoopNode) -> None:
        self.user = member(app, "service_user")
        self.worker = member(app, "worker")
        self.applicant = member(app, "worker", admit=False)
        self.visit = app.schedule_visit(self.user, AT, ["cleaning"])
        self.plan = app.open_care_plan(self.user, [("Walk to the park", 3, 3)])
        self.closed_plan = app.open_care_plan(self.user, [("Sleep well", 2, 2)])
        app.close_care_plan(self.closed_plan, "moved_away", "", DAY)
        volunteer = member(app, "volunteer")
        self.volunteer = volunteer
        self.rejected = app.claim_expense(volunteer, "meals", 800, "lunch", DAY)
        app.reject_expense(self.rejected, "no_receipt", "", DAY)
        self.undecided = app.claim_expense(volunteer, "uniform", 2000, "", DAY)


Command = Callable[[CoopNode, World], Any]
BAD: dict[str, tuple[Command, type[DomainError]]] = {
    "negative duration": (
        lambda a, w: a.deliver_visit(w.visit, w.worker, AT, -30),
        InvalidDuration,
    ),
    "zero duration": (
        lambda a, w: a.deliver_visit(w.visit, w.worker, AT, 0),
        InvalidDuration,
    ),
    "visit by a stranger": (
        lambda a, w: a.deliver_visit(w.visit, uuid4(), AT, 30),
        NotAMember,
    ),
    "visit by an applicant not admitted": (
        lambda a, w: a.deliver_visit(w.visit, w.applicant, AT, 30),
        NotAMember,
    ),
    "visit for a non-member": (
        lambda a, w: a.schedule_visit(uuid4(), AT, ["cleaning"]),
        NotAMember,
    ),
    "unknown service type": (
        lambda a, w: a.schedule_visit(w.user, AT, ["astrology"]),
        UnknownServiceType,
    ),
    "delivering an unknown visit": (
        lambda a, w: a.deliver_visit(uuid4(), w.worker, AT, 30),
        UnknownVisit,
    ),
    "missed with an unknown reason": (
        lambda a, w: a.miss_visit(w.visit, "felt like it"),
        UnknownReason,
    ),
    "review of a closed plan": (
        lambda a, w: a.review_care_plan(w.closed_plan, [(5, 5)]),
        PlanClosed,
    ),
    "score out of range": (
        lambda a, w: a.open_care_plan(w.user, [("Walk", 0, 11)]),
        InvalidScore,
    ),
    "review scoring the wrong number of goals": (
        lambda a, w: a.review_care_plan(w.plan, [(4, 4), (5, 5)]),
        InvalidScore,
    ),
    "payment of a rejected claim": (
        lambda a, w: a.pay_expense(w.rejected),
        ExpenseNotApproved,
    ),
    "payment of an undecided claim": (
        lambda a, w: a.pay_expense(w.undecided),
        ExpenseNotApproved,
    ),
    "claim by a stranger": (
        lambda a, w: a.claim_expense(uuid4(), "travel", 500),
        NotAMember,
    ),
    "worker who is not a member": (
        lambda a, w: a.hire_worker(w.applicant, DAY),
        NotAMember,
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_commands_raise_a_clear_error_and_write_nothing(
    app: CoopNode, case: str
) -> None:
    command, error = BAD[case]
    world = World(app)
    before = stored_events(app)
    with pytest.raises(error) as raised:
        command(app, world)
    assert str(raised.value)  # says what is wrong
    assert stored_events(app) == before
    # The aggregates acted on are unchanged when read back.
    assert app.visit(world.visit).status == "scheduled"
    assert len(app.care_plan(world.plan).scores) == 1
    assert app.expense_claim(world.rejected).status == "rejected"


def test_the_service_types_come_from_the_coops_rules(store: StoreConfig) -> None:
    profile = msgspec.structs.replace(
        profile_named("quebec_solidarity"), service_types=("repas", "transport")
    )
    app = CoopNode("beta", store.env())
    try:
        app.found_coop("Beta", profile, DAY)
        user = member(app, "user")
        app.schedule_visit(user, AT, ["repas"])
        with pytest.raises(UnknownServiceType, match="repas, transport"):
            app.schedule_visit(user, AT, ["cleaning"])
    finally:
        app.close()
