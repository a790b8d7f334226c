"""The co-op's designated leads: the member the board names as safeguarding lead
(told at once of every concern raised) and as data protection lead (who sees who
read whose records).

One ``Leads`` aggregate per node; each designation is an event that keeps who
made it and when. None of it leaves the node.
"""

import datetime as dt
from typing import Literal, get_args
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from node.membership import admitted_member
from node.membership_commands import MembershipCommands
from toolkit.aggregates import get

Duty = Literal["safeguarding", "data_protection"]
DUTIES: tuple[str, ...] = get_args(Duty)


def leads_id(coop_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"commonweal:leads:{coop_id}")


class Leads(Aggregate):
    TOPIC = "commonweal.leads"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.leads.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.leads.created"

    class Started(Created):
        TOPIC = "commonweal.leads.started"
        coop_id: str

    class Designated(Event):
        TOPIC = "commonweal.leads.designated"
        duty: str
        member: UUID | None  # None: the duty is left without a lead
        by: UUID | None  # the board member who designated; None for the admin
        designated_on: dt.date

    @staticmethod
    def create_id(coop_id: str, **_: object) -> UUID:
        return leads_id(coop_id)

    @event(Started)
    def __init__(self, coop_id: str) -> None:
        self.held: dict[str, UUID] = {}

    @event(Designated)
    def designate(
        self, duty: str, member: UUID | None, by: UUID | None, designated_on: dt.date
    ) -> None:
        if member is None:
            self.held.pop(duty, None)
        else:
            self.held[duty] = member


class LeadCommands(MembershipCommands):
    def designate_lead(
        self,
        duty: Duty,
        member_id: UUID | None,
        by: UUID | None = None,
        designated_on: dt.date | None = None,
    ) -> None:
        """Name ``member_id`` (an admitted member) lead for ``duty``, or leave the
        duty without one (None)."""
        if duty not in DUTIES:
            raise ValueError(f"{duty!r} is not a lead's duty; duties: {DUTIES}")
        if member_id is not None:
            admitted_member(self, member_id, f"{duty} lead")
        leads = self._leads() or Leads(coop_id=self.coop_id)
        if leads.held.get(duty) != member_id:
            leads.designate(duty, member_id, by, designated_on or dt.date.today())
            self.save(leads)

    def lead(self, duty: Duty) -> UUID | None:
        """The member who is lead for ``duty`` now, if they are still admitted."""
        leads = self._leads()
        member_id = leads.held.get(duty) if leads else None
        if member_id is None:
            return None
        member = self.member(member_id)
        return member_id if member.is_admitted else None

    def is_lead(self, duty: Duty, member_id: UUID | None) -> bool:
        return member_id is not None and self.lead(duty) == member_id

    def _leads(self) -> Leads | None:
        return get(self, leads_id(self.coop_id), Leads)
