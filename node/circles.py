"""Neighbourhood circles: a few members living near one another (10 to 20, as
Japan's Han groups are) who help each other, meet, and keep their own board of
offers and requests.

Any admitted member may form a circle or join one; it holds ``CIRCLE_CAP``
members at most. Only its own members, while they are members of the co-op,
see its board, meetings and notes, and write them; the co-op's staff see only
that circles exist and how many are in each. Meeting notes are free text in a
member's words (sealed like a motion's comments, node.personal_fields) and never
leave the node; the consortium gets monthly counts (node.circle_months).
"""

import datetime as dt
from typing import NamedTuple
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from node.errors import CircleFull, InvalidCircle, NotInCircle, UnknownCircle
from node.membership import Member
from node.records import load
from toolkit.aggregates import get

# Small enough for everyone in it to know everyone.
CIRCLE_CAP = 20
MAX_NAME = 80
MAX_NOTES = 4000


class CircleMeeting(NamedTuple):
    id: UUID
    held_on: dt.date
    notes: str
    recorded_by: UUID


class Circle(Aggregate):
    TOPIC = "commonweal.circle"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.circle.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.circle.created"

    class Formed(Created):
        TOPIC = "commonweal.circle.formed"
        name: str
        neighbourhood: str
        formed_by: UUID
        formed_on: dt.date

    class Joined(Event):
        TOPIC = "commonweal.circle.joined"
        member: UUID
        joined_on: dt.date

    class Left(Event):
        TOPIC = "commonweal.circle.left"
        member: UUID
        left_on: dt.date

    class MeetingRecorded(Event):
        TOPIC = "commonweal.circle.meeting_recorded"
        meeting: UUID
        held_on: dt.date
        notes: str
        recorded_by: UUID

    @event(Formed)
    def __init__(
        self, name: str, neighbourhood: str, formed_by: UUID, formed_on: dt.date
    ) -> None:
        self.name = name
        self.neighbourhood = neighbourhood
        self.formed_on = formed_on
        # Whoever forms a circle is its first member.
        self.members: list[UUID] = [formed_by]
        # (member, joined on, left on or None): who was in it on any day.
        self.spans: list[tuple[UUID, dt.date, dt.date | None]] = [
            (formed_by, formed_on, None)
        ]
        self.meetings: list[CircleMeeting] = []

    def join(self, member: UUID, joined_on: dt.date) -> None:
        if member in self.members:
            raise InvalidCircle(f"member {member} is already in circle {self.id}")
        if len(self.members) >= CIRCLE_CAP:
            raise CircleFull(
                f"circle {self.id} has {CIRCLE_CAP} members, the most a circle has"
            )
        self._joined(member, joined_on)

    @event(Joined)
    def _joined(self, member: UUID, joined_on: dt.date) -> None:
        self.members = [*self.members, member]
        self.spans = [*self.spans, (member, joined_on, None)]

    def leave(self, member: UUID, left_on: dt.date) -> None:
        if member not in self.members:
            raise InvalidCircle(f"member {member} is not in circle {self.id}")
        self._left(member, left_on)

    @event(Left)
    def _left(self, member: UUID, left_on: dt.date) -> None:
        self.members = [m for m in self.members if m != member]
        self.spans = [
            (who, since, left_on if who == member and until is None else until)
            for who, since, until in self.spans
        ]

    @event(MeetingRecorded)
    def record_meeting(
        self, meeting: UUID, held_on: dt.date, notes: str, recorded_by: UUID
    ) -> None:
        self.meetings = [
            *self.meetings,
            CircleMeeting(meeting, held_on, notes, recorded_by),
        ]

    def members_on(self, day: dt.date) -> set[UUID]:
        """Who was in the circle at the end of ``day``."""
        return {
            who
            for who, since, until in self.spans
            if since <= day and (until is None or until > day)
        }


def still_member_on(member: Member, day: dt.date) -> bool:
    """Whether ``member`` had been admitted and not withdrawn by the end of ``day``:
    a member who leaves the co-op leaves its circles' counts with it."""
    admitted = member.admitted_on
    withdrawn = member.withdrawn_on
    return (
        admitted is not None
        and admitted <= day
        and (withdrawn is None or withdrawn > day)
    )


def load_circle(app: Application[UUID], circle_id: UUID) -> Circle:
    return load(app, circle_id, Circle, UnknownCircle)


def circle_of_member(app: Application[UUID], circle_id: UUID, member: UUID) -> Circle:
    """The circle, for one of its own members who is still a member of the co-op;
    anyone else is refused before anything is read or written."""
    circle = load_circle(app, circle_id)
    if member not in circle.members:
        raise NotInCircle(f"member {member} is not in circle {circle_id}")
    who = get(app, member, Member)
    if who is None or not who.is_admitted:
        # Withdrawn from the co-op: out of its circles' notes and board too.
        raise NotInCircle(f"member {member} is no longer a member of the co-op")
    return circle
