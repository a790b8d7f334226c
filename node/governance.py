"""Governance commands: open a ballot with a frozen electorate, appoint proxies,
vote (openly or secretly, with receipts), close and count, and elect the board.

Who acts is an argument of every member command (``voter_id``: the authenticated
member, or the proxy holder acting ``for_member``); checking the caller's token is
the HTTP layer's job. Opening, closing and cancelling are admin commands.

Several people vote at once: every open vote is written to the ballot's ``Roll``,
so a conflicting write (the same roll version saved twice) is retried against the
fresh state, where a second vote by the same member replaces the first. Secret
votes go through ``node.secret_voting`` (kept, then boxed in shuffled batches,
under one lock), where a second vote by the same member is refused (use the
receipt). Proxies are in ``node.proxies``; the rules a ballot keeps, and reading
ballots, in ``node.ballot_access``.
"""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any
from uuid import UUID

import msgspec

from node.ballots import Ballot, BallotBox, Roll
from node.board import board_breaches, board_rules
from node.coop import Coop
from node.errors import (
    BoardRulesBroken,
    InvalidBallot,
    InvalidClosingDay,
    NoElectorate,
    ProxyRefused,
)
from node.proxies import ProxyCommands
from node.rules import RulesProfile, membership_caps
from node.sharing import Rule
from node.tally import (
    ElectionResult,
    in_room_votes,
    suppress_small_classes,
    tally_election,
    tally_proposal,
    voter_weights,
)
from schemas import governance as shared

# What is saved with a new ballot, given its id (node.motions: the motion).
Linked = Callable[[UUID], Sequence[Any]]


class GovernanceCommands(ProxyCommands):
    # --- admin -----------------------------------------------------------------

    def open_ballot(
        self,
        title: str,
        *,
        threshold: str = "ordinary",
        secret: bool = False,
        opened_on: dt.date | None = None,
        closes_on: dt.date | None = None,
        linked: Linked | None = None,
    ) -> UUID:
        """A proposal ballot (for / against / abstain) of every admitted member.
        ``closes_on``, if given, is the day the admin means to close it: the
        electorate members yet to vote are reminded the day before. ``linked``
        gives, from the new ballot's id, what is saved with it (a motion)."""
        profile = self.coop().profile
        if threshold not in profile.thresholds:
            raise InvalidBallot(
                f"threshold {threshold!r} is not in the rules; "
                f"known: {', '.join(profile.thresholds)}"
            )
        return self._open(
            "proposal", title, threshold, {}, secret, None, opened_on, closes_on, linked
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
        with self._pool().lock:
            result = self._retrying(lambda: self._close(ballot_id, day))
            self._batch_written(ballot_id)
        return result

    def cancel_ballot(
        self, ballot_id: UUID, reason: str, cancelled_on: dt.date | None = None
    ) -> None:
        def attempt() -> None:
            ballot, roll = self.ballot(ballot_id), self._roll(ballot_id)
            ballot.require_open()
            ballot.cancel(reason, cancelled_on or dt.date.today())
            roll.close()
            self.save(ballot, roll, *self._sealed_box(ballot))

        with self._pool().lock:
            self._retrying(attempt)
            self._drop_waiting(ballot_id)

    # --- members ---------------------------------------------------------------

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
        profile = self.ballot_rules(ballot)
        voter = str(voter_id)
        member = str(for_member) if for_member is not None else voter

        def attempt() -> str | None:
            roll = self._roll(ballot_id)
            roll.require_open()
            member_class, strength = self._require_elector(roll, member, profile)
            roll.require_not_in_room(member)
            if member != voter:
                if not profile.allows_proxies:
                    raise ProxyRefused(
                        f"the rules ({profile.name}) do not allow voting by proxy"
                    )
                if roll.proxies.get(member) != voter:
                    raise ProxyRefused("you hold no proxy for that member")
                self._require_elector(roll, voter, profile)
            valid = ballot.valid_choice(member_class, choice)
            if ballot.secret:
                return self._cast_secret(
                    ballot, member, voter, member_class, strength, valid
                )
            roll.cast(member, voter, valid)
            self.save(roll)
            return None

        if not ballot.secret:
            return self._retrying(attempt)
        with self._pool().lock:
            return self._retrying(attempt)

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
        linked: Linked | None = None,
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
        ballot.freeze_rules(msgspec.to_builtins(profile))
        if closes_on is not None:
            ballot.set_closing_date(closes_on)
        roll = Roll(
            ballot_id=ballot.id,
            electorate={m: [c, str(weights[m])] for m, c in frozen.items()},
        )
        box = [BallotBox(ballot_id=ballot.id)] if secret else []
        self.save(ballot, roll, *box, *(linked(ballot.id) if linked else ()))
        return ballot.id

    def _close(self, ballot_id: UUID, day: dt.date) -> Any:
        ballot = self.ballot(ballot_id)
        ballot.require_open()
        coop = self.coop()
        # The rules it opened under; the board it elects obeys today's rules.
        profile = self.ballot_rules(ballot)
        if ballot.secret:
            # Every vote still waiting is written now, shuffled, with the close.
            roll, box = self._batch(ballot_id)
        else:
            roll = self._roll(ballot_id)
        electorate = {m: (c, Fraction(w)) for m, (c, w) in roll.electorate.items()}
        if ballot.secret:
            votes = [(c, Fraction(w), choice) for c, w, choice in box.ballots.values()]
        else:
            votes = [
                (*electorate[m], choice)
                for m, choice in sorted(roll.votes.items())
                if not (profile.withdrawn_lose_vote and self._has_withdrawn(m))
            ]
        votes += in_room_votes(ballot.in_room, electorate)  # a general meeting's
        roll.close()
        changed: list[Any] = [ballot, roll]
        if ballot.secret:
            box.seal()
            changed.append(box)
        if ballot.kind == "proposal":
            result: Any = tally_proposal(
                profile, ballot.threshold or "ordinary", electorate, votes
            )
            if ballot.secret:
                result = suppress_small_classes(result)
        else:
            result = tally_election(
                profile,
                ballot.constituencies,
                electorate,
                [(c, choice) for c, _, choice in votes],
            )
            if result.quorate:
                changed.append(
                    self._elect_board(coop, coop.profile, ballot, result, day)
                )
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
        coop.board_elected(
            str(ballot.id), board, board_rules(profile), day, result.elected
        )
        return coop

    def _sealed_box(self, ballot: Ballot) -> list[BallotBox]:
        if not ballot.secret:
            return []
        box = self._box(ballot.id)
        box.seal()
        return [box]


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
            membership_caps=membership_caps(e.profile),
        ),
    ),
}
