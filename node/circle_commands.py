"""What members do in neighbourhood circles (node.circles): form, join and leave
one, record its meetings, and trade on its own board, which is the time bank's
board (node.timebank_board) scoped to the circle: a circle's exchanges are the
board's exchanges agreed on its listings, between its members."""

import datetime as dt
from collections.abc import Iterator
from uuid import UUID, uuid4

from node.circles import (
    MAX_NAME,
    MAX_NOTES,
    Circle,
    circle_of_member,
    load_circle,
    still_member_on,
)
from node.errors import InvalidCircle
from node.membership import Member, admitted_member
from node.timebank_board import Exchange, Listing, TimebankBoardCommands
from toolkit.aggregates import get, ids_with


def _required_text(value: str, what: str, most: int) -> str:
    text = value.strip()
    if not text or len(text) > most:
        raise InvalidCircle(f"a circle's {what} is 1 to {most} characters")
    return text


class CircleCommands(TimebankBoardCommands):
    def form_circle(
        self,
        name: str,
        neighbourhood: str,
        formed_by: UUID,
        on: dt.date | None = None,
    ) -> UUID:
        admitted_member(self, formed_by, "circle member")
        circle = Circle(
            name=_required_text(name, "name", MAX_NAME),
            neighbourhood=_required_text(neighbourhood, "neighbourhood", MAX_NAME),
            formed_by=formed_by,
            formed_on=on or dt.date.today(),
        )
        self.save(circle)
        return circle.id

    def join_circle(
        self, circle_id: UUID, member: UUID, on: dt.date | None = None
    ) -> None:
        circle = load_circle(self, circle_id)
        admitted_member(self, member, "circle member")
        circle.join(member, on or dt.date.today())
        self.save(circle)

    def leave_circle(
        self, circle_id: UUID, member: UUID, on: dt.date | None = None
    ) -> None:
        """A member leaves of their own accord (withdrawn from the co-op too)."""
        circle = load_circle(self, circle_id)
        circle.leave(member, on or dt.date.today())
        self.save(circle)

    def record_circle_meeting(
        self, circle_id: UUID, by: UUID, held_on: dt.date, notes: str
    ) -> UUID:
        circle = circle_of_member(self, circle_id, by)
        if len(notes) > MAX_NOTES:
            raise InvalidCircle(f"meeting notes are {MAX_NOTES} characters at most")
        meeting = uuid4()
        circle.record_meeting(meeting, held_on, notes, by)
        self.save(circle)
        return meeting

    def circle_for(self, circle_id: UUID, member: UUID) -> Circle:
        """The circle, read by one of its own members only (node.circles)."""
        return circle_of_member(self, circle_id, member)

    def circle(self, circle_id: UUID) -> Circle:
        """The circle, for counting: whoever reads its notes goes through
        ``circle_for``."""
        return load_circle(self, circle_id)

    def circles(self) -> Iterator[Circle]:
        for circle_id in ids_with(self, Circle.Formed.TOPIC):
            yield load_circle(self, circle_id)

    def circle_size(self, circle: Circle) -> int:
        """Its members who are members of the co-op today."""
        return len(self.circle_members_on(circle, dt.date.today()))

    def circle_members_on(self, circle: Circle, day: dt.date) -> list[UUID]:
        """Who was in ``circle`` and a member of the co-op at the end of ``day``."""
        members = []
        for member_id in sorted(circle.members_on(day)):
            member = get(self, member_id, Member)
            if member is not None and still_member_on(member, day):
                members.append(member_id)
        return members

    def circle_listings(self, circle_id: UUID) -> list[Listing]:
        return [listing for listing in self.listings() if listing.circle == circle_id]

    def circle_exchanges(self, circle_id: UUID) -> list[Exchange]:
        listings = {listing.id for listing in self.circle_listings(circle_id)}
        return [e for e in self.exchanges() if e.listing in listings]
