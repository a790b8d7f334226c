"""Volunteers: members enrolled to care for the co-op's service users without
being employed. An enrolled volunteer is a carer (visits may be assigned to
them, node.visits) like an employed worker (node.workforce).

Volunteers are not workers: none of these events leaves the node, and they never
count in the workforce's shared figures (turnover, the type B share).
"""

import datetime as dt
from collections.abc import Iterator
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from node.coop import CoopBase
from node.errors import InvalidTransition, UnknownVolunteer
from node.membership import admitted_member
from node.records import load
from toolkit.aggregates import ids_with


class Volunteer(Aggregate):
    """One spell of volunteering by a member."""

    TOPIC = "commonweal.volunteer"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.volunteer.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.volunteer.created"

    class Enrolled(Created):
        TOPIC = "commonweal.volunteer.enrolled"
        member: UUID
        enrolled_on: dt.date

    class StoodDown(Event):
        TOPIC = "commonweal.volunteer.stood_down"
        on: dt.date
        reason: str  # free text: stays in the node

    @event(Enrolled)
    def __init__(self, member: UUID, enrolled_on: dt.date) -> None:
        self.member = member
        self.enrolled_on = enrolled_on
        self.stood_down_on: dt.date | None = None
        self.reason = ""

    @property
    def is_enrolled(self) -> bool:
        return self.stood_down_on is None

    def stand_down(self, on: dt.date, reason: str) -> None:
        if self.stood_down_on is not None:
            raise InvalidTransition(
                f"volunteer {self.id} already stood down on {self.stood_down_on}"
            )
        if on < self.enrolled_on:
            raise InvalidTransition(
                f"volunteer {self.id} enrolled on {self.enrolled_on}, cannot stand "
                "down before"
            )
        self._stood_down(on, reason)

    @event(StoodDown)
    def _stood_down(self, on: dt.date, reason: str) -> None:
        self.stood_down_on = on
        self.reason = reason


class VolunteerCommands(CoopBase):
    def enrol_volunteer(
        self, member_id: UUID, enrolled_on: dt.date | None = None
    ) -> UUID:
        admitted_member(self, member_id, "volunteer")
        if self.enrolled_volunteer(member_id) is not None:
            raise InvalidTransition(f"member {member_id} is already a volunteer")
        volunteer = Volunteer(
            member=member_id, enrolled_on=enrolled_on or dt.date.today()
        )
        self.save(volunteer)
        return volunteer.id

    def volunteer_stands_down(
        self, volunteer_id: UUID, reason: str = "", on: dt.date | None = None
    ) -> None:
        volunteer = self.volunteer(volunteer_id)
        volunteer.stand_down(on or dt.date.today(), reason)
        self.save(volunteer)

    def is_carer(self, member_id: UUID) -> bool:
        # The other kinds of carer (employed workers) are asked along the MRO.
        return self.enrolled_volunteer(member_id) is not None or super().is_carer(
            member_id
        )

    def carers_on(self, day: dt.date) -> set[UUID]:
        enrolled = {
            v.member
            for v in self.volunteers()
            if v.enrolled_on <= day
            and (v.stood_down_on is None or day < v.stood_down_on)
        }
        return enrolled | super().carers_on(day)

    def enrolled_volunteer(self, member_id: UUID) -> Volunteer | None:
        """The member's current spell of volunteering, if they are enrolled."""
        for volunteer in self.volunteers():
            if volunteer.member == member_id and volunteer.is_enrolled:
                return volunteer
        return None

    def volunteer(self, volunteer_id: UUID) -> Volunteer:
        return load(self, volunteer_id, Volunteer, UnknownVolunteer)

    def volunteers(self) -> Iterator[Volunteer]:
        for volunteer_id in ids_with(self, Volunteer.Enrolled.TOPIC):
            yield self.volunteer(volunteer_id)
