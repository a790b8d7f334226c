"""Secret ballots: votes held back and written in shuffled batches, receipts to
check them, and replacements under a new receipt.

The threat: the node's operator (or anyone with a copy of its store) reads the
stored events in the order they were written. If a member's mark on the roll and
their ballot in the box were written together, or one after the other, that order
would link the member to their choice; a replaced ballot kept under the same
receipt would link them to their final choice too.

The design:

- A secret vote is first held in the node's memory, never in the store: the
  member's mark and their sealed ballot together, under the sha256 of a fresh
  receipt secret that only the voter is shown.
- When ``2 * BATCH`` (10) votes are waiting, ``BATCH`` (5) of them drawn at
  random are written in one transaction: their marks in one random order, their
  ballots in another, drawn independently (``secrets.SystemRandom``). At close
  every vote still waiting is written the same way, with the close. Since at
  least ``BATCH`` are always left waiting, the batch written at close holds at
  least ``BATCH`` votes too (when the ballot had that many). Within a batch the
  store's order, versions and (day-long) timestamps say nothing about which mark
  goes with which ballot, so linking by the log is a guess among at least
  ``BATCH`` voters.
- A replaced vote gets a new receipt: the old ballot is ``Voided`` and the new
  one deposited, both waiting for the next batch like any vote, so the store
  shows that some voter of an earlier batch changed their mind and that the new
  ballot is one of the next batch, not whose it is.
- A member who votes in person while their proxy has not yet voted for them
  ends the proxy; once a proxy's secret vote is cast it is final for that ballot
  (superseding it would need the node to know which ballot is the member's).

What remains (see SECURITY.md): a vote still waiting in memory is lost if the
node stops before its batch is written (the voter's receipt then shows it is not
in the box, and the roll shows they have not voted, so they can vote again); an
operator who can read the running node's memory, or who watches each request as
it is made, sees everything; a ballot with fewer than a handful of voters, or a
class with one or two voters, is only as secret as its counts allow (closed
tallies hide such small classes' counts, see ``node.tally``).
"""

import secrets
import threading
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import msgspec

from node.ballot_access import BallotAccess
from node.ballots import Ballot, BallotBox, Roll, receipt_hash
from node.errors import AlreadyVoted, InvalidBallot, InvalidReceipt, ProxyRefused

BATCH = 5
_SHUFFLE = secrets.SystemRandom()
_POOLS_LOCK = threading.Lock()


class Receipt(msgspec.Struct, frozen=True):
    """What a secret voter can learn with their receipt's secret.

    ``state``: "waiting" (held for the next batch), "in the box", or "replaced"
    (a later vote with a new receipt took its place)."""

    ballot_status: str
    counted: bool
    choice: Any
    state: str = "in the box"


@dataclass
class Waiting:
    """A vote held until its batch is written."""

    receipt: str
    member_class: str
    strength: str
    choice: Any
    member: str | None  # None for a replacement: the roll already has the mark
    cast_by: str
    voids: str | None = None  # the receipt of the ballot it replaces


@dataclass
class Pool:
    lock: threading.RLock = field(default_factory=threading.RLock)
    waiting: dict[UUID, list[Waiting]] = field(default_factory=dict)
    # Receipts of votes replaced before they were ever written.
    replaced: dict[UUID, set[str]] = field(default_factory=dict)


