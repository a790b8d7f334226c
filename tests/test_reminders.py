"""Ballot closing dates and their reminder, and moving a scheduled visit: the
domain commands over a real SQLite store."""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from node.application import CoopNode
from node.ballots import Ballot
from node.errors import InvalidBallot, InvalidTransition
from node.rules import profile_named
from node.visits import Visit
from toolkit.aggregates import ids_with

DAY = dt.date(2026, 5, 4)
AT = dt.datetime(2026, 5, 6, 10, 30, tzinfo=dt.UTC)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[CoopNode]:
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "alpha.db"),
    }
    app = CoopNode("alpha", env)
    app.found_coop("Alpha", profile_named("uk_multi_stakeholder"), DAY)
    yield app
    app.close()


def admitted(app: CoopNode, name: str, member_class: str = "worker") -> UUID:
    member_id = app.apply_for_membership(
        name=name, email=f"{name.lower()}@example.org", member_class=member_class
    )
    app.admit_member(member_id, DAY)
    return member_id


def stored(app: CoopNode) -> int:
    return app.recorder.max_notification_id() or 0


def test_a_closing_date_is_kept_with_the_ballot_and_not_before_its_opening(
    app: CoopNode,
) -> None:
    rosa = admitted(app, "Rosa")
    before = stored(app)
    with pytest.raises(InvalidBallot, match="closes_on"):
        app.open_ballot("Rota", opened_on=DAY, closes_on=DAY - dt.timedelta(days=1))
    with pytest.raises(InvalidBallot, match="closes_on"):
        app.open_election(
            "Board",
            {"worker": [rosa]},
            opened_on=DAY,
            closes_on=DAY - dt.timedelta(days=1),
        )
    assert stored(app) == before, "a refused ballot wrote something"

    same_day = app.open_ballot("Minibus", opened_on=DAY, closes_on=DAY)
    assert app.ballot(same_day).closes_on == DAY
    election = app.open_election(
        "Board", {"worker": [rosa]}, opened_on=DAY, closes_on=DAY + dt.timedelta(7)
    )
    assert app.ballot(election).closes_on == DAY + dt.timedelta(7)
    undated = app.open_ballot("Garden", opened_on=DAY)
    assert app.ballot(undated).closes_on is None
    # The date is an event of its own, saved with the opening.
    dated = list(ids_with(app, Ballot.ClosingDateSet.TOPIC))
    assert dated == [same_day, election]


def test_the_reminder_is_recorded_once_however_often_the_check_runs(
    app: CoopNode,
) -> None:
    admitted(app, "Rosa")
    closes = DAY + dt.timedelta(days=3)
    tomorrow = app.open_ballot("Rota", opened_on=DAY, closes_on=closes)
    later = app.open_ballot("Garden", opened_on=DAY, closes_on=closes + dt.timedelta(1))
    closed = app.open_ballot("Minibus", opened_on=DAY, closes_on=closes)
    app.close_ballot(closed, DAY)
    app.open_ballot("Undated", opened_on=DAY)

    assert app.remind_ballots_closing(DAY) == []  # nothing closes on DAY + 1
    day_before = closes - dt.timedelta(days=1)
    assert app.remind_ballots_closing(day_before) == [tomorrow]
    for _ in range(3):
        assert app.remind_ballots_closing(day_before) == []
    reminders = list(ids_with(app, Ballot.ClosingReminded.TOPIC))
    assert reminders == [tomorrow]
    assert app.ballot(tomorrow).reminded and not app.ballot(later).reminded
    assert app.ballot(tomorrow).is_open, "a reminder must not close the ballot"
    assert app.remind_ballots_closing(closes) == [later]


def test_only_a_scheduled_visit_is_moved(app: CoopNode) -> None:
    rosa = admitted(app, "Rosa", "service_user")
    worker = admitted(app, "Omar")
    service = app.coop().profile.service_types[0]
    visit = app.schedule_visit(rosa, AT, [service])
    later = AT + dt.timedelta(days=1, hours=2)
    app.reschedule_visit(visit, later)
    assert app.visit(visit).scheduled_for == later
    before = stored(app)
    app.reschedule_visit(visit, later)  # the same time again: nothing to record
    assert stored(app) == before
    assert len(list(ids_with(app, Visit.Rescheduled.TOPIC))) == 1

    app.deliver_visit(visit, worker, later, 30)
    cancelled = app.schedule_visit(rosa, AT, [service])
    app.cancel_visit(cancelled, "weather")
    before = stored(app)
    with pytest.raises(InvalidTransition, match="only a scheduled visit"):
        app.reschedule_visit(visit, AT)
    with pytest.raises(InvalidTransition):
        app.reschedule_visit(cancelled, later)
    assert stored(app) == before, "a refused move wrote something"
    assert app.visit(visit).status == "delivered"
