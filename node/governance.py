"""Governance commands: open a ballot with a frozen electorate, appoint proxies,
vote (openly or secretly, with receipts), close and count, and elect the board.

Who acts is an argument of every member command (``voter_id``: the authenticated
member, or the proxy holder acting ``for_member``); checking the caller's token is
the HTTP layer's job. Opening, closing and cancelling are admin commands.

Several people vote at once: every vote is written to the ballot's ``Roll``, so a
conflicting write (the same roll version saved twice) is retried against the fresh
state, where a second vote by the same member replaces the first (open ballot) or is
refused (secret ballot: use the receipt).
"""

import datetime as dt
import secrets
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any, TypeVar
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import RecordConflictError

from node.ballots import Ballot, BallotBox, Roll, box_id, receipt_hash, roll_id
from node.board import board_breaches, board_rules
from node.coop import Coop
from node.errors import (
    BoardRulesBroken,
    InvalidBallot,
    InvalidClosingDay,
    InvalidReceipt,
    NoElectorate,
    NotInElectorate,
    ProxyRefused,
    UnknownBallot,
)
from node.membership import MembershipCommands
from node.records import load
from node.rules import RulesProfile
from node.sharing import Rule
from node.tally import (
    ElectionResult,
    tally_election,
    tally_proposal,
    voter_weights,
)
from schemas import governance as shared
from toolkit.aggregates import ids_with

T = TypeVar("T")
RETRIES = 50


class Receipt(msgspec.Struct, frozen=True):
    """What a secret voter can learn with their receipt's secret."""

    ballot_status: str
    counted: bool
    choice: Any


