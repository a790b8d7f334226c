"""Members by class over time: each month's net change per co-op and class, so the
dashboard can draw how many members of each class there were, month by month
(a running sum), and a rebuild from the stream gives the same numbers.

A month is listed when, across the network, some class's count changed in it:
one whose changes cancel out is not, however the envelopes were batched (a
batch leaves out a row it added nothing to, but two batches can leave a row of
zero behind)."""

import datetime as dt

import msgspec

from federation.projection import Projection, Sums, month_of
from federation.suppression import People
from schemas import Envelope, Payload
from schemas import membership as m
from toolkit.storage import Cursor


class ClassTrendProjection(Projection):
    TABLES = (
        "CREATE TABLE IF NOT EXISTS class_months ("
        "coop_id TEXT NOT NULL, month TEXT NOT NULL, member_class TEXT NOT NULL, "
        "net INTEGER NOT NULL DEFAULT 0, "
        "PRIMARY KEY (coop_id, month, member_class))",
    )

    def __init__(self) -> None:
        # Rows a batch added nothing to are left out, to keep the table small.
        self.net = Sums(
            "class_months",
            ("coop_id", "month", "member_class"),
            ("net",),
            skip_zero=True,
        )
        self.sums = (self.net,)

    def apply(self, cursor: Cursor, envelope: Envelope, payload: Payload) -> None:
        coop = envelope.coop_id
        if isinstance(payload, m.MemberAdmitted):
            self._count(coop, payload.admitted_on, payload.member_class, 1)
        elif isinstance(payload, m.MemberWithdrawn):
            self._count(coop, payload.withdrawn_on, payload.member_class, -1)
        elif isinstance(payload, m.MemberClassChanged):
            self._count(coop, payload.changed_on, payload.from_class, -1)
            self._count(coop, payload.changed_on, payload.to_class, 1)

    def reads(self, payload_type: type[Payload]) -> bool:
        return payload_type in (
            m.MemberAdmitted,
            m.MemberWithdrawn,
            m.MemberClassChanged,
        )

    def _count(self, coop_id: str, day: dt.date, member_class: str, n: int) -> None:
        self.net.add((coop_id, month_of(day), member_class), n)


class ClassMonth(msgspec.Struct, frozen=True):
    month: str
    members_by_class: dict[str, People]


def members_by_class_over_time(cursor: Cursor) -> list[ClassMonth]:
    """Members of each class at the end of each month, across the network."""
    rows = cursor.execute(
        "SELECT month, member_class, SUM(net) AS net FROM class_months "
        "GROUP BY month, member_class HAVING SUM(net) <> 0 "
        "ORDER BY month, member_class"
    ).fetchall()
    running: dict[str, int] = {}
    months: dict[str, dict[str, int]] = {}
    for row in rows:
        running[row["member_class"]] = running.get(row["member_class"], 0) + int(
            row["net"]
        )
        months[row["month"]] = dict(running)
    classes = sorted(running)
    return [
        ClassMonth(month, {c: counts.get(c, 0) for c in classes})
        for month, counts in months.items()
    ]
