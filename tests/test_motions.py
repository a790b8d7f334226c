"""Motions: drafted and changed until the vote opens, at the threshold their kind
needs; discussed and moderated; binding decisions need one carried; their text
and discussion never leave the node."""

import datetime as dt
from pathlib import Path
from uuid import UUID

import msgspec
import pytest

from node.application import ALLOWLIST, CoopNode
from node.errors import (
    DiscussionClosed,
    InvalidClosingTime,
    InvalidMotion,
    MotionLocked,
    MotionNotCarried,
    PaperRefused,
    UnknownMotion,
)
from node.motions import Motion, threshold_for
from node.notifications import TOPICS, Composer, Draft
from node.papers import keep, read
from node.rules import ORDINARY, profile_named
from node.sharing import SharingPolicy
from tests.carried import carried_motion
from tests.test_governance import DAY, AppFactory, admit, make_app
from toolkit.aggregates import notifications_with

__all__ = ["make_app"]

NOW = dt.datetime.now(dt.UTC)
LATER = NOW + dt.timedelta(hours=1)


def test_each_kind_needs_the_threshold_of_the_rules() -> None:
    uk, italy = profile_named("uk_multi_stakeholder"), profile_named("italy_type_a")
    assert threshold_for(uk, "ordinary") == "ordinary"
    assert threshold_for(uk, "spinoff_approval") == "ordinary"
    assert threshold_for(uk, "rules_amendment") == "three_quarters"
    assert threshold_for(uk, "special_resolution") == "three_quarters"
    assert threshold_for(italy, "rules_amendment") == "two_thirds"
    only_ordinary = msgspec.structs.replace(uk, thresholds={"ordinary": ORDINARY})
    assert threshold_for(only_ordinary, "special_resolution") == "ordinary"
    assert threshold_for(uk, "board_election") is None


def test_a_motion_changes_until_its_vote_opens(make_app: AppFactory) -> None:
    app = make_app("italy_type_a")
    a, b = admit(app, "worker", 2)
    with pytest.raises(InvalidMotion):
        app.draft_motion("  ", "text", a, "ordinary")
    with pytest.raises(InvalidMotion):
        app.draft_motion("Title", "text", a, "whim")
    motion = app.draft_motion("New rules", "Replace rule 4.", a, "ordinary")
    app.edit_motion(motion, "New rules", "Replace rule 4 and 5.", b, "rules_amendment")
    with pytest.raises(InvalidClosingTime):
        app.open_motion_vote(motion, NOW - dt.timedelta(seconds=1))
    ballot_id = app.open_motion_vote(motion, LATER, now=NOW)
    opened = app.motion(motion)
    assert (opened.status, opened.threshold, opened.proposer) == (
        "voting",
        "two_thirds",
        b,
    )
    ballot = app.ballot(ballot_id)
    assert (ballot.threshold, ballot.title, ballot.closes_on) == (
        "two_thirds",
        "New rules",
        LATER.date(),
    )
    with pytest.raises(MotionLocked):
        app.edit_motion(motion, "Other", "", a, "ordinary")
    with pytest.raises(MotionLocked):
        app.open_motion_vote(motion, LATER, now=NOW)


def test_discussion_is_moderated_and_closes_with_the_vote(
    make_app: AppFactory,
) -> None:
    app = make_app("uk_multi_stakeholder")
    a, b = admit(app, "worker", 2)
    motion = app.draft_motion("Budget", "Spend it.", a, "ordinary")
    first = app.post_comment(motion, b, "Before the vote: I agree.")
    ballot = app.open_motion_vote(motion, LATER, now=NOW)
    rude = app.post_comment(motion, a, "During the vote: rude words")
    app.hide_comment(motion, rude, "Not respectful")
    comments = app.motion(motion).comments
    assert comments[first]["hidden"] is None
    # Hidden, not deleted: the board still sees it, with why.
    assert comments[rude] == {**comments[rude], "hidden": "Not respectful"}
    assert comments[rude]["text"] == "During the vote: rude words"
    app.cast_vote(ballot, a, "for")
    assert app.close_due(LATER) == [motion]
    with pytest.raises(DiscussionClosed):
        app.post_comment(motion, b, "Too late")


def test_motions_and_their_discussion_are_never_shared(
    make_app: AppFactory,
) -> None:
    app = make_app("uk_multi_stakeholder")
    (a,) = admit(app, "worker")
    motion = app.draft_motion("Private matter", "Names and details", a, "ordinary")
    app.attach_paper(motion, "ab" * 32, "minutes.pdf", "application/pdf", 10)
    comment = app.post_comment(motion, a, "Personal opinion")
    app.hide_comment(motion, comment, "Off topic")
    app.open_motion_vote(motion, LATER, now=NOW)
    app.close_due(LATER)
    policy = SharingPolicy(b"s" * 16, ALLOWLIST)
    events = [
        e
        for e in app.events.get(motion)  # type: ignore[attr-defined]
    ]
    assert {type(e).TOPIC for e in events} >= {
        Motion.Drafted.TOPIC,
        Motion.PaperAttached.TOPIC,
        Motion.CommentPosted.TOPIC,
        Motion.CommentHidden.TOPIC,
        Motion.VoteOpened.TOPIC,
        Motion.Counted.TOPIC,
    }
    assert [policy.share(e) for e in events] == [None] * len(events)
    assert not [t for t in ALLOWLIST if t.startswith("commonweal.motion")]


