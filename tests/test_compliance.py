"""Compliance and volunteers: a visit goes only to a carer (worker or enrolled
volunteer) who holds, on its day, the checks and trainings its service types
require; the coordinator records them; reminders go before they expire, once."""

import datetime as dt
from uuid import UUID

import pytest

from node.application import CoopNode
from node.errors import ComplianceGap, InvalidTransition, NotACarer
from node.notifications import Composer
from tests.node_api import (
    NOBODY,
    admitted_member,
    call,
    events,
    post_form,
    schedule,
    staff_token,
)
from tests.page_text import error_beside, visible_text
from tests.test_care import member
from tests.web import LiveNode

DAY = dt.date(2026, 3, 2)
VISIT_AT = dt.datetime(2026, 10, 5, 9, 0)


def personal_care_needs(app: CoopNode) -> None:
    app.set_requirements(
        "personal_care", ["dbs_enhanced"], ["moving_and_handling", "safeguarding"], DAY
    )


def stored(app: CoopNode) -> int:
    return app.recorder.max_notification_id() or 0


def test_a_visit_goes_only_to_a_carer_who_holds_what_it_requires(
    app: CoopNode,
) -> None:
    user, rosa = member(app, "service_user"), member(app, "worker")
    app.hire_worker(rosa, DAY)
    personal_care_needs(app)
    app.record_training(rosa, "safeguarding", DAY, dt.date(2026, 10, 1))
    before = stored(app)
    with pytest.raises(ComplianceGap) as refused:
        app.schedule_visit(user, VISIT_AT, ["personal_care"], worker=rosa)
    assert str(refused.value) == (
        f"member {rosa} needs an enhanced DBS check, moving and handling training "
        "and safeguarding training (expired on 2026-10-01) on 2026-10-05"
    )
    assert stored(app) == before  # nothing written
    # Cleaning requires nothing: the same carer may go.
    app.schedule_visit(
        user, VISIT_AT + dt.timedelta(hours=2), ["cleaning"], worker=rosa
    )

    app.record_check(rosa, "dbs_enhanced", DAY, "001234567890")
    app.record_training(rosa, "moving_and_handling", DAY)
    app.record_training(rosa, "safeguarding", DAY, dt.date(2027, 3, 1))  # renewed
    visit = app.schedule_visit(user, VISIT_AT, ["personal_care"], worker=rosa)
    assert app.visit(visit).assigned_to == rosa
    assert app.compliance_gaps(rosa, ["personal_care"], VISIT_AT.date()) == []

    # Expired by a later visit's day: refused again, naming the expiry.
    later = app.schedule_visit(user, dt.datetime(2027, 3, 2, 9), ["personal_care"])
    with pytest.raises(
        ComplianceGap, match=r"safeguarding training \(expired on 2027-03-01\)"
    ):
        app.assign_visit(later, rosa)
    assert app.visit(later).assigned_to is None
    # A training done after the visit's day does not count for it either.
    assert app.compliance_gaps(rosa, ["personal_care"], dt.date(2026, 3, 1)) == [
        "an enhanced DBS check",
        "moving and handling training",
        "safeguarding training",
    ]


def test_a_volunteer_once_enrolled_is_a_carer_but_not_a_worker(app: CoopNode) -> None:
    user, vic = member(app, "service_user"), member(app, "volunteer")
    visit = app.schedule_visit(user, VISIT_AT, ["befriending"])
    with pytest.raises(NotACarer):
        app.assign_visit(visit, vic)
    volunteer = app.enrol_volunteer(vic, DAY)
    with pytest.raises(InvalidTransition):
        app.enrol_volunteer(vic, DAY)
    app.assign_visit(visit, vic)
    assert app.visit(visit).assigned_to == vic
    assert app.is_carer(vic) and app.carers() == [vic]
    assert list(app.workers()) == []  # never in the workforce's figures
    app.volunteer_stands_down(volunteer, "moved away", DAY)
    assert not app.is_carer(vic)
    # Employed workers are carers still: both kinds count along the MRO.
    app.hire_worker(vic, DAY)
    assert app.is_carer(vic)


