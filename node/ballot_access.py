"""Reading ballots, their rolls and boxes, and the rules each ballot keeps.

A ballot is judged by the rules it opened under: ``Ballot.RulesFrozen`` holds the
whole rules profile (thresholds, quorum, classes and their strengths) from the
moment it opened, so amending the rules while it is open never changes or breaks
it. Ballots stored before that event existed (release 0.1.0 and the releases up
to this one) have none: for them the fallback is the profile the co-op had when
the ballot opened, found from the co-op's own history (its founding and each
``RulesAmended``, by the time they were stored), never the rules at close.
"""

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import RecordConflictError

from node.ballots import Ballot, BallotBox, Roll, box_id, roll_id
from node.coop import Coop
from node.errors import NotInElectorate, UnknownBallot
from node.membership_commands import MembershipCommands
from node.records import load
from node.rules import RulesProfile
from toolkit.aggregates import ids_with

T = TypeVar("T")
RETRIES = 50


class BallotAccess(MembershipCommands):
    def ballot(self, ballot_id: UUID) -> Ballot:
        return load(self, ballot_id, Ballot, UnknownBallot)

    def roll(self, ballot_id: UUID) -> Roll:
        """The ballot's electorate, proxies and who has voted (not how, if secret)."""
        self.ballot(ballot_id)
        return self._roll(ballot_id)

    def ballots(self) -> list[Ballot]:
        """Every ballot ever opened, oldest first."""
        return [self.ballot(i) for i in ids_with(self, Ballot.Opened.TOPIC)]

    def ballot_rules(self, ballot: Ballot) -> RulesProfile:
        """The rules ``ballot`` opened under (see the module docstring)."""
        if ballot.rules is not None:
            return msgspec.convert(ballot.rules, RulesProfile)
        return self._rules_when_opened(ballot)

    def _rules_when_opened(self, ballot: Ballot) -> RulesProfile:
        coop = self.coop()
        profile: dict[str, Any] | None = None
        for stored in self.repository.event_store.get(coop.id):
            if not isinstance(stored, Coop.Founded | Coop.RulesAmended):
                continue
            if stored.timestamp > ballot.created_on:
                break
            profile = stored.profile
        if profile is None:
            return coop.profile
        return msgspec.convert(profile, RulesProfile)

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

    def _retrying(self, attempt: Callable[[], T]) -> T:
        for _ in range(RETRIES):
            try:
                return attempt()
            except RecordConflictError:
                continue  # someone else wrote first: try again on the fresh state
        raise RuntimeError(f"gave up after {RETRIES} conflicting writes")
