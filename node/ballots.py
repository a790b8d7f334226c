"""The aggregates of a ballot: the ballot itself, its roll and its ballot box.

- ``Ballot`` holds what is asked (a proposal or an election), the co-op's rules as
  they stood when it opened (``RulesFrozen``: threshold, quorum, classes and
  strengths; amending the rules later never changes it), its status and, once
  closed, the full tally. It never names a voter of a secret ballot.
- ``Roll`` holds the frozen electorate (member -> class and voting strength), proxy
  appointments and who has voted. For an open (non-secret) ballot it also holds
  each vote. Every vote is written to the roll, so two votes for the same member
  at once conflict on its version and only one is recorded.
- ``BallotBox`` exists only for secret ballots: each sealed ballot is stored under
  the sha256 of the voter's receipt secret with the class and strength it counts
  for, never with a member id. Roll and box events carry a timestamp truncated to
  the day, so stored times cannot pair a mark on the roll with a ballot in the box;
  ballots enter the box in shuffled batches (see ``node.secret_voting``), so the
  order in the store cannot pair them either. A replaced ballot is
  ``Voided`` and the new one deposited under a new receipt.
"""

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from node.errors import (
    AlreadyVoted,
    BallotClosed,
    InvalidChoice,
    InvalidReceipt,
    NotInElectorate,
    ProxyRefused,
)
from node.tally import CHOICES
from schemas.governance import BallotKind

BallotStatus = Literal["open", "closed", "cancelled"]


def _day_timestamp() -> dt.datetime:
    now = dt.datetime.now(dt.UTC)
    return dt.datetime(now.year, now.month, now.day, tzinfo=dt.UTC)


def roll_id(ballot_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"commonweal:roll:{ballot_id}")


def box_id(ballot_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"commonweal:box:{ballot_id}")


def receipt_hash(ballot_id: UUID, secret: str) -> str:
    return hashlib.sha256(ballot_id.bytes + secret.encode()).hexdigest()


class Ballot(Aggregate):
    TOPIC = "commonweal.ballot"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.ballot.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.ballot.created"

    class Opened(Created):
        TOPIC = "commonweal.ballot.opened"
        kind: BallotKind
        title: str
        threshold: str | None
        # Elections: member class -> {"seats": n, "candidates": [member ids]}
        constituencies: dict[str, dict[str, Any]]
        secret: bool
        opened_on: dt.date

    class Closed(Event):
        TOPIC = "commonweal.ballot.closed"
        kind: BallotKind
        secret: bool
        result: dict[str, Any]
        closed_on: dt.date

    class Cancelled(Event):
        TOPIC = "commonweal.ballot.cancelled"
        reason: str
        cancelled_on: dt.date

    # Its own event, saved with the opening: stored ``Opened`` events have no
    # closing date and must stay readable.
    class ClosingDateSet(Event):
        TOPIC = "commonweal.ballot.closing_date_set"
        closes_on: dt.date

    # Saved with the opening; ballots stored before it existed have none and are
    # judged by the rules in force when they opened (node.ballot_access).
    class RulesFrozen(Event):
        TOPIC = "commonweal.ballot.rules_frozen"
        profile: dict[str, Any]

    class InRoomTotalsEntered(Event):
        """Votes taken in a general meeting's room, per class (node.meetings);
        counted with the others at close. A later entry from the same meeting
        replaces its earlier one."""

        TOPIC = "commonweal.ballot.in_room_totals_entered"
        meeting_id: str
        totals: dict[str, dict[str, int]]

    class ClosingReminded(Event):
        """The electorate members yet to vote are told it closes tomorrow."""

        TOPIC = "commonweal.ballot.closing_reminded"
        reminded_on: dt.date

    @event(Opened)
    def __init__(
        self,
        kind: BallotKind,
        title: str,
        threshold: str | None,
        constituencies: dict[str, dict[str, Any]],
        secret: bool,
        opened_on: dt.date,
    ) -> None:
        self.kind = kind
        self.title = title
        self.threshold = threshold
        self.constituencies = constituencies
        self.secret = secret
        self.opened_on = opened_on
        self.status: BallotStatus = "open"
        self.result: dict[str, Any] | None = None
        # When the board means to close it (the admin still closes it).
        self.closes_on: dt.date | None = None
        self.reminded = False
        self.rules: dict[str, Any] | None = None
        # meeting id -> member class -> choice -> headcount
        self.in_room: dict[str, dict[str, dict[str, int]]] = {}

    @event(RulesFrozen)
    def freeze_rules(self, profile: dict[str, Any]) -> None:
        self.rules = profile

    @event(ClosingDateSet)
    def set_closing_date(self, closes_on: dt.date) -> None:
        self.closes_on = closes_on

    @event(InRoomTotalsEntered)
    def enter_in_room(self, meeting_id: str, totals: dict[str, dict[str, int]]) -> None:
        self.in_room[meeting_id] = totals

    @event(ClosingReminded)
    def remind_closing(self, reminded_on: dt.date) -> None:
        self.reminded = True

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def require_open(self) -> None:
        if not self.is_open:
            raise BallotClosed(f"ballot {self.id} is {self.status}")

    def close(self, result: dict[str, Any], closed_on: dt.date) -> None:
        self._closed(self.kind, self.secret, result, closed_on)

    @event(Closed)
    def _closed(
        self,
        kind: BallotKind,
        secret: bool,
        result: dict[str, Any],
        closed_on: dt.date,
    ) -> None:
        self.status = "closed"
        self.result = result

    def valid_choice(self, member_class: str, choice: Any) -> Any:
        """``choice`` as stored, if a voter of ``member_class`` may make it."""
        if self.kind == "proposal":
            if choice not in CHOICES:
                raise InvalidChoice(
                    f"choice must be one of {', '.join(CHOICES)}, got {choice!r}"
                )
            return choice
        spec = self.constituencies.get(member_class)
        if spec is None:
            raise NotInElectorate(f"class {member_class} elects no seats here")
        if isinstance(choice, str | UUID) or not isinstance(choice, Sequence):
            raise InvalidChoice("an election vote is a list of candidates, best first")
        ranking = [str(c) for c in choice]
        unknown = [c for c in ranking if c not in spec["candidates"]]
        if unknown:
            raise InvalidChoice(f"not candidates in this constituency: {unknown}")
        if not ranking or len(set(ranking)) != len(ranking):
            raise InvalidChoice("rank at least one candidate, each at most once")
        if spec["seats"] == 1 and len(ranking) != 1:
            raise InvalidChoice("one seat is elected by plurality: name one candidate")
        return ranking

    @event(Cancelled)
    def cancel(self, reason: str, cancelled_on: dt.date) -> None:
        self.status = "cancelled"