def test_fully_compliant_means_holding_every_requirement_unexpired(
    app: CoopNode,
) -> None:
    """What the monthly compliance rate counts (node.care_months), among the
    carers on a day (employed or enrolled then)."""
    rosa, vic = member(app, "worker"), member(app, "volunteer")
    app.hire_worker(rosa, DAY)
    volunteer = app.enrol_volunteer(vic, DAY)
    app.volunteer_stands_down(volunteer, "", dt.date(2026, 5, 1))
    assert app.carers_on(dt.date(2026, 4, 30)) == {rosa, vic}
    assert app.carers_on(dt.date(2026, 5, 1)) == {rosa}
    assert app.is_fully_compliant(rosa, DAY)  # nothing is required yet
    app.set_requirements("meals_shopping", [], ["food_hygiene"], DAY)
    assert not app.is_fully_compliant(rosa, DAY)
    app.record_training(rosa, "food_hygiene", DAY, dt.date(2026, 6, 1))
    assert app.is_fully_compliant(rosa, DAY)
    assert not app.is_fully_compliant(rosa, dt.date(2026, 6, 2))
    personal_care_needs(app)
    assert not app.is_fully_compliant(rosa, DAY)
    app.record_induction(rosa, DAY)
    app.remove_compliance_item(rosa, "induction", "", "recorded for the wrong person")
    record = app.compliance_record(rosa)
    assert record is not None and record.inducted_on is None


def test_reminders_go_30_and_7_days_before_an_expiry_once_each(
    app: CoopNode,
) -> None:
    rosa = member(app, "worker")
    app.hire_worker(rosa, DAY)
    expires = dt.date(2026, 5, 1)
    app.record_training(rosa, "first_aid", DAY, expires)
    app.record_check(rosa, "right_to_work", DAY, "RTW-1")  # never expires
    assert app.remind_compliance_expiring(expires - dt.timedelta(31)) == []
    first = expires - dt.timedelta(30)
    assert app.remind_compliance_expiring(first) == [(rosa, "training", "first_aid")]
    assert app.remind_compliance_expiring(first) == []
    assert app.remind_compliance_expiring(first + dt.timedelta(5)) == []
    week = expires - dt.timedelta(7)
    assert app.remind_compliance_expiring(week) == [(rosa, "training", "first_aid")]
    assert app.remind_compliance_expiring(expires) == []
    assert app.remind_compliance_expiring(expires + dt.timedelta(1)) == []
    # Renewed: a new expiry is reminded afresh.
    app.record_training(rosa, "first_aid", expires, dt.date(2027, 5, 1))
    assert app.remind_compliance_expiring(dt.date(2027, 4, 28)) == [
        (rosa, "training", "first_aid")
    ]
    record = app.compliance_record(rosa)
    assert record is not None
    sent = [
        e
        for e in app.repository.event_store.get(record.id)
        if type(e).__name__ == "ReminderSent"
    ]
    assert [(e.expires_on, e.days_before) for e in sent] == [
        (expires, 30),
        (expires, 7),
        (dt.date(2027, 5, 1), 7),
    ]


def test_a_reminder_tells_the_carer_and_the_coordinators_only(app: CoopNode) -> None:
    rosa, cal, bea = (member(app, c) for c in ("worker", "worker", "worker"))
    app.hire_worker(rosa, DAY)
    app.issue_token(cal, "coordinator")
    app.issue_token(bea, "board")
    app.record_training(rosa, "medication", DAY, dt.date(2026, 4, 1))
    app.remind_compliance_expiring(dt.date(2026, 3, 25))
    record = app.compliance_record(rosa)
    assert record is not None
    event = list(app.repository.event_store.get(record.id))[-1]
    drafts = list(Composer(app).drafts(event))
    assert {d.recipient for d in drafts} == {rosa, cal}
    own = next(d for d in drafts if d.recipient == rosa)
    assert own.subject == "Renew your medication training"
    assert "Your medication training expires on Wednesday 01 April 2026." in own.body
    theirs = next(d for d in drafts if d.recipient == cal)
    assert "Rosa Bianchi's medication training expires on" in theirs.body


def test_bad_records_are_refused_and_write_nothing(app: CoopNode) -> None:
    rosa = member(app, "worker")
    before = stored(app)
    for bad in (
        lambda: app.record_check(rosa, "palm_reading", DAY),
        lambda: app.record_training(rosa, "juggling", DAY),
        lambda: app.record_training(rosa, "first_aid", DAY, DAY - dt.timedelta(1)),
        lambda: app.set_requirements("personal_care", ["dbs_enhanced"], ["juggling"]),
        lambda: app.set_requirements("astrology", [], []),
        lambda: app.remove_compliance_item(rosa, "training", "first_aid"),
        lambda: app.record_induction(UUID(int=7), DAY),
    ):
        with pytest.raises(Exception) as refused:
            bad()
        assert refused.type.__module__ == "node.errors"
    assert stored(app) == before


# --- over HTTP ---------------------------------------------------------------


