"""Postal and assisted votes: staff enter a member's vote on their behalf, with
an audit trail of who entered it, when, how, and for whom.

The vote is the member's own: it is cast as the member (so it supersedes a proxy,
and the member counts as having voted), and refused if they have already voted,
online or otherwise. The audit trail is a ``PostalVotes`` aggregate per ballot;
each entry names the member, the staff member who entered it, the channel (a
paper sent by post, or assistance given in person) and the day. For an open
ballot it names the choice too (the roll holds it anyway); for a secret ballot it
never does, and the receipt's secret is given to the staff member to pass on to
the voter (on paper), as the node would show it to them. The entry's day-long
timestamp and its place in the log show only what the roll's mark shows.

Not shared with the consortium (not in node.sharing's allowlist): it names
members.
"""

import datetime as dt
from typing import Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from node.ballots import _day_timestamp
from node.errors import AlreadyVoted
from node.meetings import MeetingCommands
from toolkit.aggregates import get

Channel = Literal["postal", "assisted"]
CHANNELS: tuple[Channel, ...] = ("postal", "assisted")


def postal_votes_id(ballot_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"commonweal:postal-votes:{ballot_id}")


class PostalVotes(Aggregate):
    TOPIC = "commonweal.postal_votes"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.postal_votes.event"
        create_timestamp = staticmethod(_day_timestamp)

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.postal_votes.created"

    class Started(Created):
        TOPIC = "commonweal.postal_votes.started"
        ballot_id: UUID

    class Entered(Event):
        TOPIC = "commonweal.postal_votes.entered"
        member: str
        entered_by: str
        channel: str
        entered_on: dt.date
        choice: Any  # None for a secret ballot

    @staticmethod
    def create_id(ballot_id: UUID, **_: Any) -> UUID:
        return postal_votes_id(ballot_id)

    @event(Started)
    def __init__(self, ballot_id: UUID) -> None:
        self.ballot_id = ballot_id
        self.entries: list[dict[str, Any]] = []

    @event(Entered)
    def enter(
        self,
        member: str,
        entered_by: str,
        channel: str,
        entered_on: dt.date,
        choice: Any,
    ) -> None:
        self.entries.append(
            {
                "member": member,
                "entered_by": entered_by,
                "channel": channel,
                "entered_on": entered_on,
                "choice": choice,
            }
        )


class PostalVoteCommands(MeetingCommands):
    def enter_postal_vote(
        self,
        ballot_id: UUID,
        member_id: UUID,
        choice: Any,
        entered_by: str,
        channel: Channel = "postal",
        entered_on: dt.date | None = None,
    ) -> str | None:
        """Cast ``member_id``'s vote as they gave it on paper or with help.
        Returns the receipt's secret for a secret ballot (for the voter)."""
        ballot = self.ballot(ballot_id)
        member = str(member_id)
        with self._pool().lock:
            if member in self._roll(ballot_id).voted:
                raise AlreadyVoted(f"member {member} has already voted in this ballot")
            receipt = self.cast_vote(ballot_id, member_id, choice)
            log = get(self, postal_votes_id(ballot_id), PostalVotes)
            if log is None:
                log = PostalVotes(ballot_id=ballot_id)
            stored = None if ballot.secret else self.roll(ballot_id).votes.get(member)
            log.enter(
                member,
                entered_by,
                channel,
                entered_on or dt.date.today(),
                stored,
            )
            self.save(log)
        return receipt

    def postal_votes(self, ballot_id: UUID) -> list[dict[str, Any]]:
        """The audit trail of votes entered for members in this ballot."""
        self.ballot(ballot_id)
        log = get(self, postal_votes_id(ballot_id), PostalVotes)
        return [] if log is None else list(log.entries)
