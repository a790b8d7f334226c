"""A secret vote once acknowledged survives the node being killed (issue #15,
item 4): its mark and its sealed ballot are in the store, not in memory."""

import sqlite3
from pathlib import Path

from node.application import CoopNode
from node.rules import profile_named
from node.secret_voting import TABLE
from tests.test_governance import DAY, admit
from tests.test_secret_ballot_linking import new_app
from toolkit.config import StoreConfig


def reopened(path: Path) -> CoopNode:
    return CoopNode(
        "alpha",
        {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)},
    )


def test_an_acknowledged_vote_survives_a_node_discarded_without_flush(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.db"
    app = new_app(path)
    voters = admit(app, "worker", 4)
    ballot = app.open_ballot("Budget", secret=True, opened_on=DAY)
    receipts = [app.cast_vote(ballot, v, "for") for v in voters[:3]]
    # Killed: no close, no flush; the object is simply dropped.
    del app

    again = reopened(path)
    assert again.voters(ballot) == {str(v) for v in voters[:3]}
    assert again.waiting_count(ballot) == 3
    first = receipts[0]
    assert first is not None
    assert again.verify_receipt(ballot, first).state == "waiting"
    # The node restarted keeps taking votes, and counts every one at close.
    again.cast_vote(ballot, voters[3], "against")
    result = again.close_ballot(ballot, DAY)
    assert (result.voted, result.strength_against != "0") == (4, True)
    assert again.verify_receipt(ballot, first).counted
    assert again.waiting_count(ballot) == 0
    again.close()


def test_waiting_ballots_name_no_member_and_keep_no_order(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    app = new_app(path)
    voters = admit(app, "worker", 6)
    ballot = app.open_ballot("Budget", secret=True, opened_on=DAY)
    for v in voters:
        app.cast_vote(ballot, v, "for")
    with sqlite3.connect(path) as db:
        (sql,) = db.execute(
            "SELECT sql FROM sqlite_master WHERE name = ?", (TABLE,)
        ).fetchone()
        rows = db.execute(f"SELECT * FROM {TABLE}").fetchall()
        receipts = [r[0] for r in db.execute(f"SELECT receipt FROM {TABLE}")]
    assert "WITHOUT ROWID" in sql and "receipt TEXT PRIMARY KEY" in sql
    # Rows are kept in the order of their receipt hashes, not of arrival.
    assert receipts == sorted(receipts)
    text = repr(rows)
    assert not any(str(v) in text or v.hex in text for v in voters)
    # The WAL was checkpointed and truncated after the last vote.
    wal = Path(f"{path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    app.close()


def test_a_batch_interrupted_after_its_deposit_is_not_counted_twice(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.db"
    app = new_app(path)
    voters = admit(app, "worker", 5)
    ballot = app.open_ballot("Budget", secret=True, opened_on=DAY)
    for v in voters:
        app.cast_vote(ballot, v, "for")
    # The deposit is saved but the node dies before the rows are deleted.
    with app._pool().lock:
        app.save(*app._batch(ballot))
    del app
    again = reopened(path)
    assert again.close_ballot(ballot, DAY).voted == 5
    assert len(again._box(ballot).ballots) == 5
    again.close()


def test_votes_survive_a_restart_on_either_store(store: StoreConfig) -> None:
    app = CoopNode("alpha", store.env())
    app.found_coop("Alpha", profile_named("uk_multi_stakeholder"), DAY)
    voters = admit(app, "worker", 12)
    ballot = app.open_ballot("Budget", secret=True, opened_on=DAY)
    for v in voters[:11]:
        app.cast_vote(ballot, v, "for")
    # Ten waiting made a batch of five: six wait now.
    assert (len(app._box(ballot).ballots), app.waiting_count(ballot)) == (5, 6)
    del app
    again = CoopNode("alpha", store.env())
    again.cast_vote(ballot, voters[11], "against")
    result = again.close_ballot(ballot, DAY)
    assert (result.voted, result.passed) == (12, True)
    assert len(again._box(ballot).ballots) == 12
    again.close()
