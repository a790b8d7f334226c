"""The general meeting (issue #15, item 5): attendance, in-room totals counted
with the online and postal votes at close, adopted minutes; and none of it in
what the node shares."""

import datetime as dt
import json
from pathlib import Path

import msgspec
import pytest

from node.application import ALLOWLIST, CoopNode
from node.errors import (
    AlreadyVoted,
    InRoomTotalsRefused,
    InvalidMeeting,
    NotOnAgenda,
)
from node.meetings import Meeting
from node.sharing import SharingPolicy
from tests.test_governance import DAY, admit
from tests.test_secret_ballot_linking import new_app

MEETING_DAY = DAY + dt.timedelta(days=14)


def called(app: CoopNode, *agenda: object) -> object:
    return app.call_meeting(
        "Annual general meeting",
        MEETING_DAY,
        "18:30",
        "Village hall",
        list(agenda),  # type: ignore[arg-type]
        "board",
        called_on=DAY,
    )


def test_room_post_and_online_votes_are_counted_together(tmp_path: Path) -> None:
    app = new_app(tmp_path / "store.db")
    workers = admit(app, "worker", 4)
    volunteers = admit(app, "volunteer", 3)
    ballot = app.open_ballot("Adopt the budget", opened_on=DAY)
    meeting = called(app, ballot)
    app.cast_vote(ballot, workers[2], "for")  # online
    app.enter_postal_vote(ballot, workers[3], "against", "staff", "postal", DAY)
    # Present: two workers in person (one of them voted online: not in the
    # room's count) and a volunteer by proxy.
    app.record_attendance(meeting, [workers[0], workers[2]], [volunteers[0]], "chair")
    with pytest.raises(InRoomTotalsRefused):
        app.enter_in_room_totals(meeting, ballot, {"worker": {"for": 2}}, "chair")
    app.enter_in_room_totals(
        meeting, ballot, {"worker": {"for": 1}, "volunteer": {"against": 1}}, "chair"
    )
    result = app.close_ballot(ballot, MEETING_DAY)
    by_class = {c.member_class: c for c in result.classes}
    assert result.voted == 4
    assert by_class["worker"].votes == {"for": 2, "against": 1, "abstain": 0}
    assert by_class["volunteer"].votes == {"for": 0, "against": 1, "abstain": 0}
    held = app.meeting(meeting)  # type: ignore[arg-type]
    assert held.in_room_log == [
        (
            str(ballot),
            "chair",
            {
                "worker": {"for": 1, "against": 0, "abstain": 0},
                "volunteer": {"for": 0, "against": 1, "abstain": 0},
            },
        )
    ]
    app.close()


def test_a_secret_ballot_counts_the_room_too(tmp_path: Path) -> None:
    app = new_app(tmp_path / "store.db")
    workers = admit(app, "worker", 6)
    ballot = app.open_ballot("Buy a minibus", secret=True, opened_on=DAY)
    meeting = called(app, ballot)
    for w in workers[:3]:
        app.cast_vote(ballot, w, "for")
    app.record_attendance(meeting, workers[3:], [], "chair")
    app.enter_in_room_totals(
        meeting, ballot, {"worker": {"against": 2, "abstain": 1}}, "chair"
    )
    # Entered again (a recount): the later totals replace the earlier.
    app.enter_in_room_totals(meeting, ballot, {"worker": {"against": 3}}, "chair")
    result = app.close_ballot(ballot, MEETING_DAY)
    (worker,) = [c for c in result.classes if c.member_class == "worker"]
    assert worker.votes == {"for": 3, "against": 3, "abstain": 0}
    assert result.passed is False
    app.close()


def test_votes_only_on_the_agenda_and_only_within_attendance(tmp_path: Path) -> None:
    app = new_app(tmp_path / "store.db")
    workers = admit(app, "worker", 3)
    on_agenda = app.open_ballot("Budget", opened_on=DAY)
    elsewhere = app.open_ballot("Minibus", opened_on=DAY)
    meeting = called(app, on_agenda)
    app.record_attendance(meeting, workers[:1], [], "chair")
    with pytest.raises(NotOnAgenda):
        app.enter_in_room_totals(meeting, elsewhere, {"worker": {"for": 1}}, "chair")
    with pytest.raises(InRoomTotalsRefused):
        app.enter_in_room_totals(meeting, on_agenda, {"volunteer": {"for": 1}}, "c")
    with pytest.raises(InRoomTotalsRefused):
        app.enter_in_room_totals(meeting, on_agenda, {"worker": {"maybe": 1}}, "c")
    with pytest.raises(InvalidMeeting):
        app.record_attendance(meeting, workers[:1], workers[:1], "chair")
    with pytest.raises(InvalidMeeting):
        app.call_meeting("AGM", DAY, "25:00", "Hall", [], "board", called_on=DAY)
    app.close()


def test_adopted_minutes_are_kept_and_amended_by_a_new_version(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.db"
    app = new_app(path)
    meeting = called(app)
    assert app.adopt_minutes(meeting, "Budget adopted.", "Ann Lee", "b1", DAY) == 1
    assert app.adopt_minutes(meeting, "Budget adopted, 3 to 1.", "Ann Lee", "b1") == 2
    app.close()
    again = CoopNode(
        "alpha",
        {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)},
    )
    held = again.meeting(meeting)  # type: ignore[arg-type]
    assert [m["text"] for m in held.minutes] == [
        "Budget adopted.",
        "Budget adopted, 3 to 1.",
    ]
    assert held.current_minutes is not None
    assert held.current_minutes["version"] == 2
    assert [m.title for m in again.meetings()] == ["Annual general meeting"]
    again.close()


