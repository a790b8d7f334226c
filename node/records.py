"""Loading one aggregate, refused with the node's own error when it is missing.

Lists of aggregates come from ``toolkit.aggregates.ids_with`` (by the topic of
their created event).
"""

from typing import TypeVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from node.errors import DomainError
from toolkit.aggregates import get

A = TypeVar("A", bound=Aggregate)


def load(
    app: Application[UUID],
    aggregate_id: UUID,
    kind: type[A],
    error: type[DomainError],
    what: str | None = None,
) -> A:
    """The aggregate of ``kind`` at ``aggregate_id``, or ``error`` naming what is
    missing (``what``, by default the kind's name)."""
    aggregate = get(app, aggregate_id, kind)
    if aggregate is None:
        raise error(f"no {what or kind.__name__.lower()} {aggregate_id} in this co-op")
    return aggregate
