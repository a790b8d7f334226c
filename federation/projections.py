"""The projections the consortium keeps, in the order envelopes are applied to them.

A projection is a set of tables plus ``apply(cursor, envelope, payload)``; it is called
for every envelope inside the batch's transaction and ignores payloads not its own.
"""

from typing import ClassVar, Protocol

from commonweal.storage import Cursor
from federation.care import CareProjection
from federation.membership import MembershipProjection
from federation.timebank import TimebankProjection
from federation.workforce import WorkforceProjection
from schemas import Envelope, Payload


class Projection(Protocol):
    TABLES: ClassVar[tuple[str, ...]]

    def apply(self, cursor: Cursor, envelope: Envelope, payload: Payload) -> None: ...


PROJECTIONS: tuple[Projection, ...] = (
    MembershipProjection(),
    CareProjection(),
    WorkforceProjection(),
    TimebankProjection(),
)
