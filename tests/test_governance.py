"""Each rules profile applied exactly, with worked examples computed by hand."""

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import UUID

import msgspec
import pytest

from node.application import CoopNode
from node.errors import (
    AlreadyVoted,
    BallotClosed,
    BoardRulesBroken,
    InvalidBallot,
    InvalidChoice,
    InvalidReceipt,
    MembershipCapReached,
    NotInElectorate,
    ProxyRefused,
)
from node.rules import RulesProfile, profile_named
from tests.carried import carried_motion

DAY = dt.date(2026, 5, 4)
AppFactory = Callable[[str], CoopNode]


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[AppFactory]:
    apps: list[CoopNode] = []

    def make(profile: str) -> CoopNode:
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(tmp_path / f"{profile}-{len(apps)}.db"),
        }
        app = CoopNode("alpha", env)
        app.found_coop("Alpha", profile_named(profile), DAY)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


def admit(app: CoopNode, member_class: str, n: int = 1) -> list[UUID]:
    ids = []
    for i in range(n):
        member_id = app.apply_for_membership(
            name=f"Member {i}", email=f"m{i}@example.org", member_class=member_class
        )
        app.admit_member(member_id, DAY)
        ids.append(member_id)
    return ids


def stored(app: CoopNode) -> int:
    return app.recorder.max_notification_id() or 0


def vote_all(app: CoopNode, ballot: UUID, voters: list[UUID], choice: str) -> None:
    for voter in voters:
        app.cast_vote(ballot, voter, choice)


def test_somerset_weighted_tally_worked_by_hand(make_app: AppFactory) -> None:
    # Electorate 2 workers, 3 service users, 1 supporter, 4 investors.
    # Workers hold 1/2. The other 8 heads pool the other 1/2: investors would get
    # 4/8 * 1/2 = 1/4, above their 1/10 cap, so they get 1/10; service users and
    # the supporter split the remaining 2/5 by head: 3/10 and 1/10.
    # Per voter: worker 1/4, service user 1/10, supporter 1/10, investor 1/40.
    app = make_app("somerset_weighted")
    workers = admit(app, "worker", 2)
    users = admit(app, "service_user", 3)
    supporter = admit(app, "supporter", 1)
    investors = admit(app, "investor", 4)
    ballot = app.open_ballot("Sell the minibus", opened_on=DAY)
    electorate = app._roll(ballot).electorate
    assert electorate[str(workers[0])] == ["worker", "1/4"]
    assert electorate[str(users[0])] == ["service_user", "1/10"]
    assert electorate[str(supporter[0])] == ["supporter", "1/10"]
    assert electorate[str(investors[0])] == ["investor", "1/40"]
    # 8 heads for, 2 against; by strength 3/10 + 1/10 + 4/40 = 1/2 for and
    # 2/4 = 1/2 against: not more than half, so an ordinary resolution fails.
    vote_all(app, ballot, workers, "against")
    vote_all(app, ballot, users + supporter + investors, "for")
    result = app.close_ballot(ballot, DAY)
    assert (result.strength_for, result.strength_against) == ("1/2", "1/2")
    assert result.quorate and not result.passed
    assert result.voted == 10
    by_class = {c.member_class: c for c in result.classes}
    assert by_class["investor"].strength == {
        "for": "1/10",
        "against": "0",
        "abstain": "0",
    }
    assert by_class["worker"].votes == {"for": 0, "against": 2, "abstain": 0}
    # The full tally is recorded on the ballot.
    assert app.ballot(ballot).result == msgspec.to_builtins(result)


