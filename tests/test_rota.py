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
from tests.node_api import admitted_member, call, events, post_form, staff_token
from tests.page_text import UUID_TEXT, error_beside, visible_text
from tests.test_care import DAY, member
from tests.web import LiveNode

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
    # Moving her visit onto the one she already goes to is refused too, and the
    # visit stays where it was; moving it to a free hour is not.
    later = app.schedule_visit(
        user, at(dt.date(2026, 3, 30), 13), ["cleaning"], worker=rosa
    )
    with pytest.raises(DoubleBooked):
        app.reschedule_visit(later, at(dt.date(2026, 3, 30), 9, 45))
    assert app.visit(later).scheduled_for == at(dt.date(2026, 3, 30), 13)
    app.reschedule_visit(later, at(dt.date(2026, 3, 30), 14))


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


# The API and the pages.


async def _people(http: LiveNode) -> tuple[str, str, str]:
    """A coordinator's token, a service user and an employed worker."""
    _, coordinator = await staff_token(http, "coordinator", "Cal Roy")
    user, _ = await admitted_member(http, "service_user", "Una Ward")
    worker, _ = await admitted_member(http, "worker", "Wren Hale")
    http.node.coop_node.hire_worker(UUID(worker), DAY)
    return coordinator, user, worker


async def test_a_double_booking_is_refused_naming_the_clash(
    http_node: LiveNode,
) -> None:
    coordinator, user, wren = await _people(http_node)
    status, visit = await call(
        http_node,
        "POST",
        "/api/visits",
        token=coordinator,
        json={
            "service_user": user,
            "scheduled_for": "2026-03-30T09:30:00+01:00",
            "service_types": ["cleaning"],
            "worker": wren,
            "planned_minutes": 45,
        },
    )
    assert status == 201, visit
    assert (visit["assigned_to"], visit["planned_minutes"]) == (wren, 45)

    weekly = {
        "service_user": user,
        "weekdays": [0],
        "time": "09:00",
        "first_day": "2026-03-23",
        "weeks": 3,
        "service_types": ["cleaning"],
        "worker": wren,
        "time_zone": LONDON,
    }
    before = events(http_node)
    status, refused = await call(
        http_node, "POST", "/api/rota/patterns", token=coordinator, json=weekly
    )
    assert status == 409, refused
    assert refused["error"]["code"] == "double_booked", refused
    assert (
        visit["id"] in refused["error"]["message"]
        and "2026-03-30" in refused["error"]["message"]
    )
    # The page says it beside the worker, by time and never by id.
    form = [(k, str(v)) for k, v in weekly.items() if k not in ("weekdays", "weeks")]
    form = [*form, ("weekdays", "0"), ("last_day", "2026-04-12")]
    form = [(k, v) for k, v in form if k not in ("service_types", "time_zone")]
    form.append(("service_types", "cleaning"))
    status, page = await post_form(http_node, "/staff/rota/patterns", coordinator, form)
    assert status == 409
    said = error_beside(page, "pattern-worker")
    assert said.startswith("Already going to another visit from")
    assert events(http_node) == before

    # An hour later it fits: three Mondays, found on the list, then ended.
    status, booked = await call(
        http_node,
        "POST",
        "/api/rota/patterns",
        token=coordinator,
        json={**weekly, "time": "10:15"},
    )
    assert status == 201, booked
    assert (len(booked["visits"]), booked["last_day"]) == (3, "2026-04-12")
    status, listed = await call(
        http_node, "GET", "/api/rota/patterns", token=coordinator
    )
    assert [p["id"] for p in listed] == [booked["id"]]
    status, ended = await call(
        http_node,
        "POST",
        f"/api/rota/patterns/{booked['id']}/end",
        token=coordinator,
        json={"from_day": "2026-03-30"},
    )
    assert (status, ended["ended"], ended["last_day"]) == (200, True, "2026-03-29")
    app = http_node.node.coop_node
    statuses = [app.visit(UUID(i)).status for i in booked["visits"]]
    assert statuses == ["scheduled", "cancelled", "cancelled"]


