"""Finding aggregates in an eventsourcing application: by id, or by the topic of
their events in the application's notification log.

Every list in the system (members, ballots, visits, the consortium's co-ops...) is
"the aggregates whose created event has this topic": the notification log can
select by topic, so a list never needs an index of its own.
"""

from collections.abc import Iterator
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    LocalNotificationLog,
)
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import Notification
from eventsourcing.system import NotificationLogReader

A = TypeVar("A", bound=Aggregate)

# Notifications read per query while walking the log.
PAGE = 500


def get(app: Application[UUID], aggregate_id: UUID, kind: type[A]) -> A | None:
    """The aggregate of ``kind`` at ``aggregate_id``, or None if there is none of
    that kind there."""
    try:
        aggregate: object = app.repository.get(aggregate_id)
    except AggregateNotFoundError:
        return None
    return aggregate if isinstance(aggregate, kind) else None


def notifications_with(app: Application[Any], *topics: str) -> Iterator[Notification]:
    """Every notification of an event with one of ``topics``, oldest first."""
    # The application's own notification log serves sections of 10 at most
    # (eventsourcing's default): read the same recorder in bigger pages.
    log = LocalNotificationLog(app.recorder, section_size=PAGE)
    reader = NotificationLogReader(log, section_size=PAGE)
    for section in reader.select(start=1, topics=topics):
        yield from section


def ids_with(app: Application[UUID], *topics: str) -> Iterator[UUID]:
    """The id of the aggregate of every event with one of ``topics``, in the order
    the events were stored, without loading any aggregate. With a created event's
    topic: every aggregate of that kind, oldest first."""
    for notification in notifications_with(app, *topics):
        yield originator(notification)


def originator(notification: Notification) -> UUID:
    """The id of the aggregate a notification's event belongs to."""
    # eventsourcing types it ``UUID | str``; our applications use UUIDs.
    originator_id = notification.originator_id
    return originator_id if isinstance(originator_id, UUID) else UUID(originator_id)


def events_with(
    app: Application[UUID], *topics: str
) -> Iterator[DomainEventProtocol[UUID]]:
    """Every event with one of ``topics``, oldest first, decoded from the log
    without loading the aggregates they belong to."""
    for notification in notifications_with(app, *topics):
        yield app.mapper.to_domain_event(notification)