class Roll(Aggregate):
    TOPIC = "commonweal.roll"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.roll.event"
        create_timestamp = staticmethod(_day_timestamp)

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.roll.created"

    class Opened(Created):
        TOPIC = "commonweal.roll.opened"
        ballot_id: UUID
        # member id -> [member class, voting strength as a fraction]
        electorate: dict[str, list[str]]

    class ProxyAppointed(Event):
        TOPIC = "commonweal.roll.proxy_appointed"
        member: str
        holder: str

    class ProxyRevoked(Event):
        TOPIC = "commonweal.roll.proxy_revoked"
        member: str

    class Marked(Event):
        """A member of a secret ballot has voted (what, the roll never knows)."""

        TOPIC = "commonweal.roll.marked"
        member: str
        cast_by: str

    class VoteCast(Event):
        """A vote in an open (non-secret) ballot; a later one replaces it."""

        TOPIC = "commonweal.roll.vote_cast"
        member: str
        cast_by: str
        choice: Any

    class Closed(Event):
        TOPIC = "commonweal.roll.closed"

    class CountedInRoom(Event):
        TOPIC = "commonweal.roll.counted_in_room"
        members: list[str]

    @staticmethod
    def create_id(ballot_id: UUID, **_: Any) -> UUID:
        return roll_id(ballot_id)

    @event(Opened)
    def __init__(self, ballot_id: UUID, electorate: dict[str, list[str]]) -> None:
        self.ballot_id = ballot_id
        self.electorate = electorate
        self.proxies: dict[str, str] = {}  # member -> holder
        self.voted: set[str] = set()
        self.votes: dict[str, Any] = {}  # open ballots only
        self.in_person: set[str] = set()  # voted themselves
        self.cast_by: dict[str, str] = {}  # member -> who cast their vote
        # In the room when its votes were counted: their say is in the room's
        # totals, so they vote no other way.
        self.in_room: set[str] = set()
        self.is_open = True

    def require_open(self) -> None:
        if not self.is_open:
            raise BallotClosed(f"ballot {self.ballot_id} is closed")

    @event(CountedInRoom)
    def count_in_room(self, members: list[str]) -> None:
        self.in_room.update(members)

    def require_not_in_room(self, member: str) -> None:
        if member in self.in_room:
            raise AlreadyVoted(
                f"member {member} was in the room when its votes were counted"
            )

    @event(ProxyAppointed)
    def appoint_proxy(self, member: str, holder: str) -> None:
        self.proxies[member] = holder

    @event(ProxyRevoked)
    def revoke_proxy(self, member: str) -> None:
        holder = self.proxies.pop(member, None)
        if holder is not None and self.cast_by.get(member) == holder:
            # In an open ballot the vote the holder cast for them goes with it.
            self.votes.pop(member, None)
            self.voted.discard(member)
            del self.cast_by[member]

    def mark(self, member: str, cast_by: str) -> None:
        self.require_open()
        if member in self.voted:
            raise AlreadyVoted(
                f"member {member} has already voted in this secret ballot; "
                "replace it with the receipt's secret"
            )
        self._marked(member, cast_by)

    @event(Marked)
    def _marked(self, member: str, cast_by: str) -> None:
        self.voted.add(member)
        self.cast_by[member] = cast_by
        if cast_by == member:
            self.in_person.add(member)

    def cast(self, member: str, cast_by: str, choice: Any) -> None:
        self.require_open()
        if cast_by != member and member in self.in_person:
            # A member who came to vote themselves has taken their vote back.
            raise ProxyRefused(
                "this member has voted in person; the proxy no longer applies"
            )
        self._vote_cast(member, cast_by, choice)

    @event(VoteCast)
    def _vote_cast(self, member: str, cast_by: str, choice: Any) -> None:
        self.voted.add(member)
        self.votes[member] = choice
        self.cast_by[member] = cast_by
        if cast_by == member:
            self.in_person.add(member)

    @event(Closed)
    def close(self) -> None:
        self.is_open = False


