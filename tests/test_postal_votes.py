"""Votes entered by staff on a member's behalf (issue #15, item 5): counted as
the member's own, refused when they already voted, with an audit trail."""

from pathlib import Path

import pytest

from node.errors import AlreadyVoted, ProxyRefused
from tests.test_governance import DAY, admit
from tests.test_secret_ballot_linking import new_app


def test_a_postal_vote_counts_and_is_audited(tmp_path: Path) -> None:
    app = new_app(tmp_path / "store.db")
    ann, bob, cy = admit(app, "worker", 3)
    ballot = app.open_ballot("Budget", opened_on=DAY)
    assert app.enter_postal_vote(ballot, ann, "against", "Staff Sam") is None
    app.enter_postal_vote(ballot, bob, "for", "Staff Sam", "assisted", DAY)
    assert app.voters(ballot) == {str(ann), str(bob)}
    assert [
        (e["member"], e["entered_by"], e["channel"], e["choice"])
        for e in app.postal_votes(ballot)
    ] == [
        (str(ann), "Staff Sam", "postal", "against"),
        (str(bob), "Staff Sam", "assisted", "for"),
    ]
    # Staff cannot enter a second vote for a member who has voted.
    with pytest.raises(AlreadyVoted):
        app.enter_postal_vote(ballot, ann, "for", "Staff Sam")
    result = app.close_ballot(ballot, DAY)
    assert (result.voted, result.strength_against != "0") == (2, True)
    assert cy  # never voted: not counted
    app.close()


def test_refused_when_the_member_voted_online(tmp_path: Path) -> None:
    app = new_app(tmp_path / "store.db")
    (ann,) = admit(app, "worker", 1)
    ballot = app.open_ballot("Budget", opened_on=DAY)
    app.cast_vote(ballot, ann, "for")
    with pytest.raises(AlreadyVoted):
        app.enter_postal_vote(ballot, ann, "against", "Staff Sam")
    assert app.postal_votes(ballot) == []
    app.close()


def test_a_secret_postal_vote_audits_who_not_what(tmp_path: Path) -> None:
    app = new_app(tmp_path / "store.db")
    ann, holder = admit(app, "worker", 2)
    ballot = app.open_ballot("Budget", secret=True, opened_on=DAY)
    app.appoint_proxy(ballot, ann, holder)
    secret = app.enter_postal_vote(ballot, ann, "against", "Staff Sam")
    assert secret is not None
    assert app.verify_receipt(ballot, secret).choice == "against"
    (entry,) = app.postal_votes(ballot)
    assert (entry["member"], entry["choice"]) == (str(ann), None)
    # The member has voted: their proxy can no longer vote for them.
    with pytest.raises(ProxyRefused):
        app.cast_vote(ballot, holder, "for", for_member=ann)
    assert app.close_ballot(ballot, DAY).voted == 1
    app.close()
