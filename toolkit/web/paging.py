"""Pagination for lists: ``?limit=&cursor=``, answered with ``next_cursor``.

The cursor is opaque to clients: pass back the ``next_cursor`` of one page to get
the next; ``null`` means there is no more. (On the node it is the position in the
event log after which the next page starts, so pages stay stable while new items
are appended.)
"""

from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

import msgspec
from eventsourcing.application import Application, LocalNotificationLog

from toolkit.aggregates import originator

T = TypeVar("T")

MAX_LIMIT = 500


class ListQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    limit: Annotated[int, msgspec.Meta(ge=1, le=MAX_LIMIT)] = 50
    # Bounded so it fits a 64-bit column on every store.
    cursor: Annotated[int, msgspec.Meta(ge=0, le=2**62)] = 0


class Page(msgspec.Struct, Generic[T], frozen=True):
    items: list[T]
    next_cursor: int | None


def ids_page(app: Application[Any], topic: str, query: ListQuery) -> Page[UUID]:
    """A page of the ids of aggregates with an event of ``topic`` (their created
    event's, for a list of them), by their position in the notification log."""
    # The application's own notification log serves sections of 10 at most.
    log = LocalNotificationLog(app.recorder, section_size=MAX_LIMIT)
    rows = log.select(start=query.cursor + 1, limit=query.limit, topics=[topic])
    more = len(rows) == query.limit
    return Page([originator(row) for row in rows], rows[-1].id if more else None)