class GovernanceCommands(MembershipCommands):
    # --- admin -----------------------------------------------------------------

    def open_ballot(
        self,
        title: str,
        *,
        threshold: str = "ordinary",
        secret: bool = False,
        opened_on: dt.date | None = None,
        closes_on: dt.date | None = None,
    ) -> UUID:
        """A proposal ballot (for / against / abstain) of every admitted member.
        ``closes_on``, if given, is the day the admin means to close it: the
        electorate members yet to vote are reminded the day before."""
        profile = self.coop().profile
        if threshold not in profile.thresholds:
            raise InvalidBallot(
                f"threshold {threshold!r} is not in the rules; "
                f"known: {', '.join(profile.thresholds)}"
            )
        return self._open(
            "proposal", title, threshold, {}, secret, None, opened_on, closes_on
        )

    def open_election(
        self,
        title: str,
        candidates: Mapping[str, Sequence[UUID]],
        *,
        secret: bool = True,
        opened_on: dt.date | None = None,
        closes_on: dt.date | None = None,
    ) -> UUID:
        """A board election: each member class in ``candidates`` is a constituency
        electing its seats from the rules, voted in by that class's members."""
        profile = self.coop().profile
        constituencies: dict[str, dict[str, Any]] = {}
        for member_class, nominees in candidates.items():
            self._require_class(member_class)
            seats = profile.board_seats.get(member_class, 0)
            names = [str(n) for n in nominees]
            if not seats:
                raise InvalidBallot(f"class {member_class} elects no board seats")
            if not names or len(set(names)) != len(names):
                raise InvalidBallot(
                    f"constituency {member_class} needs distinct candidates"
                )
            for nominee in nominees:
                member = self.member(nominee)
                if not member.is_admitted or member.member_class != member_class:
                    raise InvalidBallot(
                        f"candidate {nominee} is not an admitted {member_class}"
                    )
            constituencies[member_class] = {"seats": seats, "candidates": names}
        if not constituencies:
            raise InvalidBallot("an election needs at least one constituency")
        return self._open(
            "election",
            title,
            None,
            constituencies,
            secret,
            set(candidates),
            opened_on,
            closes_on,
        )

    def close_ballot(self, ballot_id: UUID, closed_on: dt.date | None = None) -> Any:
        """Count the votes, apply weights, quorum and threshold, record the full
        tally; for an election, check and record the new board."""
        day = closed_on or dt.date.today()
        return self._retrying(lambda: self._close(ballot_id, day))

    def cancel_ballot(
        self, ballot_id: UUID, reason: str, cancelled_on: dt.date | None = None
    ) -> None:
        def attempt() -> None:
            ballot, roll = self.ballot(ballot_id), self._roll(ballot_id)
            ballot.require_open()
            ballot.cancel(reason, cancelled_on or dt.date.today())
            roll.close()
            self.save(ballot, roll, *self._sealed_box(ballot))

        self._retrying(attempt)

    # --- members ---------------------------------------------------------------

    def appoint_proxy(self, ballot_id: UUID, member_id: UUID, holder_id: UUID) -> None:
        """``member_id`` (acting as themselves) lets ``holder_id`` vote for them."""
        profile = self.coop().profile
        if not profile.allows_proxies:
            raise ProxyRefused(
                f"the rules ({profile.name}) do not allow voting by proxy"
            )
        member, holder = str(member_id), str(holder_id)
        if member == holder:
            raise ProxyRefused("a member cannot be their own proxy")

        def attempt() -> None:
            roll = self._roll(ballot_id)
            roll.require_open()
            for who in (member, holder):
                self._require_elector(roll, who, profile)
            if member in roll.voted:
                raise ProxyRefused(f"member {member} has already voted")
            held = sum(1 for h in roll.proxies.values() if h == holder)
            if held >= profile.proxies_per_holder:
                # Say the rule, not how many proxies the other member holds.
                raise ProxyRefused(
                    "that member cannot take another proxy (the rules allow "
                    f"{profile.proxies_per_holder} each); choose another holder"
                )
            roll.appoint_proxy(member, holder)
            self.save(roll)

        self._retrying(attempt)

    def cast_vote(
        self,
        ballot_id: UUID,
        voter_id: UUID,
        choice: Any,
        *,
        for_member: UUID | None = None,
    ) -> str | None:
        """Vote as ``voter_id``, or as their proxy ``for_member``. In an open
        ballot a later vote replaces the earlier one; in a secret ballot the
        return value is the receipt's secret, the only way to check or replace it.
        """
        ballot = self.ballot(ballot_id)
        ballot.require_open()
        profile = self.coop().profile
        voter = str(voter_id)
        member = str(for_member) if for_member is not None else voter

        def attempt() -> str | None:
            roll = self._roll(ballot_id)
            roll.require_open()
            member_class, strength = self._require_elector(roll, member, profile)
            if member != voter:
                if not profile.allows_proxies:
                    raise ProxyRefused(
                        f"the rules ({profile.name}) do not allow voting by proxy"
                    )
                if roll.proxies.get(member) != voter:
                    raise ProxyRefused(f"{voter} holds no proxy for {member}")
                self._require_elector(roll, voter, profile)
            valid = ballot.valid_choice(member_class, choice)
            if not ballot.secret:
                roll.cast(member, voter, valid)
                self.save(roll)
                return None
            roll.mark(member, voter)
            box = self._box(ballot_id)
            secret = secrets.token_urlsafe(24)
            box.deposit(receipt_hash(ballot_id, secret), member_class, strength, valid)
            self.save(roll, box)
            return secret

        return self._retrying(attempt)

    def replace_secret_vote(
        self, ballot_id: UUID, voter_id: UUID, secret: str, choice: Any
    ) -> None:
        """Replace a secret ballot before close; needs the receipt's secret."""
        ballot = self.ballot(ballot_id)
        ballot.require_open()
        if not ballot.secret:
            raise InvalidBallot("this ballot is not secret: cast the vote again")
        profile = self.coop().profile
        self._require_elector(self._roll(ballot_id), str(voter_id), profile)
        receipt = receipt_hash(ballot_id, secret)

        def attempt() -> None:
            box = self._box(ballot_id)
            held = box.ballots.get(receipt)
            if held is None:
                raise InvalidReceipt("no ballot in this box matches that receipt")
            box.replace(receipt, ballot.valid_choice(held[0], choice))
            self.save(box)

        self._retrying(attempt)

    def verify_receipt(self, ballot_id: UUID, secret: str) -> Receipt:
        ballot = self.ballot(ballot_id)
        if not ballot.secret:
            raise InvalidBallot("receipts are given for secret ballots only")
        held = self._box(ballot_id).ballots.get(receipt_hash(ballot_id, secret))
        if held is None:
            raise InvalidReceipt("no ballot in this box matches that receipt")
        # Every ballot in the box at close is counted (see _close).
        return Receipt(ballot.status, ballot.status == "closed", held[2])

    # --- reading ---------------------------------------------------------------

    def ballot(self, ballot_id: UUID) -> Ballot:
        return load(self, ballot_id, Ballot, UnknownBallot)

    def roll(self, ballot_id: UUID) -> Roll:
        """The ballot's electorate, proxies and who has voted (not how, if secret)."""
        self.ballot(ballot_id)
        return self._roll(ballot_id)

    def ballots(self) -> list[Ballot]:
        """Every ballot ever opened, oldest first."""
        return [self.ballot(i) for i in ids_with(self, Ballot.Opened.TOPIC)]

    # --- inside ----------------------------------------------------------------

    def _open(
        self,
        kind: shared.BallotKind,
        title: str,
        threshold: str | None,
        constituencies: dict[str, dict[str, Any]],
        secret: bool,
        classes: set[str] | None,
        opened_on: dt.date | None,
        closes_on: dt.date | None,
    ) -> UUID:
        day = opened_on or dt.date.today()
        if closes_on is not None and closes_on < day:
            raise InvalidClosingDay(
                f"closes_on: {closes_on} is before the opening day, {day}"
            )
        profile = self.coop().profile
        frozen = {
            str(m.id): m.member_class
            for m in self.members()
            if m.is_admitted and (classes is None or m.member_class in classes)
        }
        if not frozen:
            raise NoElectorate("there is nobody to vote: no admitted members")
        weights = voter_weights(profile, frozen)
        ballot = Ballot(
            kind=kind,
            title=title,
            threshold=threshold,
            constituencies=constituencies,
            secret=secret,
            opened_on=day,
        )
        if closes_on is not None:
            ballot.set_closing_date(closes_on)
        roll = Roll(
            ballot_id=ballot.id,
            electorate={m: [c, str(weights[m])] for m, c in frozen.items()},
        )
        box = [BallotBox(ballot_id=ballot.id)] if secret else []
        self.save(ballot, roll, *box)
        return ballot.id

    def _close(self, ballot_id: UUID, day: dt.date) -> Any:
        ballot, roll = self.ballot(ballot_id), self._roll(ballot_id)
        ballot.require_open()
        coop = self.coop()
        profile = coop.profile
        electorate = {m: (c, Fraction(w)) for m, (c, w) in roll.electorate.items()}
        if ballot.secret:
            votes = [
                (c, Fraction(w), choice)
                for c, w, choice in self._box(ballot_id).ballots.values()
            ]
        else:
            votes = [
                (*electorate[m], choice)
                for m, choice in sorted(roll.votes.items())
                if not (profile.withdrawn_lose_vote and self._has_withdrawn(m))
            ]
        roll.close()
        changed: list[Any] = [ballot, roll, *self._sealed_box(ballot)]
        if ballot.kind == "proposal":
            result: Any = tally_proposal(
                profile, ballot.threshold or "ordinary", electorate, votes
            )
        else:
            result = tally_election(
                profile,
                ballot.constituencies,
                electorate,
                [(c, choice) for c, _, choice in votes],
            )
            if result.quorate:
                changed.append(self._elect_board(coop, profile, ballot, result, day))
        ballot.close(msgspec.to_builtins(result), day)
        self.save(*changed)
        return result

    def _elect_board(
        self,
        coop: Coop,
        profile: RulesProfile,
        ballot: Ballot,
        result: ElectionResult,
        day: dt.date,
    ) -> Coop:
        board = {**coop.board, **result.elected}
        classes_now = {}
        for members in board.values():
            for m in members:
                member = self.member(UUID(m))
                classes_now[m] = member.member_class if member.is_admitted else None
        breaches = board_breaches(profile, board, result.elected, classes_now)
        if breaches:
            raise BoardRulesBroken(
                "the election result is refused: " + "; ".join(breaches)
            )
        coop.board_elected(str(ballot.id), board, board_rules(profile), day)
        return coop

    def _require_elector(
        self, roll: Roll, member: str, profile: RulesProfile
    ) -> tuple[str, str]:
        entry = roll.electorate.get(member)
        if entry is None:
            raise NotInElectorate(
                f"member {member} was not in this ballot's electorate when it opened"
            )
        if profile.withdrawn_lose_vote and self._has_withdrawn(member):
            raise NotInElectorate(
                f"member {member} has withdrawn and, under these rules, lost their vote"
            )
        return entry[0], entry[1]

    def _has_withdrawn(self, member: str) -> bool:
        return self.member(UUID(member)).status == "withdrawn"

    def _roll(self, ballot_id: UUID) -> Roll:
        roll: Aggregate = self.repository.get(roll_id(ballot_id))
        assert isinstance(roll, Roll)
        return roll

    def _box(self, ballot_id: UUID) -> BallotBox:
        box: Aggregate = self.repository.get(box_id(ballot_id))
        assert isinstance(box, BallotBox)
        return box

    def _sealed_box(self, ballot: Ballot) -> list[BallotBox]:
        if not ballot.secret:
            return []
        box = self._box(ballot.id)
        box.seal()
        return [box]

    def _retrying(self, attempt: Callable[[], T]) -> T:
        for _ in range(RETRIES):
            try:
                return attempt()
            except RecordConflictError:
                continue  # someone else wrote first: try again on the fresh state
        raise RuntimeError(f"gave up after {RETRIES} conflicting writes")


