"""Neighbourhood circles across the co-ops: how many circles each co-op has, how
many members are in them, how many meetings they held and how many time-bank
exchanges on their own boards were settled, month by month.

Each node counts its circles once a month is over (``circle.month_summarised``,
see node.circle_months) and shares the counts only: no circle's id or name and
no pseudonym of anyone. They are kept per co-op and month, the latest summary of
a month replacing any earlier one. Members are people: the published report
suppresses their counts below 5 and withholds what is derived from them.
"""

from collections.abc import Callable, Sequence
from typing import Annotated, Any

import msgspec

from federation.coop_page import only
from federation.projection import Projection, month_of
from federation.suppression import People, Withheld
from schemas import Envelope, Payload
from schemas import timebank as t
from toolkit.storage import Cursor, group_rows

# Months a report shows, ending with the last summarised one.
CIRCLE_MONTHS = 12


class CirclesProjection(Projection):
    TABLES = (
        "CREATE TABLE IF NOT EXISTS circle_months ("
        "coop_id TEXT NOT NULL, month TEXT NOT NULL, circles BIGINT NOT NULL, "
        "members BIGINT NOT NULL, largest BIGINT NOT NULL, "
        "meetings BIGINT NOT NULL, exchanges_settled BIGINT NOT NULL, "
        "PRIMARY KEY (coop_id, month))",
    )

    def apply(self, cursor: Cursor, envelope: Envelope, payload: Payload) -> None:
        handler = self._handlers.get(type(payload))
        if handler is not None:
            handler(self, cursor, envelope.coop_id, payload)

    def _month(self, cur: Cursor, coop_id: str, p: t.CircleMonthSummarised) -> None:
        sizes = p.members_per_circle
        figures = (
            p.circles,
            sum(sizes),
            max(sizes, default=0),
            p.meetings,
            p.exchanges_settled,
        )
        cur.execute(
            "INSERT INTO circle_months (coop_id, month, circles, members, largest, "
            "meetings, exchanges_settled) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (coop_id, month) DO UPDATE SET "
            "circles = excluded.circles, members = excluded.members, "
            "largest = excluded.largest, meetings = excluded.meetings, "
            "exchanges_settled = excluded.exchanges_settled",
            (coop_id, month_of(p.month), *figures),
        )

    _handlers: dict[type[Payload], Callable[..., None]] = {
        t.CircleMonthSummarised: _month,
    }


class CircleMonth(msgspec.Struct, frozen=True):
    month: str
    circles: int  # circles, not people
    members: People  # in circles on the month's last day
    # Members per circle, on average.
    mean_members: Annotated[float | None, Withheld("members")]
    largest: People  # members of the largest circle (of one co-op's)
    meetings: int
    exchanges_settled: int


class CoopCircles(msgspec.Struct, frozen=True):
    coop_id: str
    months: list[CircleMonth]  # the last CIRCLE_MONTHS summarised, oldest first


class CirclesReport(msgspec.Struct, frozen=True):
    coops: list[CoopCircles]
    # The network's, month by month: every co-op's summed.
    months: list[CircleMonth]


def circles_report(cursor: Cursor, coops: Sequence[str] | None = None) -> CirclesReport:
    """The circles of the co-ops of ``coops`` (every co-op for None), and the
    network's months summed by the database over every co-op."""
    where, ids = only(coops)
    months = group_rows(
        cursor.execute(
            "SELECT coop_id, month, circles, members, largest, meetings, "
            f"exchanges_settled FROM circle_months WHERE {where} "
            "ORDER BY coop_id, month",
            ids,
        ).fetchall()
    )
    network = cursor.execute(
        "SELECT month, SUM(circles) AS circles, SUM(members) AS members, "
        "MAX(largest) AS largest, SUM(meetings) AS meetings, "
        "SUM(exchanges_settled) AS exchanges_settled FROM circle_months "
        "GROUP BY month"
    ).fetchall()
    return CirclesReport(
        coops=[
            CoopCircles(coop_id, _months(rows[-CIRCLE_MONTHS:]))
            for coop_id, rows in sorted(months.items())
        ],
        months=_months(sorted(network, key=lambda r: r["month"]))[-CIRCLE_MONTHS:],
    )


def _months(rows: list[Any]) -> list[CircleMonth]:
    return [
        CircleMonth(
            month=r["month"],
            circles=int(r["circles"]),
            members=int(r["members"]),
            mean_members=_mean(int(r["members"]), int(r["circles"])),
            largest=int(r["largest"]),
            meetings=int(r["meetings"]),
            exchanges_settled=int(r["exchanges_settled"]),
        )
        for r in rows
    ]


def _mean(total: int, count: int) -> float | None:
    return round(total / count, 1) if count else None
