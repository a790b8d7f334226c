"""A page of co-ops: the report carries the per-co-op detail of one page at a time.

At 1,000 co-ops the per-co-op detail (months of care by service type, time-bank
months, workforce days) is tens of thousands of rows, and fetching them is most of
a whole report's time; the network totals come from a few hundred rows. So the
report's sections take the ids of a page and read the detail of those co-ops only,
while their network totals are summed by the database over every co-op.

The cursor is the last co-op id of the previous page (opaque to clients, as on the
node's lists): pages stay stable while new co-ops join.
"""

from collections.abc import Sequence
from typing import NamedTuple

from toolkit.storage import Cursor


class CoopPage(NamedTuple):
    """The co-ops whose detail a report carries; ``coops`` None: every co-op."""

    coops: tuple[str, ...] | None
    next_cursor: str | None = None


EVERY_COOP = CoopPage(None)


def coop_page(cursor: Cursor, after: str, limit: int) -> CoopPage:
    """The ``limit`` co-ops after ``after`` in id order: every co-op the
    consortium knows (founded, or with anything applied)."""
    rows = cursor.execute(
        "SELECT coop_id FROM coops UNION SELECT coop_id FROM last_applied"
    ).fetchall()
    # Sorted here, not by the database: PostgreSQL's collation may order text
    # differently from SQLite and Python, and the cursor must mean one place.
    ids = sorted(row["coop_id"] for row in rows if row["coop_id"] > after)
    page = tuple(ids[:limit])
    return CoopPage(page, page[-1] if len(ids) > limit else None)


def only(
    coops: Sequence[str] | None, column: str = "coop_id"
) -> tuple[str, tuple[str, ...]]:
    """An SQL condition keeping the rows of ``coops`` (every row for None) and its
    parameters, to follow ``WHERE``."""
    if coops is None:
        return "1 = 1", ()
    if not coops:
        return "1 = 0", ()
    return f"{column} IN ({', '.join('?' * len(coops))})", tuple(coops)
