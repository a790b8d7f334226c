"""Compliance and volunteers: a visit goes only to a carer (worker or enrolled
volunteer) who holds, on its day, the checks and trainings its service types
require; the coordinator records them; reminders go before they expire, once."""

import datetime as dt
from uuid import UUID

import pytest

from node.application import CoopNode
from node.errors import ComplianceGap, InvalidTransition, NotACarer
from node.notifications import Composer
from tests.test_care import member

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
    app.schedule_visit(user, VISIT_AT, ["cleaning"], worker=rosa)

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


def test_fully_compliant_means_inducted_and_holding_every_requirement(
    app: CoopNode,
) -> None:
    rosa = member(app, "worker")
    app.hire_worker(rosa, DAY)
    app.set_requirements("meals_shopping", [], ["food_hygiene"], DAY)
    app.record_training(rosa, "food_hygiene", DAY, dt.date(2026, 6, 1))
    assert not app.is_fully_compliant(rosa, DAY)  # not inducted
    app.record_induction(rosa, DAY)
    assert app.is_fully_compliant(rosa, DAY)
    assert not app.is_fully_compliant(rosa, dt.date(2026, 6, 2))
    personal_care_needs(app)
    assert not app.is_fully_compliant(rosa, DAY)
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
