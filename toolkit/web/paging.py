"""Pagination for lists: ``?limit=&cursor=``, answered with ``next_cursor``.

The cursor is opaque to clients: pass back the ``next_cursor`` of one page to get
the next; ``null`` means there is no more. (On the node it is the position in the
event log after which the next page starts, so pages stay stable while new items
are appended.)
"""

from typing import Annotated, Generic, TypeVar

import msgspec

T = TypeVar("T")


class ListQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    limit: Annotated[int, msgspec.Meta(ge=1, le=500)] = 50
    # Bounded so it fits a 64-bit column on every store.
    cursor: Annotated[int, msgspec.Meta(ge=0, le=2**62)] = 0


class Page(msgspec.Struct, Generic[T], frozen=True):
    items: list[T]
    next_cursor: int | None