class BallotBox(Aggregate):
    TOPIC = "commonweal.ballot_box"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.ballot_box.event"
        create_timestamp = staticmethod(_day_timestamp)

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.ballot_box.created"

    class Opened(Created):
        TOPIC = "commonweal.ballot_box.opened"
        ballot_id: UUID

    class Deposited(Event):
        TOPIC = "commonweal.ballot_box.deposited"
        receipt: str  # sha256 of the receipt secret
        member_class: str
        strength: str
        choice: Any

    # Written by releases before replaced ballots got a new receipt; still read.
    class Replaced(Event):
        TOPIC = "commonweal.ballot_box.replaced"
        receipt: str
        choice: Any

    class Voided(Event):
        """A ballot replaced by its voter: it is no longer counted."""

        TOPIC = "commonweal.ballot_box.voided"
        receipt: str

    class Sealed(Event):
        TOPIC = "commonweal.ballot_box.sealed"

    @staticmethod
    def create_id(ballot_id: UUID, **_: Any) -> UUID:
        return box_id(ballot_id)

    @event(Opened)
    def __init__(self, ballot_id: UUID) -> None:
        self.ballot_id = ballot_id
        # receipt hash -> [member class, strength, choice]
        self.ballots: dict[str, list[Any]] = {}
        self.voided: set[str] = set()
        self.is_open = True

    def deposit(
        self, receipt: str, member_class: str, strength: str, choice: Any
    ) -> None:
        self._require_open()
        self._deposited(receipt, member_class, strength, choice)

    @event(Deposited)
    def _deposited(
        self, receipt: str, member_class: str, strength: str, choice: Any
    ) -> None:
        self.ballots[receipt] = [member_class, strength, choice]

    @event(Replaced)
    def _replaced(self, receipt: str, choice: Any) -> None:
        self.ballots[receipt][2] = choice

    def void(self, receipt: str) -> None:
        self._require_open()
        if receipt not in self.ballots:
            raise InvalidReceipt("no ballot in this box matches that receipt")
        self._voided(receipt)

    @event(Voided)
    def _voided(self, receipt: str) -> None:
        del self.ballots[receipt]
        self.voided.add(receipt)

    @event(Sealed)
    def seal(self) -> None:
        self.is_open = False

    def _require_open(self) -> None:
        if not self.is_open:
            raise BallotClosed(f"ballot {self.ballot_id} is closed")