async def test_leave_and_hours_on_the_rota_page(http_node: LiveNode) -> None:
    coordinator, user, wren = await _people(http_node)
    status, visit = await call(
        http_node,
        "POST",
        "/api/visits",
        token=coordinator,
        json={
            "service_user": user,
            "scheduled_for": "2026-04-07T15:00:00+01:00",
            "service_types": ["cleaning"],
            "worker": wren,
        },
    )
    assert status == 201, visit
    status, carer = await call(
        http_node,
        "POST",
        f"/api/rota/carers/{wren}/leave",
        token=coordinator,
        json={"kind": "sick", "first_day": "2026-04-06", "last_day": "2026-04-08"},
    )
    assert status == 201, carer
    leave = carer["leave"][0]["id"]
    status, page = await call(http_node, "GET", "/staff/rota", token=coordinator)
    assert status == 200
    text = visible_text(page)
    reassign = text[text.index("Visits to reassign") : text.index("Weekly visits")]
    assert "Una Ward" in reassign and "Wren Hale is on sick leave" in reassign
    assert not UUID_TEXT.search(text)

    # On leave: a visit that day is refused, on the API and beside the field.
    status, refused = await call(
        http_node,
        "POST",
        f"/api/visits/{visit['id']}/assign",
        token=coordinator,
        json={"worker": wren},
    )
    assert (status, refused["error"]["code"]) == (409, "on_leave"), refused
    status, page = await post_form(
        http_node,
        f"/staff/visits/{visit['id']}/assign",
        coordinator,
        [("worker", wren), ("back", "rota")],
    )
    assert status == 409
    assert error_beside(page, f"assign-rota-{visit['id']}").startswith("On leave")

    # Hours on weekday mornings: the leave removed, 15:00 is still refused.
    status, _ = await post_form(
        http_node,
        f"/staff/rota/carers/{wren}/leave/{leave}/remove",
        coordinator,
        [],
    )
    assert status == 303
    hours = [("starts_0", "08:00"), ("ends_0", "13:00"), ("starts_1", "08:00")]
    status, page = await post_form(
        http_node, f"/staff/rota/carers/{wren}/availability", coordinator, hours
    )
    assert status == 400  # Tuesday's end left out
    hours.append(("ends_1", "13:00"))
    status, _ = await post_form(
        http_node, f"/staff/rota/carers/{wren}/availability", coordinator, hours
    )
    assert status == 303
    status, listed = await call(http_node, "GET", "/api/rota/carers", token=coordinator)
    assert listed == [
        {
            "member": wren,
            "slots": [
                {"weekday": 0, "starts": "08:00", "ends": "13:00"},
                {"weekday": 1, "starts": "08:00", "ends": "13:00"},
            ],
            "time_zone": "",
            "leave": [],
        }
    ]
    status, refused = await call(
        http_node,
        "POST",
        f"/api/visits/{visit['id']}/assign",
        token=coordinator,
        json={"worker": wren},
    )
    assert (status, refused["error"]["code"]) == (409, "outside_availability"), refused


async def test_a_member_or_the_board_cannot_book_or_give_visits(
    http_node: LiveNode,
) -> None:
    coordinator, user, wren = await _people(http_node)
    _, board = await staff_token(http_node, "board", "Bea Ng")
    _, member_token = await admitted_member(http_node, "volunteer", "Mo Reed")
    status, visit = await call(
        http_node,
        "POST",
        "/api/visits",
        token=coordinator,
        json={
            "service_user": user,
            "scheduled_for": "2026-04-07T09:00:00+01:00",
            "service_types": ["cleaning"],
        },
    )
    assert status == 201
    before = events(http_node)
    attempts = [
        ("POST", f"/api/visits/{visit['id']}/assign", {"worker": wren}),
        (
            "POST",
            "/api/visits",
            {
                "service_user": user,
                "scheduled_for": "2026-04-08T09:00:00+01:00",
                "service_types": ["cleaning"],
                "worker": wren,
            },
        ),
        (
            "POST",
            "/api/rota/patterns",
            {
                "service_user": user,
                "weekdays": [2],
                "time": "09:00",
                "first_day": "2026-04-06",
                "weeks": 2,
                "service_types": ["cleaning"],
            },
        ),
        (
            "POST",
            f"/api/rota/carers/{wren}/leave",
            {"kind": "sick", "first_day": "2026-04-06", "last_day": "2026-04-08"},
        ),
        ("PUT", f"/api/rota/carers/{wren}/availability", {"slots": []}),
    ]
    for token in (member_token, board):
        for method, path, body in attempts:
            status, _ = await call(http_node, method, path, token=token, json=body)
            assert status == 403, (method, path)
        for path in (f"/staff/visits/{visit['id']}/assign", "/staff/rota/patterns"):
            status, _ = await post_form(http_node, path, token, [("worker", wren)])
            assert status == 403
        status, _ = await call(http_node, "GET", "/staff/rota", token=token)
        assert status == 403
    assert events(http_node) == before
    assert http_node.node.coop_node.visit(UUID(visit["id"])).assigned_to is None


async def test_the_schedule_form_repeats_weekly_and_names_a_clash(
    http_node: LiveNode,
) -> None:
    coordinator, user, wren = await _people(http_node)
    app = http_node.node.coop_node
    once = [
        ("service_user", user),
        ("day", "2026-04-06"),
        ("time", "09:30"),
        ("service_types", "cleaning"),
        ("worker", wren),
        ("planned_minutes", "30"),
    ]
    status, _ = await post_form(http_node, "/staff/visits/new", coordinator, once)
    assert status == 303
    weekly = [*once[:2], ("time", "09:45"), *once[3:], ("until", "2026-04-20")]
    before = events(http_node)
    status, page = await post_form(http_node, "/staff/visits/new", coordinator, weekly)
    assert status == 409
    assert error_beside(page, "schedule-worker").startswith("Already going")
    assert events(http_node) == before

    weekly = [*once[:2], ("time", "10:00"), *once[3:], ("until", "2026-04-20")]
    status, _ = await post_form(http_node, "/staff/visits/new", coordinator, weekly)
    assert status == 303
    (pattern,) = app.patterns()
    assert (len(pattern.visits), pattern.worker, pattern.planned_minutes) == (
        3,
        UUID(wren),
        30,
    )

    # Delivered by two carers in April: the rota page counts two for Una.
    tom, _ = await admitted_member(http_node, "worker", "Tom Kerr")
    app.hire_worker(UUID(tom), DAY)
    for visit_id, by in zip(pattern.visits[:2], (wren, tom), strict=True):
        visit = app.visit(visit_id)
        app.deliver_visit(visit_id, UUID(by), visit.scheduled_for, 30)
    assert app.continuity(dt.date(2026, 4, 1)) == {UUID(user): 2}
