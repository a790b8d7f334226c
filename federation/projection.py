"""The base of every consortium projection, and the counters they buffer.

The views call ``apply`` for each envelope of a batch inside the batch's
transaction, then ``flush`` once before commit; a projection may buffer work that
commutes (counters, sums) in ``apply`` and write it in ``flush``, which turns
thousands of statements into a few. ``discard`` drops that buffer when the
transaction rolls back, so nothing is counted twice.
"""

import datetime as dt
from typing import Any, ClassVar

from schemas import Envelope, Payload
from toolkit.storage import Cursor, Fill


def month_of(day: dt.date) -> str:
    """``2026-07``: the month a dated event counts in (f-string: strftime is slow
    enough to show in the ingest profile)."""
    return f"{day.year:04d}-{day.month:02d}"


class Sums:
    """Additive counters of one table, summed in memory over a batch and written
    with one upsert per row, in key order. ``add(("alpha", "2026-01"), 1, 30)``
    adds 1 and 30 to the two ``sums`` columns of that row, creating it if need
    be; ``also`` columns are written when the row is created and left alone after."""

    def __init__(
        self,
        table: str,
        keys: tuple[str, ...],
        sums: tuple[str, ...],
        also: tuple[str, ...] = (),
        *,
        skip_zero: bool = False,
    ) -> None:
        self._skip_zero = skip_zero  # leave out rows the batch added nothing to
        columns = ", ".join((*keys, *also, *sums))
        marks = ", ".join("?" * (len(keys) + len(also) + len(sums)))
        updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in sums)
        self._sql = (
            f"INSERT INTO {table} ({columns}) VALUES ({marks}) "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
        )
        self._rows: dict[tuple[Any, ...], list[int]] = {}
        self._also: dict[tuple[Any, ...], tuple[Any, ...]] = {}

    def add(
        self, key: tuple[Any, ...], *deltas: int, also: tuple[Any, ...] = ()
    ) -> None:
        row = self._rows.get(key)
        if row is None:
            self._rows[key] = list(deltas)
            self._also[key] = also
        else:
            for i, delta in enumerate(deltas):
                row[i] += delta

    def holds(self, key: tuple[Any, ...]) -> bool:
        """Whether this batch has already added to the row at ``key``."""
        return key in self._rows

    def flush(self, cursor: Cursor) -> None:
        cursor.executemany(
            self._sql,
            [
                (*key, *self._also[key], *row)
                for key, row in sorted(self._rows.items())
                if any(row) or not self._skip_zero
            ],
        )
        self.discard()

    def discard(self) -> None:
        self._rows = {}
        self._also = {}


class Projection:
    TABLES: ClassVar[tuple[str, ...]] = ()
    FILLS: ClassVar[tuple[tuple[str, Fill], ...]] = ()  # see TrackedTables.FILLS

    def __init__(self) -> None:
        self.sums: tuple[Sums, ...] = ()

    def apply(self, cursor: Cursor, envelope: Envelope, payload: Payload) -> None:
        raise NotImplementedError

    def reads(self, payload_type: type[Payload]) -> bool:
        """Whether ``apply`` does anything with payloads of ``payload_type``: the
        views call only the projections that do (eight calls an envelope, most
        of them doing nothing, showed in the ingest profile). A projection that
        dispatches on a ``_handlers`` table by payload type reads what is in it."""
        handlers = getattr(self, "_handlers", None)
        return handlers is None or payload_type in handlers

    def flush(self, cursor: Cursor) -> None:
        """Write whatever ``apply`` buffered during this batch."""
        for sums in self.sums:
            sums.flush(cursor)

    def discard(self) -> None:
        """Forget whatever ``apply`` buffered: the batch's transaction failed."""
        for sums in self.sums:
            sums.discard()