async def test_the_coordinator_records_compliance_and_sets_requirements(
    http_node: LiveNode,
) -> None:
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Coord")
    rosa, _ = await admitted_member(http_node, "worker", "Rosa Bianchi")
    app = http_node.node.coop_node
    app.hire_worker(UUID(rosa))
    base = f"/api/compliance/{rosa}"
    status, body = await call(
        http_node,
        "PUT",
        "/api/compliance-requirements/personal_care",
        token=coordinator,
        json={"checks": ["dbs_enhanced"], "trainings": ["safeguarding"]},
    )
    assert status == 200, body
    assert {
        "service_type": "personal_care",
        "checks": ["dbs_enhanced"],
        "trainings": ["safeguarding"],
    } in body
    soon = (dt.date.today() + dt.timedelta(10)).isoformat()
    status, body = await call(
        http_node,
        "POST",
        f"{base}/checks",
        token=coordinator,
        json={"kind": "dbs_enhanced", "done_on": "2026-01-05", "certificate": "0012"},
    )
    assert status == 200, body
    status, body = await call(
        http_node,
        "POST",
        f"{base}/trainings",
        token=coordinator,
        json={"name": "safeguarding", "done_on": "2025-01-05", "expires_on": soon},
    )
    assert status == 200, body
    assert body["missing"] == [] and body["fully_compliant"] is True
    assert body["trainings"][0]["state"] == "expiring"
    assert body["inducted_on"] is None
    status, body = await call(
        http_node,
        "POST",
        f"{base}/induction",
        token=coordinator,
        json={"done_on": "2026-01-05"},
    )
    assert (status, body["inducted_on"]) == (200, "2026-01-05")
    # A bad kind is a 400 naming the field, and writes nothing.
    before = events(http_node)
    status, body = await call(
        http_node,
        "POST",
        f"{base}/trainings",
        token=coordinator,
        json={"name": "juggling", "done_on": "2026-01-05"},
    )
    assert (status, body["error"]["field"]) == (400, "name")
    assert events(http_node) == before

    # The page shows the carer, the expiring training highlighted.
    status, page = await call(http_node, "GET", "/staff/compliance", token=coordinator)
    assert status == 200
    text = " ".join(visible_text(page).split())
    assert (
        "Rosa Bianchi" in text
        and "Expiring within 30 days: safeguarding training" in text
    )
    # The page's forms record, and refuse beside the field.
    status, where = await post_form(
        http_node,
        f"/staff/compliance/{rosa}/trainings",
        coordinator,
        [
            ("name", "first_aid"),
            ("done_on", "2026-01-05"),
            ("expires_on", "2025-01-01"),
        ],
    )
    assert status == 400
    assert "It cannot expire before the day it was done." in error_beside(
        where, "training-expires"
    )
    status, where = await post_form(
        http_node,
        f"/staff/compliance/{rosa}/trainings",
        coordinator,
        [("name", "first_aid"), ("done_on", "2026-01-05"), ("expires_on", "")],
    )
    assert (status, where) == (303, f"/staff/compliance/{rosa}?done=training#done")
    status, where = await post_form(
        http_node,
        f"/staff/compliance/{rosa}/removals",
        coordinator,
        [("entry", "training:first_aid"), ("reason", "another Rosa")],
    )
    assert status == 303
    record = app.compliance_record(UUID(rosa))
    assert record is not None and set(record.trainings) == {"safeguarding"}
    status, page = await call(
        http_node, "GET", f"/staff/compliance/{rosa}", token=coordinator
    )
    text = " ".join(visible_text(page).split())
    assert status == 200 and "Taken off the record." not in text  # no ?done=
    assert "Checks and training of Rosa Bianchi" in text and "0012" in text
    status, where = await post_form(
        http_node,
        "/staff/compliance/requirements/cleaning",
        coordinator,
        [("training_food_hygiene", "yes")],
    )
    assert status == 303
    assert app.requirements()["cleaning"].trainings == ("food_hygiene",)
    # Nobody's record is a 404, on the API and the page.
    for path in (f"/api/compliance/{NOBODY}", f"/staff/compliance/{NOBODY}"):
        status, _ = await call(http_node, "GET", path, token=coordinator)
        assert status == 404, path