def test_rules_are_amended_only_on_a_carried_amendment(make_app: AppFactory) -> None:
    app = make_app("uk_multi_stakeholder")
    voters = admit(app, "worker", 4)
    fewer = msgspec.structs.replace(app.coop().profile, quorum="1/2")
    ordinary = carried_motion(app, "ordinary")
    with pytest.raises(MotionNotCarried):
        app.amend_rules(fewer, DAY, motion_id=ordinary)  # the wrong kind
    # A rules amendment the members rejected: 1 for, 3 against (3/4 needed).
    motion = app.draft_motion("Quorum of half", "", voters[0], "rules_amendment")
    ballot = app.open_motion_vote(motion, LATER, now=NOW)
    for voter, choice in zip(
        voters, ["for", "against", "against", "against"], strict=True
    ):
        app.cast_vote(ballot, voter, choice)
    with pytest.raises(MotionNotCarried):
        app.amend_rules(fewer, DAY, motion_id=motion)  # not counted yet
    app.close_due(LATER)
    with pytest.raises(MotionNotCarried):
        app.amend_rules(fewer, DAY, motion_id=motion)
    assert app.coop().profile.quorum == "1/10"

    carried = carried_motion(app, "rules_amendment")
    app.amend_rules(fewer, DAY, motion_id=carried)
    assert app.coop().profile.quorum == "1/2"
    assert app.motion(carried).enacted == "rules_amended"
    with pytest.raises(MotionNotCarried):  # one motion, one decision
        app.amend_rules(fewer, DAY, motion_id=carried)


def test_a_spinoff_is_approved_only_on_a_carried_approval(
    make_app: AppFactory,
) -> None:
    app = make_app("uk_multi_stakeholder")
    (runner,) = admit(app, "worker")
    spinoff = app.propose_spinoff("Riverside Care")
    app.name_runner(spinoff, runner)
    amendment = carried_motion(app, "rules_amendment")
    with pytest.raises(MotionNotCarried):
        app.approve_spinoff(spinoff, motion_id=amendment)
    with pytest.raises(UnknownMotion):
        app.approve_spinoff(spinoff, motion_id=UUID(int=1))
    assert app.spinoff(spinoff).status == "proposed"
    motion = carried_motion(app, "spinoff_approval")
    app.approve_spinoff(spinoff, motion_id=motion)
    approved = app.spinoff(spinoff)
    assert approved.status == "approved"
    assert approved.ballot_id == str(app.motion(motion).ballot_id)


def test_papers_are_checked_and_kept_under_their_hash(tmp_path: Path) -> None:
    folder = tmp_path / "papers"
    digest, kind = keep(folder, "application/pdf; charset=binary", b"%PDF-1.7 ...")
    assert (kind, [p.name for p in folder.iterdir()]) == ("application/pdf", [digest])
    assert read(folder, digest) == b"%PDF-1.7 ..."
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    with pytest.raises(PaperRefused):
        keep(folder, "application/pdf", b"<html>not a pdf")
    with pytest.raises(PaperRefused):
        keep(folder, "text/html", b"<html>")
    with pytest.raises(PaperRefused):
        keep(folder, "text/plain", b"\xff\xfe")
    with pytest.raises(PaperRefused):
        keep(folder, "text/plain", b"x" * (5 * 1024 * 1024 + 1))
    with pytest.raises(PaperRefused):
        read(folder, "../../etc/passwd")


def test_a_motion_for_a_board_election_is_not_a_proposal(
    make_app: AppFactory,
) -> None:
    app: CoopNode = make_app("uk_multi_stakeholder")
    (a,) = admit(app, "worker")
    motion = app.draft_motion("Elect the board", "", a, "board_election")
    with pytest.raises(InvalidMotion):
        app.open_motion_vote(motion, LATER, now=NOW)


def test_members_hear_of_a_motion_opening_closing_and_its_result(
    make_app: AppFactory,
) -> None:
    app = make_app("uk_multi_stakeholder")
    voters = admit(app, "worker", 2)
    motion = app.draft_motion("Open on Sundays", "", voters[0], "ordinary")
    ballot = app.open_motion_vote(motion, LATER, now=NOW)
    app.cast_vote(ballot, voters[0], "for")
    composer = Composer(app, "https://coop.example")
    by_kind: dict[str, list[Draft]] = {}
    seen: set[int] = set()

    def compose() -> None:  # as the notifier does, each event once, as it comes
        for n in notifications_with(app, *TOPICS):
            if n.id not in seen:
                seen.add(n.id)
                for d in composer.drafts(app.mapper.to_domain_event(n)):
                    by_kind.setdefault(d.kind, []).append(d)

    compose()
    reminded = app.remind_ballots_closing(LATER.date() - dt.timedelta(days=1))
    assert reminded == [ballot]
    compose()
    app.close_due(LATER)
    compose()
    assert {d.recipient for d in by_kind["ballot_opened"]} == set(voters)
    opened = by_kind["ballot_opened"][0]
    assert opened.subject == "Vote open: Open on Sundays"
    assert f"https://coop.example/motions/{motion}" in opened.body
    # Only the member yet to vote is reminded.
    assert [d.recipient for d in by_kind["ballot_closing"]] == [voters[1]]
    result = by_kind["ballot_result"][0]
    assert "The motion was carried." in result.body
    assert f"/motions/{motion}" in result.body
