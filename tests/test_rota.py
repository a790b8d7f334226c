"""The rota (node.rota, node.recurring_visits): weekly visits booked all at once
at the same wall-clock time across a change of clocks, ended with their visits to
come cancelled; a worker refused, with the clash named, for a visit when already
elsewhere, off or on leave; visits to reassign listed; continuity counted by
calendar month. Domain on both stores, then the API and pages."""

import datetime as dt
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from node.application import CoopNode
from node.errors import DoubleBooked, InvalidPattern, OnLeave, OutsideAvailability
from node.rota import Slot
from tests.test_care import DAY, member

LONDON = "Europe/London"
ZONE = ZoneInfo(LONDON)
NINE = dt.time(9)
# Clocks go forward in the UK on Sunday 29 March 2026.
MONDAY = dt.date(2026, 3, 23)


def carer(app: CoopNode) -> UUID:
    worker = member(app, "worker")
    app.hire_worker(worker, DAY)
    return worker


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), ZONE)


def visit_count(app: CoopNode) -> int:
    return len(list(app.visits()))


def test_weekly_visits_keep_their_time_across_a_change_of_clocks(
    app: CoopNode,
) -> None:
    user, rosa = member(app, "service_user"), carer(app)
    pattern_id = app.schedule_weekly(
        user,
        [0, 3],  # Mondays and Thursdays
        NINE,
        MONDAY,
        MONDAY + dt.timedelta(days=13),
        ["cleaning"],
        worker=rosa,
        planned_minutes=45,
        time_zone=LONDON,
    )
    pattern = app.pattern(pattern_id)
    visits = [app.visit(i) for i in pattern.visits]
    assert [v.scheduled_for.date() for v in visits] == [
        dt.date(2026, 3, 23),
        dt.date(2026, 3, 26),
        dt.date(2026, 3, 30),
        dt.date(2026, 4, 2),
    ]
    assert {v.scheduled_for.astimezone(ZONE).time() for v in visits} == {NINE}
    in_utc = [v.scheduled_for.astimezone(dt.UTC).hour for v in visits]
    assert in_utc == [9, 9, 8, 8]
    assert {(v.assigned_to, v.planned_minutes) for v in visits} == {(rosa, 45)}

    # Ended from the 30th: the two visits to come are cancelled, not the others.
    app.end_weekly(pattern_id, dt.date(2026, 3, 30))
    assert [app.visit(v.id).status for v in visits] == [
        "scheduled",
        "scheduled",
        "cancelled",
        "cancelled",
    ]
    assert app.pattern(pattern_id).last_day == dt.date(2026, 3, 29)
    with pytest.raises(InvalidPattern):
        app.end_weekly(pattern_id, dt.date(2026, 3, 30))


def test_a_pattern_moves_to_another_worker_from_a_day(app: CoopNode) -> None:
    user, rosa, tom = member(app, "service_user"), carer(app), carer(app)
    pattern_id = app.schedule_weekly(
        user, [1], NINE, MONDAY, MONDAY + dt.timedelta(days=20), ["cleaning"], rosa
    )
    app.reassign_weekly(pattern_id, tom, dt.date(2026, 4, 1))
    visits = [app.visit(i) for i in app.pattern(pattern_id).visits]
    assert [v.assigned_to for v in visits] == [rosa, rosa, tom]


def test_one_clash_refuses_the_whole_pattern_naming_it(app: CoopNode) -> None:
    user, rosa = member(app, "service_user"), carer(app)
    other = member(app, "service_user")
    booked = app.schedule_visit(
        other, at(dt.date(2026, 3, 30), 9, 30), ["cleaning"], worker=rosa
    )
    before = visit_count(app)
    with pytest.raises(DoubleBooked) as refused:
        app.schedule_weekly(
            user,
            [0],
            NINE,
            MONDAY,
            MONDAY + dt.timedelta(weeks=3),
            ["cleaning"],
            rosa,
            time_zone=LONDON,
        )
    assert str(booked) in str(refused.value)
    assert "2026-03-30" in str(refused.value)
    assert refused.value.starts == at(dt.date(2026, 3, 30), 9, 30)
    assert visit_count(app) == before
    assert list(app.patterns()) == []

    # The same hour for another worker, or an hour later for her, is free.
    app.schedule_visit(
        user, at(dt.date(2026, 3, 30), 10, 30), ["cleaning"], worker=rosa
    )
    with pytest.raises(DoubleBooked):
        app.assign_visit(
            app.schedule_visit(user, at(dt.date(2026, 3, 30), 9), ["cleaning"]), rosa
        )
    with pytest.raises(InvalidPattern):
        app.schedule_weekly(
            user, [0], NINE, MONDAY, MONDAY + dt.timedelta(weeks=27), ["cleaning"]
        )


def test_leave_and_availability_refuse_a_visit_and_list_those_to_reassign(
    app: CoopNode,
) -> None:
    user, rosa = member(app, "service_user"), carer(app)
    monday = dt.date(2026, 4, 6)
    given = app.schedule_visit(user, at(monday, 15), ["cleaning"], worker=rosa)
    weekdays = [Slot(day, dt.time(8), dt.time(14)) for day in range(5)]
    app.set_availability(rosa, weekdays, LONDON)

    with pytest.raises(OutsideAvailability):
        app.schedule_visit(user, at(monday, 13, 30), ["cleaning"], worker=rosa)
    with pytest.raises(OutsideAvailability):  # a Saturday
        app.schedule_visit(
            user, at(monday + dt.timedelta(5), 9), ["cleaning"], worker=rosa
        )
    app.schedule_visit(user, at(monday, 8), ["cleaning"], worker=rosa)

    leave = app.take_leave(rosa, "annual_leave", monday, monday + dt.timedelta(4))
    with pytest.raises(OnLeave) as refused:
        app.schedule_visit(user, at(monday, 10), ["cleaning"], worker=rosa)
    assert "from 2026-04-06 to 2026-04-10" in str(refused.value)
    # Visits given before the leave was taken are listed, not changed.
    listed = app.visits_to_reassign()
    assert {(visit.id, found.id) for visit, found in listed} >= {(given, leave)}
    assert app.visit(given).assigned_to == rosa

    app.cancel_leave(rosa, leave)
    app.schedule_visit(user, at(monday, 10), ["cleaning"], worker=rosa)
    assert app.visits_to_reassign() == []


def test_continuity_counts_carers_by_calendar_month(app: CoopNode) -> None:
    user, other = member(app, "service_user"), member(app, "service_user")
    rosa, tom, ada = carer(app), carer(app), carer(app)
    deliveries = [
        (user, rosa, at(dt.date(2026, 3, 31), 9)),
        (user, tom, at(dt.date(2026, 3, 31), 18)),
        (user, rosa, at(dt.date(2026, 3, 3), 9)),
        (user, ada, at(dt.date(2026, 4, 1), 9)),
        (other, ada, at(dt.date(2026, 4, 30), 23)),
    ]
    for who, by, when in deliveries:
        visit_id = app.schedule_visit(who, when, ["cleaning"])
        app.deliver_visit(visit_id, by, when, 30)
    app.schedule_visit(user, at(dt.date(2026, 3, 20), 9), ["cleaning"], worker=tom)

    assert app.continuity(dt.date(2026, 3, 15)) == {user: 2}
    assert app.continuity(dt.date(2026, 4, 1)) == {user: 1, other: 1}
    assert app.continuity(dt.date(2026, 5, 1)) == {}
