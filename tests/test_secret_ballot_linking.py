"""The node's operator reads the raw store in order and tries to link members to
their secret choices (issue #15, item 4); and a secret ballot's tally hides the
counts of classes so small that they would reveal a choice."""

import itertools
import json
import sqlite3
from pathlib import Path
from uuid import UUID

from node.application import CoopNode
from node.ballots import BallotBox, Roll
from node.rules import profile_named
from node.secret_voting import BATCH
from tests.test_governance import DAY, admit


def new_app(path: Path) -> CoopNode:
    app = CoopNode(
        "alpha",
        {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)},
    )
    app.found_coop("Alpha", profile_named("uk_multi_stakeholder"), DAY)
    return app


def raw_log(path: Path) -> list[tuple[str, dict[str, object]]]:
    """Every stored event, as the operator sees them: in the order written."""
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT topic, state FROM stored_events ORDER BY rowid"
        ).fetchall()
    return [(topic, json.loads(state)) for topic, state in rows]


def test_reading_the_store_in_order_does_not_link_voters_to_choices(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.db"
    app = new_app(path)
    workers = admit(app, "worker", 16)
    candidates = workers[:4]
    election = app.open_election("Board", {"worker": candidates}, opened_on=DAY)
    # Every voter ranks a different order, so a choice names its voter.
    rankings = [list(p) for p in itertools.permutations(candidates)]
    final: dict[str, tuple[str, ...]] = {}
    receipts: dict[UUID, str] = {}
    for voter, ranking in zip(workers, rankings, strict=False):
        secret = app.cast_vote(election, voter, ranking)
        assert secret is not None
        receipts[voter] = secret
        final[str(voter)] = tuple(str(c) for c in ranking)
    # Two voters change their minds: a new receipt each, the old ones void.
    for voter, ranking in zip(workers[:2], rankings[16:18], strict=True):
        new = app.replace_secret_vote(election, voter, receipts[voter], ranking)
        assert new != receipts[voter]
        assert app.verify_receipt(election, new).choice == [str(c) for c in ranking]
        assert app.verify_receipt(election, receipts[voter]).state in {
            "replaced",
            "waiting",
        }
        final[str(voter)] = tuple(str(c) for c in ranking)
    app.close_ballot(election, DAY)
    app.close()

    log = raw_log(path)
    marks = [s["member"] for t, s in log if t == Roll.Marked.TOPIC]
    deposited = [
        (s["receipt"], tuple(s["choice"]))  # type: ignore[arg-type]
        for t, s in log
        if t == BallotBox.Deposited.TOPIC
    ]
    voided = {s["receipt"] for t, s in log if t == BallotBox.Voided.TOPIC}
    assert sorted(marks) == sorted(final)
    counted = [c for r, c in deposited if r not in voided]
    assert sorted(counted) == sorted(final.values())
    # A replaced vote is deposited under a new receipt: no receipt is reused.
    assert len({r for r, _ in deposited}) == len(deposited)

    # Attack 1: the k-th mark goes with the k-th counted ballot.
    by_order = sum(final[m] == c for m, c in zip(marks, counted, strict=True))
    # Attack 2: each mark goes with the first ballot written after it.
    positions = [i for i, (t, _) in enumerate(log) if t == BallotBox.Deposited.TOPIC]
    after = 0
    for i, (topic, state) in enumerate(log):
        if topic != Roll.Marked.TOPIC:
            continue
        nxt = next((p for p in positions if p > i), None)
        if nxt is not None and tuple(log[nxt][1]["choice"]) == final[state["member"]]:  # type: ignore[arg-type]
            after += 1
    assert by_order < len(final) and after < len(final), (by_order, after)
    # Ballots are written in runs of at least BATCH, each with as many marks.
    runs = [
        len(list(group))
        for topic, group in itertools.groupby(t for t, _ in log)
        if topic == BallotBox.Deposited.TOPIC
    ]
    assert runs and min(runs) >= BATCH, runs


def test_small_classes_counts_are_hidden_in_a_secret_tally(tmp_path: Path) -> None:
    app = new_app(tmp_path / "store.db")
    workers = admit(app, "worker", 5)
    (volunteer,) = admit(app, "volunteer", 1)
    ballot = app.open_ballot("Budget", secret=True, opened_on=DAY)
    for voter in [*workers, volunteer]:
        app.cast_vote(ballot, voter, "for" if voter != volunteer else "against")
    result = app.close_ballot(ballot, DAY)
    # One volunteer: their class is hidden, and since the totals less the
    # workers would give them away, every class's counts are hidden.
    assert all(c.votes is None and c.strength is None for c in result.classes)
    assert (result.voted, result.passed) == (6, True)
    stored = app.ballot(ballot).result
    assert stored is not None
    assert all(c["votes"] is None for c in stored["classes"])
    app.close()


def test_only_the_small_classes_are_hidden_when_together_they_are_not(
    tmp_path: Path,
) -> None:
    app = new_app(tmp_path / "store.db")
    voters = {
        "worker": admit(app, "worker", 4),
        "volunteer": admit(app, "volunteer", 2),
        "supporter": admit(app, "supporter", 1),
    }
    ballot = app.open_ballot("Budget", secret=True, opened_on=DAY)
    for members in voters.values():
        for voter in members:
            app.cast_vote(ballot, voter, "for")
    result = app.close_ballot(ballot, DAY)
    hidden = {c.member_class for c in result.classes if c.votes is None}
    assert hidden == {"volunteer", "supporter"}
    workers = next(c for c in result.classes if c.member_class == "worker")
    assert workers.votes == {"for": 4, "against": 0, "abstain": 0}
    app.close()
