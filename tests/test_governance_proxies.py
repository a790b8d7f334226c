"""Proxies done properly (issue #15, defect 3): the holder never overrides the
member's own vote, voting in person supersedes the proxy and the holder's earlier
vote, and a member can revoke a proxy."""

import pytest

from node.errors import AlreadyVoted, ProxyRefused
from tests.test_governance import DAY, AppFactory, admit, make_app

__all__ = ["make_app"]


def test_a_proxy_holder_cannot_overwrite_the_members_own_vote(
    make_app: AppFactory,
) -> None:
    # Defect 3 as reported: the member voted for, the holder then voted against
    # for them, and it was counted against.
    app = make_app("uk_multi_stakeholder")
    member, holder, other = admit(app, "worker", 3)
    ballot = app.open_ballot("Budget", opened_on=DAY)
    app.appoint_proxy(ballot, member, holder)
    app.cast_vote(ballot, member, "for")
    with pytest.raises(ProxyRefused, match="voted in person"):
        app.cast_vote(ballot, holder, "against", for_member=member)
    app.cast_vote(ballot, other, "abstain")
    result = app.close_ballot(ballot, DAY)
    assert (result.strength_for, result.strength_against) == ("1/3", "0")


def test_voting_in_person_supersedes_the_holders_earlier_vote(
    make_app: AppFactory,
) -> None:
    app = make_app("uk_multi_stakeholder")
    member, holder = admit(app, "worker", 2)
    ballot = app.open_ballot("Budget", opened_on=DAY)
    app.appoint_proxy(ballot, member, holder)
    app.cast_vote(ballot, holder, "against", for_member=member)
    app.cast_vote(ballot, member, "for")
    with pytest.raises(ProxyRefused):
        app.cast_vote(ballot, holder, "against", for_member=member)
    result = app.close_ballot(ballot, DAY)
    assert (result.voted, result.strength_for, result.strength_against) == (
        1,
        "1/2",
        "0",
    )


def test_revoking_a_proxy_withdraws_the_holders_open_vote(
    make_app: AppFactory,
) -> None:
    app = make_app("uk_multi_stakeholder")
    member, holder, other = admit(app, "worker", 3)
    ballot = app.open_ballot("Budget", opened_on=DAY)
    with pytest.raises(ProxyRefused, match="no proxy"):
        app.revoke_proxy(ballot, member)
    app.appoint_proxy(ballot, member, holder)
    app.cast_vote(ballot, holder, "against", for_member=member)
    assert app.proxies_held(ballot, holder) == [str(member)]
    app.revoke_proxy(ballot, member)
    assert app.proxy_of(ballot, member) is None
    with pytest.raises(ProxyRefused, match="hold no proxy"):
        app.cast_vote(ballot, holder, "for", for_member=member)
    roll = app.roll(ballot)
    assert str(member) not in roll.voted and str(member) not in roll.votes
    # They may appoint someone else afterwards.
    app.appoint_proxy(ballot, member, other)
    app.cast_vote(ballot, other, "for", for_member=member)
    assert app.close_ballot(ballot, DAY).strength_for == "1/3"


def test_secret_ballot_proxies(make_app: AppFactory) -> None:
    app = make_app("uk_multi_stakeholder")
    member, holder, late = admit(app, "worker", 3)
    ballot = app.open_ballot("Budget", secret=True, opened_on=DAY)
    app.appoint_proxy(ballot, member, holder)
    app.revoke_proxy(ballot, member)  # before the holder voted: fine
    app.appoint_proxy(ballot, member, holder)
    # Voting in person before the holder does ends the proxy.
    app.cast_vote(ballot, member, "for")
    with pytest.raises(ProxyRefused, match="already voted"):
        app.cast_vote(ballot, holder, "against", for_member=member)
    # Once the holder has cast a secret vote for a member, it stands.
    app.appoint_proxy(ballot, late, holder)
    app.cast_vote(ballot, holder, "against", for_member=late)
    with pytest.raises(ProxyRefused, match="it stands"):
        app.revoke_proxy(ballot, late)
    with pytest.raises(AlreadyVoted):
        app.cast_vote(ballot, late, "for")
    result = app.close_ballot(ballot, DAY)
    assert (result.strength_for, result.strength_against) == ("1/3", "1/3")
