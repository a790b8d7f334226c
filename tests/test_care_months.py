"""Each month's care figures, summarised by the node once the month is over plus
a week: continuity (different carers per person) and compliance (carers holding
what the co-op's services require). Shared as counts, with no pseudonym."""

import datetime as dt

import msgspec

from node.application import ALLOWLIST, CoopNode
from node.care_months import CareMonth
from node.sharing import SharingPolicy
from schemas.care import CareMonthSummarised
from tests.test_care import member
from toolkit.aggregates import events_with

MARCH = dt.date(2026, 3, 1)


def deliver(app: CoopNode, user: object, worker: object, day: int) -> None:
    at = dt.datetime(2026, 3, day, 10)
    visit = app.schedule_visit(user, at, ["cleaning"])  # type: ignore[arg-type]
    app.deliver_visit(visit, worker, at, 60)  # type: ignore[arg-type]


def test_a_month_is_summarised_once_a_week_after_it_ends(app: CoopNode) -> None:
    ann, bob = member(app, "service_user"), member(app, "service_user")
    rosa, omar, lena = (member(app, "worker") for _ in range(3))
    for carer in (rosa, omar, lena):
        app.hire_worker(carer, dt.date(2026, 3, 2))
    app.worker_leaves(app.hire_worker(member(app, "worker"), MARCH), "", MARCH)
    deliver(app, ann, rosa, 3)
    deliver(app, ann, omar, 10)
    deliver(app, ann, lena, 17)
    deliver(app, ann, rosa, 24)
    deliver(app, bob, omar, 5)
    app.schedule_visit(bob, dt.datetime(2026, 3, 20, 9), ["cleaning"])  # not done

    assert app.summarise_care_months(dt.date(2026, 4, 7)) == []
    assert app.summarise_care_months(dt.date(2026, 4, 8)) == [MARCH]
    month = app.care_month(MARCH)
    assert month is not None
    figures = (month.service_users, month.carer_links, month.seen_by_few)
    assert figures == (2, 4, 1)  # Ann saw three carers, Bob one
    # On 31 March three workers were employed (the fourth left on the 1st), and
    # with no requirements recorded each holds all that is required.
    assert (month.carers, month.compliant_carers) == (3, 3)

    before = app.recorder.max_notification_id()
    assert app.summarise_care_months(dt.date(2026, 5, 1)) == []  # April: no one
    assert app.care_month(dt.date(2026, 4, 1)) is None
    assert app.summarise_care_months(dt.date(2026, 5, 8)) == [dt.date(2026, 4, 1)]
    assert app.summarise_care_months(dt.date(2026, 5, 8)) == []
    assert app.recorder.max_notification_id() == (before or 0) + 1


def test_the_shared_summary_is_counts_and_nothing_else(app: CoopNode) -> None:
    ann, rosa = member(app, "service_user"), member(app, "worker")
    app.hire_worker(rosa, MARCH)
    deliver(app, ann, rosa, 3)
    app.summarise_care_months(dt.date(2026, 4, 8))
    (summarised,) = events_with(app, CareMonth.Summarised.TOPIC)
    shared = SharingPolicy(b"s" * 32, ALLOWLIST).share(summarised)
    assert shared is not None
    assert isinstance(shared.payload, CareMonthSummarised)
    assert msgspec.to_builtins(shared.payload) == {
        "month": "2026-03-01",
        "service_users": 1,
        "carer_links": 1,
        "seen_by_few": 1,
        "carers": 1,
        "compliant_carers": 1,
    }