def _counts(board: Mapping[str, list[str]]) -> dict[str, int]:
    return {c: len(m) for c, m in board.items()}


def _board_rules(rules: Mapping[str, Any]) -> shared.BoardRules:
    return msgspec.convert(rules, shared.BoardRules)


def _ballot_closed(p: Any, e: Ballot.Closed) -> shared.BallotClosed:
    r = e.result
    return shared.BallotClosed(
        ballot=p.pseudonym(e.originator_id),
        kind=e.kind,
        secret=e.secret,
        threshold=r.get("threshold"),
        electorate_by_class={c["member_class"]: c["electorate"] for c in r["classes"]},
        voted_by_class={c["member_class"]: c["voted"] for c in r["classes"]},
        quorate=r["quorate"],
        passed=r.get("passed"),
        closed_on=e.closed_on,
    )


GOVERNANCE_SHARING: dict[str, Rule] = {
    Ballot.Closed.TOPIC: Rule(shared.BallotClosed, _ballot_closed),
    Coop.BoardElected.TOPIC: Rule(
        shared.BoardElected,
        lambda p, e: shared.BoardElected(
            ballot=p.pseudonym(UUID(e.ballot_id)),
            board_by_class=_counts(e.board),
            rules=_board_rules(e.board_rules),
            elected_on=e.elected_on,
        ),
    ),
    Coop.RulesAmended.TOPIC: Rule(
        shared.RulesAmended,
        lambda p, e: shared.RulesAmended(
            profile=e.profile["name"],
            member_classes=[c["name"] for c in e.profile["member_classes"]],
            rules=_board_rules(board_rules(msgspec.convert(e.profile, RulesProfile))),
            proxies_per_holder=e.profile["proxies_per_holder"],
            quorum=e.profile["quorum"],
            amended_on=e.amended_on,
        ),
    ),
}
