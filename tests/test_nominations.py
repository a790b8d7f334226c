"""A board election's nominations period: standing, accepting, withdrawal by the
board, voting opened with those standing, and the board that results with its
terms of office. Statements never leave the node."""

import datetime as dt
from uuid import UUID

import msgspec
import pytest

from node.application import ALLOWLIST, CoopNode
from node.coop import Coop
from node.errors import (
    InvalidNomination,
    InvalidNominationsPeriod,
    NoCandidates,
    NominationsClosed,
    NominationsStillOpen,
)
from node.nominations import Election
from node.sharing import SharingPolicy
from node.terms import DEFAULT_TERM_YEARS, term_end

OPENS = dt.date(2026, 4, 1)
CLOSES = dt.date(2026, 4, 14)
STATEMENT = "I have worked nights for six years and want the rota fixed."


def join(app: CoopNode, name: str, member_class: str) -> UUID:
    member_id = app.apply_for_membership(
        name=name,
        email=f"{name.split()[0].lower()}@example.org",
        member_class=member_class,
    )
    app.admit_member(member_id, dt.date(2026, 3, 10))
    return member_id


def called(app: CoopNode) -> UUID:
    return app.call_election(
        "Board election 2026",
        opens_on=OPENS,
        closes_on=CLOSES,
        constituencies=["worker", "volunteer"],
        voting_closes_on=dt.date(2026, 4, 30),
    )


def test_members_stand_the_board_withdraws_and_voting_opens_with_those_standing(
    app: CoopNode,
) -> None:
    ann, bea, cai, dev = (
        join(app, n, "worker") for n in ("Ann Ode", "Bea Lutz", "Cai Moss", "Dev Roy")
    )
    vic = join(app, "Vic Hale", "volunteer")
    sue = join(app, "Sue Park", "supporter")
    election_id = called(app)
    day = dt.date(2026, 4, 2)

    with pytest.raises(NominationsClosed):
        app.nominate(election_id, ann, ann, STATEMENT, on=dt.date(2026, 3, 31))
    app.nominate(election_id, ann, ann, STATEMENT, on=day)
    app.nominate(election_id, bea, bea, "Bea's statement", on=day)
    # Cai is nominated by Ann and stands only once they accept.
    app.nominate(election_id, cai, ann, on=day)
    assert app.election(election_id).standing() == {"worker": [str(ann), str(bea)]}
    app.accept_nomination(election_id, cai, "Cai's statement", on=day)
    app.nominate(election_id, dev, dev, "Dev's statement", on=day)
    app.nominate(election_id, vic, vic, "Vic's statement", on=day)
    with pytest.raises(InvalidNomination):  # supporters elect nobody here
        app.nominate(election_id, sue, sue, "Sue's statement", on=day)
    with pytest.raises(InvalidNomination):  # once only
        app.nominate(election_id, ann, ann, "again", on=day)
    app.withdraw_nomination(election_id, dev, "Dev is on the staff panel")

    election = app.election(election_id)
    assert election.nominees[str(cai)]["statement"] == "Cai's statement"
    assert election.nominees[str(cai)]["nominated_by"] == str(ann)
    assert election.nominees[str(dev)]["status"] == "withdrawn"
    assert election.nominees[str(dev)]["reason"] == "Dev is on the staff panel"

    with pytest.raises(NominationsStillOpen):
        app.open_voting(election_id, dt.date(2026, 4, 13))
    ballot_id = app.open_voting(election_id, CLOSES)
    with pytest.raises(NominationsClosed):
        app.nominate(election_id, sue, sue, "late", on=CLOSES)
    ballot = app.ballot(ballot_id)
    assert ballot.kind == "election" and ballot.secret
    assert ballot.closes_on == dt.date(2026, 4, 30)
    assert ballot.constituencies == {
        "worker": {"seats": 3, "candidates": [str(ann), str(bea), str(cai)]},
        "volunteer": {"seats": 1, "candidates": [str(vic)]},
    }
    assert app.election(election_id).ballot_id == ballot_id


