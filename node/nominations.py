"""A board election's nominations period, before its ballot opens.

The board calls an election (``call_election``): the constituencies it fills
(member classes that elect board seats), the days nominations open and close,
and optionally the day voting is meant to close. From the opening day through
the closing day an admitted member of a constituency's class may stand
(``nominate`` themselves, with a candidate's statement), or be nominated by
another member and stand by accepting with their statement. The board may
withdraw a nomination that is not valid, with a reason.

From the day nominations close the board opens voting (``open_voting``): the
ballot is a board election (``open_election``) of every standing candidate who
is still an admitted member of their constituency's class; a constituency
nobody stands in is left out. ``open_due_voting`` does the same for every
election whose nominations closed before a given day, for a scheduler.

Statements, reasons and who nominated whom are the co-op's own business: none
of these events is in the sharing allowlist (node.application.ALLOWLIST), so
they never leave the node.
"""

import datetime as dt
import threading
from collections.abc import Iterable
from typing import Any, Literal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from node.errors import (
    DomainError,
    InvalidNomination,
    InvalidNominationsPeriod,
    NoCandidates,
    NominationsClosed,
    NominationsStillOpen,
    UnknownElection,
)
from node.governance import GovernanceCommands
from node.records import load
from toolkit.aggregates import ids_with

NomineeStatus = Literal["proposed", "standing", "withdrawn"]


# One nomination: member_class, status (NomineeStatus), statement,
# nominated_by, reason (when withdrawn).
Nominee = dict[str, Any]


class Election(Aggregate):
    TOPIC = "commonweal.election"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.election.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.election.created"

    class Called(Created):
        TOPIC = "commonweal.election.called"
        title: str
        constituencies: list[str]
        opens_on: dt.date
        closes_on: dt.date
        voting_closes_on: dt.date | None
        secret: bool

    class Nominated(Event):
        TOPIC = "commonweal.election.nominated"
        candidate: str
        member_class: str
        nominated_by: str
        statement: str  # empty until a member nominated by another accepts

    class Accepted(Event):
        TOPIC = "commonweal.election.accepted"
        candidate: str
        statement: str

    class Withdrawn(Event):
        TOPIC = "commonweal.election.withdrawn"
        candidate: str
        reason: str

    class VotingOpened(Event):
        TOPIC = "commonweal.election.voting_opened"
        ballot_id: UUID
        opened_on: dt.date

    @event(Called)
    def __init__(
        self,
        title: str,
        constituencies: list[str],
        opens_on: dt.date,
        closes_on: dt.date,
        voting_closes_on: dt.date | None,
        secret: bool,
    ) -> None:
        self.title = title
        self.constituencies = constituencies
        self.opens_on = opens_on
        self.closes_on = closes_on
        self.voting_closes_on = voting_closes_on
        self.secret = secret
        # Candidate member id -> their nomination, in the order nominated (the
        # order the count breaks a tie "by lot": see node.stv).
        self.nominees: dict[str, Nominee] = {}
        self.ballot_id: UUID | None = None

    def accepting(self, day: dt.date) -> bool:
        return self.ballot_id is None and self.opens_on <= day <= self.closes_on

    def require_accepting(self, day: dt.date) -> None:
        if not self.accepting(day):
            raise NominationsClosed(
                f"nominations for {self.title!r} are open from {self.opens_on} "
                f"to {self.closes_on}, before voting opens"
            )

    def standing(self) -> dict[str, list[str]]:
        """Constituency -> standing candidates, in the order nominated."""
        by_class: dict[str, list[str]] = {}
        for member, nominee in self.nominees.items():
            if nominee["status"] == "standing":
                by_class.setdefault(nominee["member_class"], []).append(member)
        return by_class

    @event(Nominated)
    def nominate(
        self, candidate: str, member_class: str, nominated_by: str, statement: str
    ) -> None:
        status: NomineeStatus = "standing" if nominated_by == candidate else "proposed"
        self.nominees[candidate] = {
            "member_class": member_class,
            "nominated_by": nominated_by,
            "statement": statement,
            "status": status,
            "reason": "",
        }

    @event(Accepted)
    def accept(self, candidate: str, statement: str) -> None:
        self.nominees[candidate].update(status="standing", statement=statement)

    @event(Withdrawn)
    def withdraw(self, candidate: str, reason: str) -> None:
        self.nominees[candidate].update(status="withdrawn", reason=reason)

    @event(VotingOpened)
    def voting_opened(self, ballot_id: UUID, opened_on: dt.date) -> None:
        self.ballot_id = ballot_id


# Opening voting writes the ballot, then the election: one at a time, so the
# same election never opens two ballots.
_opening = threading.Lock()