def test_italian_financers_capped_at_a_third_of_votes(make_app: AppFactory) -> None:
    # 2 workers and 4 financers, all pooled one member one vote: financers would
    # hold 4/6 = 2/3, above their 1/3 cap; so 1/3, and workers get 2/3 (1/3 each).
    app = make_app("italy_type_a")
    workers = admit(app, "worker", 2)
    financers = admit(app, "financer", 4)
    ballot = app.open_ballot("Issue new shares", opened_on=DAY)
    vote_all(app, ballot, workers, "against")
    vote_all(app, ballot, financers, "for")
    result = app.close_ballot(ballot, DAY)
    assert (result.strength_for, result.strength_against) == ("1/3", "2/3")
    assert not result.passed


def test_quorum_failure_overall_and_by_class(make_app: AppFactory) -> None:
    # UK quorum is 1/10 by head: 1 of 11 voting is 1/11 < 1/10.
    app = make_app("uk_multi_stakeholder")
    members = admit(app, "worker", 11)
    ballot = app.open_ballot("Buy a van", opened_on=DAY)
    app.cast_vote(ballot, members[0], "for")
    result = app.close_ballot(ballot, DAY)
    assert not result.quorate and not result.passed
    assert result.reasons == ["quorum is 1/10 of 11 electors; 1 voted"]
    # Two of eleven (2/11 >= 1/10) is quorate and passes 2-0.
    ballot = app.open_ballot("Buy a van", opened_on=DAY)
    vote_all(app, ballot, members[:2], "for")
    assert app.close_ballot(ballot, DAY).passed

    # Somerset: workers must turn out at 1/5 of their class even when the
    # co-op as a whole is quorate (6 users of 11 voted; 0 of 5 workers).
    app = make_app("somerset_weighted")
    workers = admit(app, "worker", 5)
    users = admit(app, "service_user", 6)
    ballot = app.open_ballot("Change the rota", opened_on=DAY)
    vote_all(app, ballot, users, "for")
    result = app.close_ballot(ballot, DAY)
    assert not result.quorate
    assert result.reasons == ["class worker quorum is 1/5 of 5; 0 voted"]
    ballot = app.open_ballot("Change the rota", opened_on=DAY)
    vote_all(app, ballot, users, "for")
    app.cast_vote(ballot, workers[0], "against")  # 1/5: quorate
    result = app.close_ballot(ballot, DAY)
    # Strength: users 6 x 1/12 = 1/2 for, one worker 1/10 against: passes.
    assert result.quorate and result.passed
    assert (result.strength_for, result.strength_against) == ("1/2", "1/10")


def test_two_thirds_threshold_edge(make_app: AppFactory) -> None:
    # Quebec, one member one vote; a special resolution needs at least 2/3.
    app = make_app("quebec_solidarity")
    members = admit(app, "user", 6)
    ballot = app.open_ballot("Amend the rules", threshold="two_thirds", opened_on=DAY)
    vote_all(app, ballot, members[:4], "for")
    vote_all(app, ballot, members[4:], "against")
    assert app.close_ballot(ballot, DAY).passed  # 4/6 = 2/3 exactly: passes
    ballot = app.open_ballot("Amend the rules", threshold="two_thirds", opened_on=DAY)
    vote_all(app, ballot, members[:3], "for")
    vote_all(app, ballot, members[3:5], "against")
    app.cast_vote(ballot, members[5], "abstain")
    result = app.close_ballot(ballot, DAY)  # 3/5 < 2/3; abstention not counted
    assert result.quorate and not result.passed
    # An ordinary resolution needs more than half: 3-3 fails.
    ballot = app.open_ballot("Tie", opened_on=DAY)
    vote_all(app, ballot, members[:3], "for")
    vote_all(app, ballot, members[3:], "against")
    assert not app.close_ballot(ballot, DAY).passed
    with pytest.raises(InvalidBallot, match="three_quarters"):
        app.open_ballot("No such threshold here", threshold="three_quarters")