def test_of_meetings_and_postal_votes_only_counts_leave_the_node(
    tmp_path: Path,
) -> None:
    app = new_app(tmp_path / "store.db")
    workers = admit(app, "worker", 5)
    ballot = app.open_ballot("Motion to buy a minibus", opened_on=DAY)
    meeting = called(app, ballot)
    app.record_attendance(meeting, workers[:2], [], "chair")
    app.enter_postal_vote(ballot, workers[4], "against", "staff", "assisted", DAY)
    app.cast_vote(ballot, workers[3], "abstain")
    app.enter_in_room_totals(meeting, ballot, {"worker": {"for": 2}}, "chair")
    app.adopt_minutes(meeting, "Minibus bought.", "Ann Lee", "b1", MEETING_DAY)
    app.adopt_minutes(meeting, "Minibus bought, 2 to 1.", "Ann Lee", "b1")
    app.close_ballot(ballot, MEETING_DAY)

    policy = SharingPolicy(b"s" * 32, ALLOWLIST)
    shared = []
    events = [
        app.mapper.to_domain_event(n)
        for n in app.recorder.select_notifications(start=1, limit=10_000)
    ]
    for domain_event in events:
        topic = type(domain_event).TOPIC
        if topic.startswith(("commonweal.meeting", "commonweal.postal_votes")):
            assert topic not in ALLOWLIST or topic == Meeting.Held.TOPIC
        if topic == "commonweal.ballot.in_room_totals_entered":
            assert topic not in ALLOWLIST
        out = policy.share(domain_event)
        if out is not None:
            shared.append(json.dumps(msgspec.to_builtins(out.payload)))
    assert shared
    text = " ".join(shared)
    for secret_word in ("minibus", "Minibus", "Village", "Ann Lee", "chair", "staff"):
        assert secret_word not in text
    for choice in ("against", "abstain", '"for"'):
        assert choice not in text
    for w in workers:
        assert str(w) not in text and w.hex not in text
    assert any(isinstance(e, Meeting.MinutesAdopted) for e in events)
    # That the meeting was held, once (the amended minutes are not a second
    # meeting), as counts: two of the five members there meets the quorum.
    held = [policy.share(e) for e in events if isinstance(e, Meeting.Held)]
    assert [msgspec.structs.asdict(s.payload) for s in held if s is not None] == [
        {
            "meeting": policy.pseudonym(meeting),  # type: ignore[arg-type]
            "held_on": MEETING_DAY,
            "attending": 2,
            "electorate": 5,
            "quorum": app.coop().profile.quorum,
            "quorate": True,
        }
    ]
    app.close()


def test_an_election_shares_no_candidate_or_choice(tmp_path: Path) -> None:
    app = new_app(tmp_path / "store.db")
    workers = admit(app, "worker", 6)
    election = app.open_election("Board", {"worker": workers[:3]}, opened_on=DAY)
    for i, voter in enumerate(workers):
        app.cast_vote(election, voter, [workers[i % 3], workers[(i + 1) % 3]])
    app.close_ballot(election, DAY)
    policy = SharingPolicy(b"s" * 32, ALLOWLIST)
    shared = [
        json.dumps(msgspec.to_builtins(out.payload))
        for n in app.recorder.select_notifications(start=1, limit=10_000)
        if (out := policy.share(app.mapper.to_domain_event(n))) is not None
    ]
    text = " ".join(shared)
    assert "board_by_class" in text  # the new board was shared, as counts
    assert "Board" not in text.replace("board_by_class", "")
    for w in workers:
        assert str(w) not in text and w.hex not in text
    app.close()


def test_nobody_counted_in_the_room_votes_again_online_or_by_post(
    tmp_path: Path,
) -> None:
    app = new_app(tmp_path / "store.db")
    workers = admit(app, "worker", 3)
    ballot = app.open_ballot("Adopt the budget", opened_on=DAY)
    meeting = called(app, ballot)
    app.record_attendance(meeting, [workers[0], workers[1]], [], "chair")
    app.enter_in_room_totals(meeting, ballot, {"worker": {"for": 2}}, "chair")
    with pytest.raises(AlreadyVoted):
        app.cast_vote(ballot, workers[0], "against")
    with pytest.raises(AlreadyVoted):
        app.enter_postal_vote(ballot, workers[1], "against", "staff", "postal", DAY)
    # Whoever was not in the room still votes.
    app.cast_vote(ballot, workers[2], "against")
    # The chair's corrected count replaces the first: nobody counted twice.
    app.enter_in_room_totals(meeting, ballot, {"worker": {"for": 1}}, "chair")
    result = app.close_ballot(ballot, MEETING_DAY)
    (worker,) = [c for c in result.classes if c.member_class == "worker"]
    assert worker.votes == {"for": 1, "against": 1, "abstain": 0}
    app.close()


def test_a_meeting_below_its_quorum_is_shared_as_not_quorate(tmp_path: Path) -> None:
    app = new_app(tmp_path / "store.db")
    workers = admit(app, "worker", 12)  # 1/10 of 12 is 1.2: one is too few
    meeting = called(app)
    app.record_attendance(meeting, workers[:1], [], "chair")
    app.adopt_minutes(meeting, "Not quorate; adjourned.", "Ann Lee", "b1", DAY)
    assert app.coop().profile.quorum == "1/10"
    assert app.meeting(meeting).quorate is False  # type: ignore[arg-type]
    one_more = called(app)
    app.record_attendance(one_more, workers[:1], workers[1:2], "chair")
    app.adopt_minutes(one_more, "Quorate, by a proxy.", "Ann Lee", "b1", DAY)
    assert app.meeting(one_more).quorate is True  # type: ignore[arg-type]
    app.close()
