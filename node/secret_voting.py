"""Secret ballots: votes kept durably without an order that links them, written
into the box in shuffled batches, receipts to check them, and replacements under
a new receipt.

The threat: the node's operator (or anyone with a copy of its store) reads the
stored events in the order they were written. If a member's mark on the roll and
their ballot in the box were written together, or one after the other, that order
would link the member to their choice; a replaced ballot kept under the same
receipt would link them to their final choice too.

The design:

- A secret vote is written at once, in one transaction (on SQLite): the member's
  mark on the roll (an event: "has voted", never how) and their sealed ballot
  (class, strength, choice, under the sha256 of a fresh receipt secret that only
  the voter is shown; no member, no time) as a row of ``secret_ballots_waiting``.
  On SQLite that table is ``WITHOUT ROWID`` keyed by the receipt hash, so its rows
  are stored in the order of random hashes, not of arrival; deleted rows are
  zeroed (``secure_delete``) and the write-ahead log is checkpointed and
  truncated after each vote, so the page images of one vote's commit (its mark
  and its ballot together) do not stay in the WAL file. An acknowledged vote
  survives the node being killed: a new node on the same store finds it there.
- When ``2 * BATCH`` (10) ballots are waiting, ``BATCH`` (5) drawn at random
  (``secrets.SystemRandom``) are deposited in the box's events in shuffled order
  and their rows deleted. At close every ballot still waiting is deposited the
  same way, with the close. Since at least ``BATCH`` are always left waiting, the
  batch written at close holds at least ``BATCH`` too (when the ballot had that
  many). The marks are in the log in the order members voted; the ballots are in
  it in batches whose order says nothing about which mark goes with which
  ballot, so linking by the log is a guess among at least ``BATCH`` voters.
- A replaced vote gets a new receipt: a ballot still waiting is rewritten under
  the new receipt (the old one kept as a row marked replaced, with no choice); a
  ballot already in the box is ``Voided`` by a waiting row that deposits the new
  one in a later batch.
- A member who votes in person while their proxy has not yet voted for them
  ends the proxy; once a proxy's secret vote is cast it is final for that ballot.

What remains (see SECURITY.md): on SQLite the deposit of a batch and the deletion
of its rows are two transactions (a crash between them is repaired on the next
batch: a row already in the box is dropped, never deposited twice); the WAL is
truncated, not wiped, so the file system may keep its old blocks until they are
reused; a checkpoint costs about 1.6 ms per vote (SECURITY.md). On PostgreSQL the mark
and the ballot are written one after the other (mark first, so a crash between
them loses that one vote, never counts one twice), the table's heap keeps rows
in insertion order until it is vacuumed, and the server's WAL keeps every commit
until it is recycled: an operator of the PostgreSQL server who keeps WAL
archives can pair marks with ballots. An operator who reads the running node's
memory, or who watches each request as it is made, sees everything; a ballot
with fewer than a handful of voters, or a class with one or two voters, is only
as secret as its counts allow (closed tallies hide such small classes' counts,
see ``node.tally``).
"""

import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate
from eventsourcing.sqlite import SQLiteApplicationRecorder

from node.ballot_access import BallotAccess
from node.ballots import Ballot, BallotBox, Roll, receipt_hash
from node.errors import AlreadyVoted, InvalidBallot, InvalidReceipt, ProxyRefused
from toolkit.storage import Cursor

BATCH = 5
_SHUFFLE = secrets.SystemRandom()
_POOLS_LOCK = threading.Lock()
TABLE = "secret_ballots_waiting"
_COLUMNS = "receipt, ballot, member_class, strength, choice, voids, replaced"


class Receipt(msgspec.Struct, frozen=True):
    """What a secret voter can learn with their receipt's secret.

    ``state``: "waiting" (kept for the next batch), "in the box", or "replaced"
    (a later vote with a new receipt took its place)."""

    ballot_status: str
    counted: bool
    choice: Any
    state: str = "in the box"


@dataclass
class Waiting:
    """A sealed ballot kept until its batch is written (a row of ``TABLE``)."""

    receipt: str
    member_class: str
    strength: str
    choice: Any
    voids: str | None = None  # the receipt of the ballot it replaces
    replaced: bool = False  # replaced before it was written: never deposited