def test_381_1991_volunteer_cap_refuses_admission(make_app: AppFactory) -> None:
    app = make_app("italy_type_a")
    admit(app, "worker", 2)
    admit(app, "volunteer", 2)  # 2 of 4: exactly half is allowed
    third = app.apply_for_membership(
        name="Luca Rossi", email="luca@example.org", member_class="volunteer"
    )
    before = stored(app)
    with pytest.raises(MembershipCapReached) as refused:
        app.admit_member(third, DAY)
    assert refused.value.code == "membership_cap_reached"
    assert "at most 1/2 of all members; this would make it 3 of 5" in str(refused.value)
    assert stored(app) == before and app.member(third).status == "applied"
    # Nor may a worker become a volunteer (3 of 4).
    worker = admit(app, "worker")[0]  # 3 workers, 2 volunteers
    admit(app, "worker")
    app.admit_member(third, DAY)  # 3 of 7 now fits
    with pytest.raises(MembershipCapReached):
        app.change_member_class(worker, "volunteer", DAY)  # 4 of 7
    assert app.member(worker).member_class == "worker"


def test_proxy_refused_under_quebec_rules(make_app: AppFactory) -> None:
    app = make_app("quebec_solidarity")
    member, holder = admit(app, "user", 2)
    ballot = app.open_ballot("Budget", opened_on=DAY)
    before = stored(app)
    with pytest.raises(ProxyRefused, match=r"quebec_solidarity.*proxy"):
        app.appoint_proxy(ballot, member, holder)
    with pytest.raises(ProxyRefused):
        app.cast_vote(ballot, holder, "for", for_member=member)
    assert stored(app) == before


def test_proxies_where_the_rules_allow_them(make_app: AppFactory) -> None:
    app = make_app("uk_multi_stakeholder")  # at most 2 proxies per holder
    holder, a, b, c, stranger = admit(app, "worker", 5)
    ballot = app.open_ballot("Budget", opened_on=DAY)
    with pytest.raises(ProxyRefused, match="hold no proxy"):
        app.cast_vote(ballot, holder, "for", for_member=a)
    app.appoint_proxy(ballot, a, holder)
    app.appoint_proxy(ballot, b, holder)
    with pytest.raises(ProxyRefused, match="cannot take another proxy") as refused:
        app.appoint_proxy(ballot, c, holder)
    assert "holds 2" not in str(refused.value)  # how many they hold is theirs
    with pytest.raises(ProxyRefused):
        app.cast_vote(ballot, stranger, "against", for_member=a)
    app.cast_vote(ballot, holder, "for", for_member=a)
    app.cast_vote(ballot, holder, "against", for_member=b)
    app.cast_vote(ballot, holder, "for")
    roll = app._roll(ballot)
    assert roll.votes == {str(a): "for", str(b): "against", str(holder): "for"}
    result = app.close_ballot(ballot, DAY)
    assert (result.voted, result.strength_for, result.strength_against) == (
        3,
        "2/5",
        "1/5",
    )


def test_a_vote_cast_in_person_supersedes_the_proxy(make_app: AppFactory) -> None:
    """In an open ballot the member's own vote stands, whichever comes first: a
    proxy holder can neither overwrite it nor vote for them after it."""
    app = make_app("uk_multi_stakeholder")
    holder, member = admit(app, "worker", 2)
    ballot = app.open_ballot("Budget", opened_on=DAY)
    app.appoint_proxy(ballot, member, holder)
    app.cast_vote(ballot, holder, "for", for_member=member)
    app.cast_vote(ballot, member, "against")  # came to the meeting after all
    before = stored(app)
    with pytest.raises(ProxyRefused, match="voted in person"):
        app.cast_vote(ballot, holder, "for", for_member=member)
    assert stored(app) == before
    app.cast_vote(ballot, member, "abstain")  # their own vote they may change
    result = app.close_ballot(ballot, DAY)
    assert (result.voted, result.strength_for, result.strength_against) == (
        1,
        "0",
        "0",
    )