class SecretVoting(BallotAccess):
    def _pool(self) -> Pool:
        with _POOLS_LOCK:
            pool: Pool | None = self.__dict__.get("_secret_pool")
            if pool is None:
                pool = self.__dict__["_secret_pool"] = Pool()
            return pool

    def waiting_voters(self, ballot_id: UUID) -> set[str]:
        """Members whose secret vote is held for the next batch."""
        pool = self._pool()
        with pool.lock:
            return {
                w.member
                for w in pool.waiting.get(ballot_id, [])
                if w.member is not None
            }

    def voters(self, ballot_id: UUID) -> set[str]:
        """Every member who has voted, written to the roll or still waiting."""
        return self.roll(ballot_id).voted | self.waiting_voters(ballot_id)

    def _cast_secret(
        self,
        ballot: Ballot,
        member: str,
        voter: str,
        member_class: str,
        strength: str,
        choice: Any,
    ) -> str:
        """Hold the vote for the next batch (the caller holds the pool lock)."""
        roll = self._roll(ballot.id)
        if member in roll.voted or member in self.waiting_voters(ballot.id):
            if voter != member:
                raise ProxyRefused(
                    "this member has already voted; the proxy no longer applies"
                )
            raise AlreadyVoted(
                "you have already voted in this secret ballot; replace it with "
                "your receipt"
            )
        secret = secrets.token_urlsafe(24)
        self._hold(
            ballot.id,
            Waiting(
                receipt_hash(ballot.id, secret),
                member_class,
                strength,
                choice,
                member,
                voter,
            ),
        )
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
        pool = self._pool()
        with pool.lock:
            waiting = pool.waiting.get(ballot_id, [])
            held = next((w for w in waiting if w.receipt == old), None)
            if held is not None:
                pool.replaced.setdefault(ballot_id, set()).add(old)
                held.receipt = new
                held.choice = ballot.valid_choice(held.member_class, choice)
                return new_secret
            box = self._box(ballot_id)
            stored = box.ballots.get(old)
            if stored is None or any(w.voids == old for w in waiting):
                raise InvalidReceipt("no ballot in this box matches that receipt")
            member_class, strength, _ = stored
            valid = ballot.valid_choice(member_class, choice)
            self._hold(
                ballot_id,
                Waiting(new, member_class, strength, valid, None, "", voids=old),
            )
        return new_secret

    def verify_receipt(self, ballot_id: UUID, secret: str) -> Receipt:
        ballot = self.ballot(ballot_id)
        if not ballot.secret:
            raise InvalidBallot("receipts are given for secret ballots only")
        receipt = receipt_hash(ballot_id, secret)
        pool = self._pool()
        with pool.lock:
            for w in pool.waiting.get(ballot_id, []):
                if w.receipt == receipt:
                    return Receipt(ballot.status, False, w.choice, "waiting")
                if w.voids == receipt:
                    return Receipt(ballot.status, False, None, "replaced")
            if receipt in pool.replaced.get(ballot_id, set()):
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

    def _hold(self, ballot_id: UUID, vote: Waiting) -> None:
        pool = self._pool()
        waiting = pool.waiting.setdefault(ballot_id, [])
        waiting.append(vote)
        if len(waiting) >= 2 * BATCH:
            chosen = _SHUFFLE.sample(waiting, BATCH)
            self._retrying(lambda: self.save(*self._batch(ballot_id, chosen)))
            self._batch_written(ballot_id, chosen)

    def _batch(
        self, ballot_id: UUID, chosen: list[Waiting] | None = None
    ) -> tuple[Roll, BallotBox]:
        """The roll and box with the ``chosen`` waiting votes (all, by default)
        written, shuffled. The caller saves them under the pool lock, then calls
        ``_batch_written``."""
        pool = self._pool()
        waiting = pool.waiting.get(ballot_id, []) if chosen is None else chosen
        roll, box = self._roll(ballot_id), self._box(ballot_id)
        marks = [w for w in waiting if w.member is not None]
        ballots = list(waiting)
        _SHUFFLE.shuffle(marks)
        _SHUFFLE.shuffle(ballots)
        for w in marks:
            assert w.member is not None
            roll.mark(w.member, w.cast_by)
        for w in ballots:
            if w.voids is not None:
                box.void(w.voids)
        _SHUFFLE.shuffle(ballots)
        for w in ballots:
            box.deposit(w.receipt, w.member_class, w.strength, w.choice)
        return roll, box

    def _batch_written(
        self, ballot_id: UUID, chosen: list[Waiting] | None = None
    ) -> None:
        pool = self._pool()
        if chosen is None:
            pool.waiting[ballot_id] = []
        else:
            written = {id(w) for w in chosen}
            left = pool.waiting.get(ballot_id, [])
            pool.waiting[ballot_id] = [w for w in left if id(w) not in written]

    def _drop_waiting(self, ballot_id: UUID) -> None:
        pool = self._pool()
        with pool.lock:
            pool.waiting.pop(ballot_id, None)
            pool.replaced.pop(ballot_id, None)