def test_closing_the_election_records_the_board_and_each_term(app: CoopNode) -> None:
    workers = [join(app, f"Worker {n}", "worker") for n in "ABCD"]
    vic = join(app, "Vic Hale", "volunteer")
    election_id = called(app)
    for w in workers:
        app.nominate(election_id, w, w, f"statement of {w}", on=OPENS)
    ballot_id = app.open_voting(election_id, CLOSES)
    a, b, c, d = (str(w) for w in workers)
    for voter, ranking in zip(workers, ([a, b], [a, c], [b, a], [c, b]), strict=True):
        app.cast_vote(ballot_id, voter, ranking)
    assert str(vic) not in app.roll(ballot_id).electorate  # volunteers: nobody stood
    closed_on = dt.date(2026, 4, 30)
    result = app.close_ballot(ballot_id, closed_on)

    elected = result.elected["worker"]
    assert len(elected) == 3 and d not in elected
    coop = app.coop()
    assert coop.board["worker"] == elected
    ends = term_end(closed_on, DEFAULT_TERM_YEARS)
    assert ends == dt.date(2029, 4, 29)
    assert {m: coop.terms[m] for m in elected} == dict.fromkeys(
        elected, (closed_on, ends)
    )
    assert d not in coop.terms


def test_an_election_nobody_stands_in_cannot_open_voting(app: CoopNode) -> None:
    join(app, "Ann Ode", "worker")
    election_id = called(app)
    with pytest.raises(NoCandidates):
        app.open_voting(election_id, CLOSES)
    # The scheduler's pass leaves it for the board to see.
    assert app.open_due_voting(dt.date(2026, 4, 15)) == []


def test_due_elections_open_voting_the_day_after_nominations_close(
    app: CoopNode,
) -> None:
    ann = join(app, "Ann Ode", "worker")
    election_id = called(app)
    app.nominate(election_id, ann, ann, STATEMENT, on=OPENS)
    assert app.open_due_voting(CLOSES) == []
    (ballot_id,) = app.open_due_voting(dt.date(2026, 4, 15))
    assert app.election(election_id).ballot_id == ballot_id


def test_the_nominations_period_is_in_order(app: CoopNode) -> None:
    with pytest.raises(InvalidNominationsPeriod):
        app.call_election("Backwards", opens_on=CLOSES, closes_on=OPENS)
    with pytest.raises(InvalidNominationsPeriod):
        app.call_election(
            "Voting first", opens_on=OPENS, closes_on=CLOSES, voting_closes_on=OPENS
        )
    with pytest.raises(InvalidNominationsPeriod):  # no board seats
        app.call_election("Nobody", opens_on=OPENS, closes_on=CLOSES, constituencies=[])


def test_statements_and_withdrawal_reasons_never_leave_the_node(
    app: CoopNode,
) -> None:
    ann = join(app, "Ann Ode", "worker")
    bea = join(app, "Bea Lutz", "worker")
    election_id = called(app)
    app.nominate(election_id, ann, ann, STATEMENT, on=OPENS)
    app.nominate(election_id, bea, ann, on=OPENS)
    app.accept_nomination(election_id, bea, "Bea stands too", on=OPENS)
    app.withdraw_nomination(election_id, bea, "a private reason")
    ballot_id = app.open_voting(election_id, CLOSES)
    app.cast_vote(ballot_id, ann, [str(ann)])
    app.close_ballot(ballot_id, dt.date(2026, 4, 30))

    for topic in (
        Election.Called.TOPIC,
        Election.Nominated.TOPIC,
        Election.Accepted.TOPIC,
        Election.Withdrawn.TOPIC,
        Election.VotingOpened.TOPIC,
        Coop.TermsBegun.TOPIC,
    ):
        assert topic not in ALLOWLIST
    policy = SharingPolicy(b"0123456789abcdef", ALLOWLIST)
    shared = []
    for notification in app.recorder.select_notifications(1, 10_000):
        out = policy.share(app.mapper.to_domain_event(notification))
        if out is not None:
            shared.append(msgspec.json.encode(out.payload))
    assert shared, "the election's close and the board are shared"
    for payload in shared:
        for private in (STATEMENT.encode(), b"Bea stands too", b"private reason"):
            assert private not in payload