def test_late_joiner_and_withdrawn_member(make_app: AppFactory) -> None:
    app = make_app("uk_multi_stakeholder")
    stay, leaver, early_leaver = admit(app, "worker", 3)
    ballot = app.open_ballot("Budget", opened_on=DAY)
    late = admit(app, "worker")[0]
    before = stored(app)
    with pytest.raises(NotInElectorate, match="was not in this ballot's electorate"):
        app.cast_vote(ballot, late, "for")
    app.withdraw_member(early_leaver, DAY)
    before = stored(app)
    with pytest.raises(NotInElectorate, match="withdrawn"):
        app.cast_vote(ballot, early_leaver, "for")
    assert stored(app) == before
    # A vote cast before withdrawing is dropped at close under these rules.
    app.cast_vote(ballot, stay, "for")
    app.cast_vote(ballot, leaver, "against")
    app.withdraw_member(leaver, DAY)
    result = app.close_ballot(ballot, DAY)
    assert (result.voted, result.strength_against, result.passed) == (1, "0", True)
    assert result.electorate == 3


def test_an_open_vote_may_change_until_close(make_app: AppFactory) -> None:
    app = make_app("uk_multi_stakeholder")
    a, b = admit(app, "worker", 2)
    ballot = app.open_ballot("Budget", opened_on=DAY)
    app.cast_vote(ballot, a, "against")
    app.cast_vote(ballot, a, "for")
    app.cast_vote(ballot, b, "for")
    with pytest.raises(InvalidChoice):
        app.cast_vote(ballot, b, "maybe")
    result = app.close_ballot(ballot, DAY)
    assert (result.voted, result.strength_for, result.strength_against) == (
        2,
        "1",
        "0",
    )
    with pytest.raises(BallotClosed):
        app.cast_vote(ballot, a, "against")
    with pytest.raises(BallotClosed):
        app.close_ballot(ballot, DAY)


def test_secret_ballot_receipts_replace_and_verify(make_app: AppFactory) -> None:
    app = make_app("uk_multi_stakeholder")
    a, b, c = admit(app, "worker", 3)
    ballot = app.open_ballot("Merge with a neighbour", secret=True, opened_on=DAY)
    secret_a = app.cast_vote(ballot, a, "for")
    secret_b = app.cast_vote(ballot, b, "for")
    assert secret_a and secret_b and secret_a != secret_b
    with pytest.raises(AlreadyVoted):
        app.cast_vote(ballot, a, "against")
    new_a = app.replace_secret_vote(ballot, a, secret_a, "against")
    assert new_a != secret_a
    with pytest.raises(InvalidReceipt):
        app.replace_secret_vote(ballot, c, "not-a-receipt", "for")
    assert app.verify_receipt(ballot, new_a).choice == "against"
    assert not app.verify_receipt(ballot, new_a).counted
    assert app.verify_receipt(ballot, secret_a).state == "replaced"
    with pytest.raises(InvalidReceipt):  # a replaced receipt replaces nothing
        app.replace_secret_vote(ballot, a, secret_a, "for")
    result = app.close_ballot(ballot, DAY)
    assert (result.strength_for, result.strength_against) == ("1/3", "1/3")
    assert not result.passed
    receipt = app.verify_receipt(ballot, secret_b)
    assert (receipt.ballot_status, receipt.counted, receipt.choice) == (
        "closed",
        True,
        "for",
    )
    with pytest.raises(BallotClosed):
        app.replace_secret_vote(ballot, b, secret_b, "against")


