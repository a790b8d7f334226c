"""What each service type of the co-op requires of the carer who goes: one
``Requirements`` aggregate per node, each setting an event (node.compliance
checks a visit's carer against it). None of it leaves the node.
"""

import datetime as dt
from typing import NamedTuple
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


def requirements_id(coop_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"commonweal:compliance-requirements:{coop_id}")


class Requirement(NamedTuple):
    checks: tuple[str, ...] = ()
    trainings: tuple[str, ...] = ()


class Requirements(Aggregate):
    """What each service type of the co-op requires of whoever goes."""

    TOPIC = "commonweal.compliance_requirements"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.compliance_requirements.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.compliance_requirements.created"

    class Started(Created):
        TOPIC = "commonweal.compliance_requirements.started"
        coop_id: str

    class Set(Event):
        TOPIC = "commonweal.compliance_requirements.set"
        service_type: str
        checks: list[str]
        trainings: list[str]
        set_on: dt.date

    @staticmethod
    def create_id(coop_id: str, **_: object) -> UUID:
        return requirements_id(coop_id)

    @event(Started)
    def __init__(self, coop_id: str) -> None:
        self.by_service: dict[str, Requirement] = {}

    @event(Set)
    def set(
        self,
        service_type: str,
        checks: list[str],
        trainings: list[str],
        set_on: dt.date,
    ) -> None:
        self.by_service[service_type] = Requirement(tuple(checks), tuple(trainings))
