"""A ballot keeps the rules it opened under (issue #15, defect 2): amending the
rules while it is open changes neither its threshold, its quorum nor its classes,
and never stops it closing. Ballots stored before rules were frozen in them are
judged by the rules in force when they opened."""

from typing import Any
from uuid import UUID

import msgspec

from node.application import CoopNode
from node.ballots import Ballot
from node.rules import ORDINARY, RulesProfile, profile_named
from tests.carried import carried_motion
from tests.test_governance import DAY, AppFactory, admit, make_app

__all__ = ["make_app"]  # the fixture, shared with tests/test_governance.py


def amended(app: CoopNode, **changes: object) -> RulesProfile:
    return msgspec.structs.replace(app.coop().profile, **changes)


def test_a_threshold_removed_while_open_still_decides(make_app: AppFactory) -> None:
    app = make_app("uk_multi_stakeholder")
    voters = admit(app, "worker", 4)
    ballot = app.open_ballot("Change the rules", threshold="three_quarters")
    # 2 for, 1 against: 2/3 passes "ordinary" but not three quarters.
    for voter, choice in zip(voters, ["for", "for", "against"], strict=False):
        app.cast_vote(ballot, voter, choice)
    app.amend_rules(
        amended(app, thresholds={"ordinary": ORDINARY}),
        DAY,
        motion_id=carried_motion(app, "rules_amendment"),
    )
    assert "three_quarters" not in app.coop().profile.thresholds
    result = app.close_ballot(ballot, DAY)
    assert result.threshold == "three_quarters"
    assert result.quorate and not result.passed


def test_quorum_is_judged_as_it_was_when_the_ballot_opened(
    make_app: AppFactory,
) -> None:
    app = make_app("uk_multi_stakeholder")  # quorum 1/10
    voters = admit(app, "worker", 10)
    ballot = app.open_ballot("Budget")
    app.cast_vote(ballot, voters[0], "for")
    app.cast_vote(ballot, voters[1], "for")
    app.amend_rules(
        amended(app, quorum="1/2"),
        DAY,
        motion_id=carried_motion(app, "rules_amendment"),
    )
    result = app.close_ballot(ballot, DAY)
    assert (result.quorum, result.quorate, result.passed) == ("1/10", True, True)
    # A ballot opened after the amendment is judged at 1/2.
    later = app.open_ballot("Budget again")
    app.cast_vote(later, voters[0], "for")
    assert not app.close_ballot(later, DAY).quorate


def test_a_class_removed_while_open_is_still_counted(make_app: AppFactory) -> None:
    app = make_app("uk_multi_stakeholder")
    workers = admit(app, "worker", 2)
    (supporter,) = admit(app, "supporter", 1)
    ballot = app.open_ballot("Budget")
    app.cast_vote(ballot, workers[0], "for")
    app.cast_vote(ballot, supporter, "against")
    classes = tuple(
        c for c in app.coop().profile.member_classes if c.name != "supporter"
    )
    app.amend_rules(
        amended(app, member_classes=classes),
        DAY,
        motion_id=carried_motion(app, "rules_amendment"),
    )
    result = app.close_ballot(ballot, DAY)
    supporters = next(c for c in result.classes if c.member_class == "supporter")
    assert (supporters.voted, supporters.votes) == (
        1,
        {"for": 0, "against": 1, "abstain": 0},
    )
    assert (result.strength_for, result.strength_against) == ("1/3", "1/3")


def test_a_ballot_stored_without_frozen_rules_uses_the_rules_it_opened_under(
    make_app: AppFactory,
) -> None:
    """As a store written by an earlier release holds it: ``Ballot.Opened`` and
    no ``RulesFrozen``. The fallback is the co-op's profile when it opened."""
    app = make_app("uk_multi_stakeholder")
    voters = admit(app, "worker", 10)
    ballot_id = app.open_ballot("Budget", threshold="three_quarters")
    old = drop_frozen_rules(app, ballot_id)
    assert old.rules is None
    app.cast_vote(ballot_id, voters[0], "for")
    app.amend_rules(
        amended(app, thresholds={"ordinary": ORDINARY}, quorum="1/2"),
        DAY,
        motion_id=carried_motion(app, "rules_amendment"),
    )
    result = app.close_ballot(ballot_id, DAY)
    assert (result.threshold, result.quorum, result.quorate, result.passed) == (
        "three_quarters",
        "1/10",
        True,
        True,
    )


def drop_frozen_rules(app: CoopNode, ballot_id: UUID) -> Ballot:
    """Delete the ballot's RulesFrozen record, leaving what an old release wrote."""
    recorder: Any = app.recorder
    with recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute(
            f"DELETE FROM {recorder.events_table_name} WHERE topic = ?",
            (Ballot.RulesFrozen.TOPIC,),
        )
    ballot = app.ballot(ballot_id)
    assert ballot.rules is None
    return ballot


def test_every_profile_freezes_into_its_ballots(make_app: AppFactory) -> None:
    app = make_app("italy_type_a")
    admit(app, "worker", 2)
    ballot = app.ballot(app.open_ballot("Budget"))
    assert ballot.rules is not None
    assert msgspec.convert(ballot.rules, RulesProfile) == profile_named("italy_type_a")