def test_board_election_stv_plurality_and_board_check(make_app: AppFactory) -> None:
    app = make_app("uk_multi_stakeholder")  # workers 3 seats, volunteers 1
    workers = admit(app, "worker", 9)
    volunteers = admit(app, "volunteer", 3)
    w = workers[:5]  # five candidates for three worker seats
    election = app.open_election(
        "Board 2026", {"worker": w, "volunteer": volunteers[:2]}, opened_on=DAY
    )
    # Worker ballots (9, quota 9 // 4 + 1 = 3):
    #   4 x [w0, w1], 2 x [w2], 2 x [w3, w2], 1 x [w4, w3]
    # Stage 1: w0 4 -> elected. Stage 2: w0's surplus, 1 of 4: 4 x 0.25 to w1.
    # Stage 3: w1 1, w2 2, w3 2, w4 1; w1 and w4 tie at 1: at the most recent
    #   earlier stage where they differed (stage 1: w1 0, w4 1) w1 had fewer,
    #   so w1 is excluded; its ballots exhaust.
    # Stage 4: w4 excluded, its ballot goes to w3 (3): w3 elected.
    # Stage 5: w2 is the one continuing candidate for the last seat.
    rankings = [[w[0], w[1]]] * 4 + [[w[2]]] * 2 + [[w[3], w[2]]] * 2 + [[w[4], w[3]]]
    for voter, ranking in zip(workers, rankings, strict=True):
        app.cast_vote(election, voter, ranking)
    app.cast_vote(election, volunteers[0], [volunteers[1]])
    app.cast_vote(election, volunteers[1], [volunteers[1]])
    with pytest.raises(InvalidChoice, match="one candidate"):
        app.cast_vote(election, volunteers[2], volunteers[:2])
    with pytest.raises(InvalidChoice, match="not candidates"):
        app.cast_vote(election, volunteers[2], [workers[0]])
    result = app.close_ballot(election, DAY)
    count = result.counts["worker"]
    assert count.quota == 3
    assert [r.excluded for r in count.rounds] == [
        [],
        [],
        [str(w[1])],
        [str(w[4])],
        [],
    ]
    assert count.rounds[2].tie_broken == "history"
    assert set(count.elected) == {str(w[0]), str(w[3]), str(w[2])}
    assert result.counts["volunteer"].elected == [str(volunteers[1])]
    assert app.coop().board == {
        "worker": count.elected,
        "volunteer": [str(volunteers[1])],
    }


def test_a_result_breaking_the_board_rules_is_refused(make_app: AppFactory) -> None:
    app = make_app("quebec_solidarity")  # users elect 4 seats
    users = admit(app, "user", 5)
    admit(app, "worker", 1)
    election = app.open_election("Board", {"user": users}, opened_on=DAY)
    for voter in users:
        app.cast_vote(election, voter, [users[0], users[1]])
    # A winning candidate becomes a supporting member before the count.
    app.change_member_class(users[0], "supporter", DAY)
    before = stored(app)
    with pytest.raises(BoardRulesBroken) as refused:
        app.close_ballot(election, DAY)
    assert f"member {users[0]} holds a user seat but is now a supporter" in str(
        refused.value
    )
    assert stored(app) == before and app.ballot(election).is_open
    app.cancel_ballot(election, "a candidate changed class", DAY)
    assert app.ballot(election).status == "cancelled"
    assert app.coop().board == {}


def test_amended_rules_apply_to_later_ballots(make_app: AppFactory) -> None:
    app = make_app("quebec_solidarity")
    a, b = admit(app, "user", 2)
    allowing = msgspec.structs.replace(
        profile_named("quebec_solidarity"), proxies_per_holder=1
    )
    with pytest.raises(ProxyRefused):
        app.appoint_proxy(app.open_ballot("Before", opened_on=DAY), a, b)
    app.amend_rules(allowing, DAY, motion_id=carried_motion(app, "rules_amendment"))
    ballot = app.open_ballot("Budget", opened_on=DAY)
    app.appoint_proxy(ballot, a, b)
    app.cast_vote(ballot, b, "for", for_member=a)
    assert app.close_ballot(ballot, DAY).voted == 1
    with pytest.raises(msgspec.ValidationError, match="more than the board"):
        msgspec.convert(
            {**msgspec.to_builtins(allowing), "board_size": 2}, RulesProfile
        )
