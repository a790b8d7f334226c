"""The base of every consortium projection.

The views call ``apply`` for each envelope of a batch inside the batch's
transaction, then ``flush`` once before commit; a projection may buffer work that
commutes (counters, sums) in ``apply`` and write it in ``flush``, which turns
thousands of statements into a few. ``discard`` drops that buffer when the
transaction rolls back, so nothing is counted twice.
"""

from typing import ClassVar

from commonweal.storage import Cursor
from schemas import Envelope, Payload


class Projection:
    TABLES: ClassVar[tuple[str, ...]] = ()

    def apply(self, cursor: Cursor, envelope: Envelope, payload: Payload) -> None:
        raise NotImplementedError

    def flush(self, cursor: Cursor) -> None:
        """Write whatever ``apply`` buffered during this batch."""

    def discard(self) -> None:
        """Forget whatever ``apply`` buffered: the batch's transaction failed."""