class NominationCommands(GovernanceCommands):
    # --- board -----------------------------------------------------------------

    def call_election(
        self,
        title: str,
        *,
        opens_on: dt.date,
        closes_on: dt.date,
        constituencies: Iterable[str] | None = None,
        voting_closes_on: dt.date | None = None,
        secret: bool = True,
    ) -> UUID:
        """Open nominations for ``constituencies`` (by default every class that
        elects board seats)."""
        seats = self.coop().profile.board_seats
        classes = list(seats) if constituencies is None else list(constituencies)
        for member_class in classes:
            self._require_class(member_class)
        if not classes or any(c not in seats for c in classes):
            raise InvalidNominationsPeriod(
                f"constituencies {classes} must be classes that elect board seats: "
                f"{', '.join(seats)}"
            )
        if closes_on < opens_on:
            raise InvalidNominationsPeriod(
                f"nominations close on {closes_on}, before they open on {opens_on}"
            )
        if voting_closes_on is not None and voting_closes_on <= closes_on:
            raise InvalidNominationsPeriod(
                f"voting closes on {voting_closes_on}, not after nominations close "
                f"on {closes_on}"
            )
        election = Election(
            title=title,
            constituencies=sorted(set(classes), key=classes.index),
            opens_on=opens_on,
            closes_on=closes_on,
            voting_closes_on=voting_closes_on,
            secret=secret,
        )
        self.save(election)
        return election.id

    def withdraw_nomination(
        self, election_id: UUID, candidate: UUID, reason: str
    ) -> None:
        election = self.election(election_id)
        if election.ballot_id is not None:
            raise NominationsClosed("voting has opened; the ballot is fixed")
        nominee = election.nominees.get(str(candidate))
        if nominee is None or nominee["status"] == "withdrawn":
            raise InvalidNomination(f"member {candidate} is not standing here")
        election.withdraw(str(candidate), reason)
        self.save(election)

    def open_voting(self, election_id: UUID, on: dt.date | None = None) -> UUID:
        """Close nominations and open the ballot with those standing."""
        day = on or dt.date.today()
        with _opening:
            election = self.election(election_id)
            if election.ballot_id is not None:
                raise NominationsClosed("voting has already opened")
            if day < election.closes_on:
                raise NominationsStillOpen(
                    f"nominations close on {election.closes_on}; voting opens then"
                )
            candidates = {
                c: [UUID(m) for m in members if self._may_stand(m, c)]
                for c, members in election.standing().items()
            }
            candidates = {c: m for c, m in candidates.items() if m}
            if not candidates:
                raise NoCandidates(f"nobody stands in {election.title!r}")
            closes = election.voting_closes_on
            ballot_id = self.open_election(
                election.title,
                candidates,
                secret=election.secret,
                opened_on=day,
                closes_on=closes if closes is not None and closes >= day else None,
            )
            election.voting_opened(ballot_id, day)
            self.save(election)
            return ballot_id

    def open_due_voting(self, today: dt.date) -> list[UUID]:
        """Open voting in every election whose nominations closed before
        ``today`` (what a scheduler calls once a day); an election nobody stood
        in stays as it is, for the board to see."""
        opened = []
        for election in self.elections():
            if election.ballot_id is None and election.closes_on < today:
                try:
                    opened.append(self.open_voting(election.id, today))
                except DomainError:
                    continue
        return opened

    # --- members ---------------------------------------------------------------

    def nominate(
        self,
        election_id: UUID,
        candidate: UUID,
        nominated_by: UUID,
        statement: str = "",
        on: dt.date | None = None,
    ) -> None:
        """``nominated_by`` nominates ``candidate``: themselves (standing at once,
        with ``statement``) or another member, who stands once they accept."""
        election = self.election(election_id)
        election.require_accepting(on or dt.date.today())
        member_class = self._candidate_class(election, candidate)
        self._admitted_member(nominated_by)
        if str(candidate) in election.nominees:
            raise InvalidNomination(f"member {candidate} is already nominated")
        own = candidate == nominated_by
        election.nominate(
            str(candidate), member_class, str(nominated_by), statement if own else ""
        )
        self.save(election)

    def accept_nomination(
        self,
        election_id: UUID,
        candidate: UUID,
        statement: str,
        on: dt.date | None = None,
    ) -> None:
        election = self.election(election_id)
        election.require_accepting(on or dt.date.today())
        nominee = election.nominees.get(str(candidate))
        if nominee is None or nominee["status"] != "proposed":
            raise InvalidNomination(f"member {candidate} has no nomination to accept")
        self._candidate_class(election, candidate)
        election.accept(str(candidate), statement)
        self.save(election)

    # --- reading ---------------------------------------------------------------

    def election(self, election_id: UUID) -> Election:
        return load(self, election_id, Election, UnknownElection)

    def elections(self) -> list[Election]:
        """Every election called, oldest first."""
        return [self.election(i) for i in ids_with(self, Election.Called.TOPIC)]

    def election_of_ballot(self, ballot_id: UUID) -> Election | None:
        return next((e for e in self.elections() if e.ballot_id == ballot_id), None)

    # --- inside ----------------------------------------------------------------

    def _candidate_class(self, election: Election, candidate: UUID) -> str:
        member = self._admitted_member(candidate)
        if member.member_class not in election.constituencies:
            raise InvalidNomination(
                f"a {member.member_class} stands in no constituency of this "
                f"election ({', '.join(election.constituencies)})"
            )
        return str(member.member_class)

    def _admitted_member(self, member_id: UUID) -> Any:
        member = self.member(member_id)
        if not member.is_admitted:
            raise InvalidNomination(f"member {member_id} is not an admitted member")
        return member

    def _may_stand(self, member_id: str, member_class: str) -> bool:
        member = self.member(UUID(member_id))
        return bool(member.is_admitted and member.member_class == member_class)