async def test_volunteers_are_enrolled_and_stand_down_on_the_workers_page(
    http_node: LiveNode,
) -> None:
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Coord")
    vic, _ = await admitted_member(http_node, "volunteer", "Vic Volunteer")
    status, where = await post_form(
        http_node, "/staff/workers/volunteers", coordinator, [("member", vic)]
    )
    assert (status, where) == (303, "/staff/workers?done=enrolled#done")
    app = http_node.node.coop_node
    assert app.is_carer(UUID(vic))
    status, listed = await call(http_node, "GET", "/api/volunteers", token=coordinator)
    assert status == 200 and [v["member"] for v in listed["items"]] == [vic]
    status, page = await call(http_node, "GET", "/staff/workers", token=coordinator)
    assert "Vic Volunteer" in visible_text(page)
    status, body = await call(
        http_node, "POST", "/api/volunteers", token=coordinator, json={"member": vic}
    )
    assert status == 409
    volunteer = listed["items"][0]["id"]
    status, body = await call(
        http_node,
        "POST",
        f"/api/volunteers/{volunteer}/stand-down",
        token=coordinator,
        json={"reason": "moved away"},
    )
    assert (status, body["enrolled"]) == (200, False)
    assert not app.is_carer(UUID(vic))


async def test_only_the_coordinator_and_admin_record_or_read_others_records(
    http_node: LiveNode,
) -> None:
    _, board = await staff_token(http_node, "board", "Bea Board")
    rosa, rosa_token = await admitted_member(http_node, "worker", "Rosa Bianchi")
    hal, hal_token = await admitted_member(http_node, "worker", "Hal Other")
    app = http_node.node.coop_node
    app.hire_worker(UUID(rosa))
    app.record_check(UUID(rosa), "dbs_enhanced", DAY, "CERT-ROSA-1")
    before = events(http_node)
    for token in (board, hal_token, rosa_token):
        for path, body in [
            (
                f"/api/compliance/{rosa}/checks",
                {"kind": "dbs_basic", "done_on": "2026-03-02"},
            ),
            (f"/api/compliance/{rosa}/induction", {"done_on": "2026-03-02"}),
            (
                f"/api/compliance/{rosa}/removals",
                {"item": "check", "kind": "dbs_enhanced"},
            ),
            ("/api/volunteers", {"member": hal}),
        ]:
            status, _ = await call(http_node, "POST", path, token=token, json=body)
            assert status == 403, (path, status)
        status, _ = await call(
            http_node,
            "PUT",
            "/api/compliance-requirements/cleaning",
            token=token,
            json={},
        )
        assert status == 403
        status, _ = await post_form(
            http_node,
            f"/staff/compliance/{rosa}/induction",
            token,
            [("done_on", "2026-03-02")],
        )
        assert status == 403
        for path in (
            f"/api/compliance/{rosa}",
            "/api/compliance",
            f"/staff/compliance/{rosa}",
        ):
            status, body = await call(http_node, "GET", path, token=token)
            assert status == 403 and "CERT-ROSA-1" not in str(body)
    assert events(http_node) == before
    # Each carer sees their own record, and only their own.
    status, mine = await call(http_node, "GET", "/api/me/compliance", token=rosa_token)
    assert (status, mine["member"]) == (200, rosa)
    assert mine["checks"][0]["certificate"] == "CERT-ROSA-1"
    status, theirs = await call(http_node, "GET", "/api/me/compliance", token=hal_token)
    assert (status, theirs["member"], theirs["checks"]) == (200, hal, [])
    status, page = await call(http_node, "GET", "/compliance", token=hal_token)
    assert status == 200 and "CERT-ROSA-1" not in page
    status, page = await call(http_node, "GET", "/compliance", token=rosa_token)
    assert "CERT-ROSA-1" in visible_text(page)


async def test_an_assignment_over_the_api_names_what_the_carer_lacks(
    http_node: LiveNode,
) -> None:
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Coord")
    user, _ = await admitted_member(http_node, "service_user", "Una Ward")
    rosa, _ = await admitted_member(http_node, "worker", "Rosa Bianchi")
    app = http_node.node.coop_node
    app.hire_worker(UUID(rosa))
    personal_care_needs(app)
    visit = await schedule(
        http_node, user, ["personal_care"], at="2026-10-05T09:00:00+01:00"
    )
    before = events(http_node)
    path = f"/api/visits/{visit}/assign"
    status, body = await call(
        http_node, "POST", path, token=coordinator, json={"worker": rosa}
    )
    assert (status, body["error"]["code"]) == (409, "compliance_gap")
    assert (
        "needs an enhanced DBS check, moving and handling training and "
        in (body["error"]["message"])
    )
    assert events(http_node) == before
    app.record_check(UUID(rosa), "dbs_enhanced", DAY)
    for training in ("moving_and_handling", "safeguarding"):
        app.record_training(UUID(rosa), training, DAY)
    status, body = await call(
        http_node, "POST", path, token=coordinator, json={"worker": rosa}
    )
    assert (status, body["assigned_to"]) == (200, rosa)