@dataclass
class Pool:
    """One lock per node for every secret-ballot write."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    table_ready: bool = False


class SecretVoting(BallotAccess):
    def _pool(self) -> Pool:
        with _POOLS_LOCK:
            pool: Pool | None = self.__dict__.get("_secret_pool")
            if pool is None:
                pool = self.__dict__["_secret_pool"] = Pool()
            return pool

    def voters(self, ballot_id: UUID) -> set[str]:
        """Every member who has voted (each mark is written when they vote)."""
        return self.roll(ballot_id).voted

    def waiting_count(self, ballot_id: UUID) -> int:
        """Sealed ballots kept for the next batch, not yet in the box."""
        return sum(not w.replaced for w in self._waiting(ballot_id))

    def _cast_secret(
        self,
        ballot: Ballot,
        member: str,
        voter: str,
        member_class: str,
        strength: str,
        choice: Any,
    ) -> str:
        """Mark the roll and keep the sealed ballot, in one write (the caller
        holds the pool lock)."""
        roll = self._roll(ballot.id)
        if member in roll.voted:
            if voter != member:
                raise ProxyRefused(
                    "this member has already voted; the proxy no longer applies"
                )
            raise AlreadyVoted(
                "you have already voted in this secret ballot; replace it with "
                "your receipt"
            )
        secret = secrets.token_urlsafe(24)
        roll.mark(member, voter)
        sealed = Waiting(
            receipt_hash(ballot.id, secret), member_class, strength, choice
        )
        self._save_with_ballot(roll, ballot.id, sealed)
        self._write_batch_if_due(ballot.id)
        return secret

    def replace_secret_vote(
        self, ballot_id: UUID, voter_id: UUID, secret: str, choice: Any
    ) -> str:
        """Replace a secret ballot before close; needs the receipt's secret.
        Returns the new receipt's secret: the old receipt no longer counts."""
        ballot = self.ballot(ballot_id)
        ballot.require_open()
        if not ballot.secret:
            raise InvalidBallot("this ballot is not secret: cast the vote again")
        profile = self.ballot_rules(ballot)
        self._require_elector(self._roll(ballot_id), str(voter_id), profile)
        old = receipt_hash(ballot_id, secret)
        new_secret = secrets.token_urlsafe(24)
        new = receipt_hash(ballot_id, new_secret)
        with self._pool().lock:
            waiting = self._waiting(ballot_id)
            held = next((w for w in waiting if w.receipt == old), None)
            if held is not None and not held.replaced:
                valid = ballot.valid_choice(held.member_class, choice)
                with self._db() as cursor:
                    cursor.execute(
                        f"UPDATE {TABLE} SET choice = NULL, replaced = 1 "
                        "WHERE receipt = ?",
                        (old,),
                    )
                    self._insert(
                        cursor,
                        ballot_id,
                        Waiting(new, held.member_class, held.strength, valid),
                    )
                self._forget_wal()
                return new_secret
            stored = self._box(ballot_id).ballots.get(old)
            if stored is None or any(w.voids == old for w in waiting):
                raise InvalidReceipt("no ballot in this box matches that receipt")
            member_class, strength, _ = stored
            valid = ballot.valid_choice(member_class, choice)
            with self._db() as cursor:
                self._insert(
                    cursor, ballot_id, Waiting(new, member_class, strength, valid, old)
                )
            self._forget_wal()
            self._write_batch_if_due(ballot_id)
        return new_secret

    def verify_receipt(self, ballot_id: UUID, secret: str) -> Receipt:
        ballot = self.ballot(ballot_id)
        if not ballot.secret:
            raise InvalidBallot("receipts are given for secret ballots only")
        receipt = receipt_hash(ballot_id, secret)
        with self._pool().lock:
            for w in self._waiting(ballot_id):
                if w.receipt == receipt:
                    if w.replaced:
                        return Receipt(ballot.status, False, None, "replaced")
                    return Receipt(ballot.status, False, w.choice, "waiting")
                if w.voids == receipt:
                    return Receipt(ballot.status, False, None, "replaced")
            box = self._box(ballot_id)
        held = box.ballots.get(receipt)
        if held is not None:
            # Every ballot in the box at close is counted (see _close).
            closed = ballot.status == "closed"
            return Receipt(ballot.status, closed, held[2], "in the box")
        if receipt in box.voided:
            return Receipt(ballot.status, False, None, "replaced")
        raise InvalidReceipt("no ballot in this box matches that receipt")

    # --- batches -----------------------------------------------------------------

    def _write_batch_if_due(self, ballot_id: UUID) -> None:
        waiting = [w for w in self._waiting(ballot_id) if not w.replaced]
        if len(waiting) < 2 * BATCH:
            return
        chosen = _SHUFFLE.sample(waiting, BATCH)
        self._retrying(lambda: self.save(*self._batch(ballot_id, chosen)))
        self._batch_written(ballot_id, chosen)

    def _batch(
        self, ballot_id: UUID, chosen: list[Waiting] | None = None
    ) -> tuple[Roll, BallotBox]:
        """The roll and the box with the ``chosen`` waiting ballots (all, by
        default) deposited, shuffled. The caller saves them under the pool lock,
        then calls ``_batch_written``."""
        if chosen is None:
            chosen = [w for w in self._waiting(ballot_id) if not w.replaced]
        roll, box = self._roll(ballot_id), self._box(ballot_id)
        # A batch whose rows outlived a crash after its deposit is not repeated.
        fresh = [w for w in chosen if w.receipt not in box.ballots]
        fresh = [w for w in fresh if w.receipt not in box.voided]
        _SHUFFLE.shuffle(fresh)
        for w in fresh:
            if w.voids is not None and w.voids in box.ballots:
                box.void(w.voids)
        _SHUFFLE.shuffle(fresh)
        for w in fresh:
            box.deposit(w.receipt, w.member_class, w.strength, w.choice)
        return roll, box

    def _batch_written(
        self, ballot_id: UUID, chosen: list[Waiting] | None = None
    ) -> None:
        with self._db() as cursor:
            if chosen is None:
                cursor.execute(
                    f"DELETE FROM {TABLE} WHERE ballot = ?", (str(ballot_id),)
                )
            else:
                cursor.executemany(
                    f"DELETE FROM {TABLE} WHERE receipt = ?",
                    [(w.receipt,) for w in chosen],
                )
        self._forget_wal()

    def _drop_waiting(self, ballot_id: UUID) -> None:
        with self._pool().lock:
            self._batch_written(ballot_id)

    # --- the table ---------------------------------------------------------------

    def _waiting(self, ballot_id: UUID) -> list[Waiting]:
        with self._db() as cursor:
            rows = cursor.execute(
                f"SELECT {_COLUMNS} FROM {TABLE} WHERE ballot = ?", (str(ballot_id),)
            ).fetchall()
        return [
            Waiting(
                r["receipt"],
                r["member_class"],
                r["strength"],
                None if r["choice"] is None else json.loads(r["choice"]),
                r["voids"],
                bool(r["replaced"]),
            )
            for r in rows
        ]

    def _insert(self, cursor: Cursor, ballot_id: UUID, w: Waiting) -> None:
        cursor.execute(
            f"INSERT INTO {TABLE} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                w.receipt,
                str(ballot_id),
                w.member_class,
                w.strength,
                json.dumps(w.choice),
                w.voids,
                int(w.replaced),
            ),
        )

    def _save_with_ballot(self, roll: Roll, ballot_id: UUID, sealed: Waiting) -> None:
        """Save the roll's mark and keep ``sealed``: one transaction on SQLite;
        on PostgreSQL the mark first (see the module docstring)."""
        recorder = self.recorder
        if not isinstance(recorder, SQLiteApplicationRecorder):
            self.save(roll)
            with self._db() as cursor:
                self._insert(cursor, ballot_id, sealed)
            return
        # What Application.save would also do, there is nothing of here: no
        # aggregate cache, no snapshots of rolls, no notify hook.
        assert Roll not in (self.snapshotting_intervals or {})
        aggregate: Aggregate = roll
        stored = [self.mapper.to_stored_event(e) for e in aggregate.collect_events()]
        with self._transaction() as (raw, cursor):
            # eventsourcing 9.5 has no public way to insert events inside a
            # transaction of ours; this is what its insert_events runs.
            recorder._insert_events(raw, stored)
            self._insert(cursor, ballot_id, sealed)
        self._forget_wal()

    @contextmanager
    def _db(self) -> Iterator[Cursor]:
        with self._transaction() as (_, cursor):
            yield cursor

    @contextmanager
    def _transaction(self) -> Iterator[tuple[Any, Cursor]]:
        datastore: Any = getattr(self.recorder, "datastore")  # noqa: B009
        pool = self._pool()
        with datastore.transaction(commit=True) as raw:
            if isinstance(self.recorder, SQLiteApplicationRecorder):
                raw.execute("PRAGMA secure_delete = ON")
                cursor = Cursor(raw, "?")
                if not pool.table_ready:
                    cursor.execute(
                        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
                        "receipt TEXT PRIMARY KEY, ballot TEXT NOT NULL, "
                        "member_class TEXT NOT NULL, strength TEXT NOT NULL, "
                        "choice TEXT, voids TEXT, replaced INTEGER NOT NULL) "
                        "WITHOUT ROWID"
                    )
            else:
                raw.execute(f'SET LOCAL search_path TO "{datastore.schema}"')
                cursor = Cursor(raw, "%s")
                if not pool.table_ready:
                    cursor.execute(
                        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
                        "receipt TEXT PRIMARY KEY, ballot TEXT NOT NULL, "
                        "member_class TEXT NOT NULL, strength TEXT NOT NULL, "
                        "choice TEXT, voids TEXT, replaced INTEGER NOT NULL)"
                    )
            pool.table_ready = True
            yield raw, cursor

    def _forget_wal(self) -> None:
        """Copy SQLite's WAL into the database and truncate it, so one vote's
        commit does not stay there as a pair of page images."""
        if not isinstance(self.recorder, SQLiteApplicationRecorder):
            return
        datastore: Any = self.recorder.datastore
        with datastore.get_connection(commit=True) as connection:
            connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
