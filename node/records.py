"""Loading and listing aggregates, shared by the node's areas."""

from collections.abc import Iterator
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate

from node.errors import DomainError, NotAMember
from node.membership import Member
from toolkit.ids import originator_uuid

A = TypeVar("A", bound=Aggregate)

PAGE = 500


def load(
    app: Application[UUID], aggregate_id: UUID, kind: type[A], error: type[DomainError]
) -> A:
    """The aggregate of ``kind`` at ``aggregate_id``, or ``error`` naming what is
    missing."""
    try:
        aggregate: Aggregate | None = app.repository.get(aggregate_id)
    except AggregateNotFoundError:
        aggregate = None
    if not isinstance(aggregate, kind):
        what = kind.__name__.lower()
        raise error(f"no {what} {aggregate_id} in this co-op")
    return aggregate


def created_ids(app: Application[UUID], created_topic: str) -> Iterator[UUID]:
    """Ids of every aggregate whose first event has ``created_topic``, oldest first."""
    return event_ids(app, created_topic)


def event_ids(app: Application[UUID], *topics: str) -> Iterator[UUID]:
    """The aggregate id of every event with one of ``topics``, in the order they
    were stored, without loading any aggregate."""
    start = 1
    while True:
        page = app.recorder.select_notifications(
            start=start, limit=PAGE, topics=list(topics)
        )
        for notification in page:
            yield originator_uuid(notification)
        if len(page) < PAGE:
            return
        start = page[-1].id + 1


def admitted_member(app: Application[UUID], member_id: UUID, role: str) -> Member:
    """The member at ``member_id``, who must be admitted to act as ``role``."""
    try:
        member: Aggregate | None = app.repository.get(member_id)
    except AggregateNotFoundError:
        member = None
    if not isinstance(member, Member):
        raise NotAMember(f"{member_id} is not a member of this co-op, so not a {role}")
    if not member.is_admitted:
        raise NotAMember(
            f"member {member_id} is {member.status}; "
            f"a {role} must be an admitted member"
        )
    return member
