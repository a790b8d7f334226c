"""Two requests at once for the same member, from real threads, on SQLite and
PostgreSQL: exactly one vote is recorded."""

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from node.application import CoopNode
from node.ballots import Roll, roll_id
from node.errors import AlreadyVoted
from node.rules import profile_named
from toolkit.config import StoreConfig

DAY = dt.date(2026, 5, 4)


@pytest.fixture
def app(store: StoreConfig) -> Iterator[CoopNode]:
    app = CoopNode("alpha", store.env())
    app.found_coop("Alpha", profile_named("uk_multi_stakeholder"), DAY)
    yield app
    app.close()


def at_once(*calls: tuple[Any, ...]) -> list[object]:
    """Run each (function, *args) in its own thread, released together."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(i: int, fn: Any, *args: Any) -> None:
        barrier.wait()
        try:
            outcomes[i] = fn(*args)
        except Exception as error:
            outcomes[i] = error

    threads = [
        threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def members(app: CoopNode, n: int) -> list[UUID]:
    ids = []
    for i in range(n):
        m = app.apply_for_membership(
            name=f"M {i}", email=f"m{i}@example.org", member_class="worker"
        )
        app.admit_member(m, DAY)
        ids.append(m)
    return ids


def roll_events(app: CoopNode, ballot: UUID, topic: str) -> list[Any]:
    return [
        e
        for e in app.events.get(roll_id(ballot))
        if topic == type(e).TOPIC  # type: ignore[attr-defined]
    ]


def test_two_open_votes_at_once_record_one_vote(app: CoopNode) -> None:
    voters = members(app, 8)
    ballot = app.open_ballot("Budget", opened_on=DAY)
    for voter in voters:
        at_once(
            (app.cast_vote, ballot, voter, "for"),
            (app.cast_vote, ballot, voter, "against"),
        )
    roll = app._roll(ballot)
    # Both requests succeed; the later one replaces the earlier, so each member
    # holds exactly one vote, and the count sees one per member.
    assert sorted(roll.votes) == sorted(str(v) for v in voters)
    assert len(roll_events(app, ballot, Roll.VoteCast.TOPIC)) == 16
    result = app.close_ballot(ballot, DAY)
    assert result.voted == 8


def test_two_secret_votes_at_once_record_one_ballot(app: CoopNode) -> None:
    voters = members(app, 8)
    ballot = app.open_ballot("Budget", secret=True, opened_on=DAY)
    for voter in voters:
        outcomes = at_once(
            (app.cast_vote, ballot, voter, "for"),
            (app.cast_vote, ballot, voter, "against"),
        )
        receipts = [o for o in outcomes if isinstance(o, str)]
        refused = [o for o in outcomes if isinstance(o, AlreadyVoted)]
        assert (len(receipts), len(refused)) == (1, 1), outcomes
    # Fewer than ten are waiting: none is in the box before the close.
    assert len(app._box(ballot).ballots) == 0
    assert app.waiting_count(ballot) == 8
    assert app.close_ballot(ballot, DAY).voted == 8
    assert len(app._box(ballot).ballots) == 8
    assert len(roll_events(app, ballot, Roll.Marked.TOPIC)) == 8


def test_votes_racing_the_close_are_counted_or_refused(app: CoopNode) -> None:
    voters = members(app, 6)
    ballot = app.open_ballot("Budget", secret=True, opened_on=DAY)
    outcomes = at_once(
        *[(app.cast_vote, ballot, v, "for") for v in voters],
        (app.close_ballot, ballot, DAY),
    )
    result = outcomes[-1]
    accepted = sum(isinstance(o, str) for o in outcomes[:-1])
    assert accepted == result.voted  # type: ignore[attr-defined]
    assert len(app._box(ballot).ballots) == accepted
    assert app.waiting_count(ballot) == 0
