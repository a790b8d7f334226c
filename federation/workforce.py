"""Workforce projection and report: headcount, annualised turnover, and the share
of workers from disadvantaged groups (Italian type B co-ops: at least 30%).

The stream carries no worker ids, only daily joins and leaves, so this is all the
consortium can know. Turnover is over the twelve months to ``as_of`` (or since the
co-op's first worker joined, if later): leavers / mean daily headcount, scaled to a
year.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Annotated

import msgspec

from federation.coop_page import only
from federation.projection import Projection, Sums
from federation.suppression import People, Withheld
from schemas import Envelope, Payload
from schemas import care as c
from toolkit.storage import Cursor

TYPE_B_TARGET = 0.30
YEAR = 365


class WorkforceProjection(Projection):
    TABLES = (
        "CREATE TABLE IF NOT EXISTS workforce_days ("
        "coop_id TEXT NOT NULL, day TEXT NOT NULL, "
        "joined INTEGER NOT NULL DEFAULT 0, joined_disadvantaged INTEGER NOT NULL "
        "DEFAULT 0, left_ INTEGER NOT NULL DEFAULT 0, left_disadvantaged INTEGER "
        "NOT NULL DEFAULT 0, PRIMARY KEY (coop_id, day))",
        "CREATE TABLE IF NOT EXISTS workforce_coops ("
        "coop_id TEXT PRIMARY KEY, type_b INTEGER NOT NULL)",
        # The network's joins and leaves by day, so that a report by page of
        # co-ops reads a row a day, not a row per co-op and day (FILLS fills it
        # when new beside an older store).
        "CREATE TABLE IF NOT EXISTS workforce_network_days ("
        "day TEXT PRIMARY KEY, joined INTEGER NOT NULL, left_ INTEGER NOT NULL)",
    )
    FILLS = (
        (
            "workforce_network_days",
            "INSERT INTO workforce_network_days (day, joined, left_) "
            "SELECT day, SUM(joined), SUM(left_) FROM workforce_days GROUP BY day",
        ),
    )

    def __init__(self) -> None:
        super().__init__()
        self.network_days = Sums(
            "workforce_network_days", ("day",), ("joined", "left_")
        )
        self.sums = (self.network_days,)

    def apply(self, cursor: Cursor, envelope: Envelope, payload: Payload) -> None:
        handler = self._handlers.get(type(payload))
        if handler is not None:
            handler(self, cursor, envelope.coop_id, payload)

    def _joined(self, cur: Cursor, coop_id: str, p: c.WorkerJoined) -> None:
        self._count(cur, coop_id, p.joined_on, "joined", p.disadvantaged, p.type_b)

    def _left(self, cur: Cursor, coop_id: str, p: c.WorkerLeft) -> None:
        self._count(cur, coop_id, p.left_on, "left_", p.disadvantaged, p.type_b)

    def _count(
        self,
        cur: Cursor,
        coop_id: str,
        day: dt.date,
        column: str,
        disadvantaged: bool,
        type_b: bool,
    ) -> None:
        extra = column.rstrip("_") + "_disadvantaged"
        joined = column == "joined"
        self.network_days.add((day.isoformat(),), int(joined), int(not joined))
        cur.execute(
            f"INSERT INTO workforce_days (coop_id, day, {column}, {extra}) "
            f"VALUES (?, ?, 1, ?) ON CONFLICT (coop_id, day) DO UPDATE SET "
            f"{column} = workforce_days.{column} + 1, "
            f"{extra} = workforce_days.{extra} + excluded.{extra}",
            (coop_id, day.isoformat(), int(disadvantaged)),
        )
        cur.execute(
            "INSERT INTO workforce_coops (coop_id, type_b) VALUES (?, ?) "
            "ON CONFLICT (coop_id) DO UPDATE SET type_b = excluded.type_b",
            (coop_id, int(type_b)),
        )

    _handlers: dict[type[Payload], Callable[..., None]] = {
        c.WorkerJoined: _joined,
        c.WorkerLeft: _left,
    }


class CoopWorkforce(msgspec.Struct, frozen=True):
    coop_id: str
    type_b: bool
    headcount: People
    disadvantaged: People
    # Withheld when few: with the headcount it would tell how many.
    disadvantaged_share: Annotated[float | None, Withheld("disadvantaged")]
    meets_type_b_target: bool | None  # None unless a type B co-op
    joiners_12m: People
    leavers_12m: People
    # Leavers over headcount: with either count it would tell the other.
    turnover_annualised: Annotated[float | None, Withheld("leavers_12m", "headcount")]


class WorkforceReport(msgspec.Struct, frozen=True):
    as_of: dt.date
    coops: list[CoopWorkforce]
    headcount: People
    turnover_annualised: Annotated[float | None, Withheld("leavers_12m", "headcount")]
    # All co-ops' leavers over the year to as_of (the turnover's numerator).
    leavers_12m: People = 0


def workforce_report(
    cursor: Cursor, as_of: dt.date, coops: Sequence[str] | None = None
) -> WorkforceReport:
    """The workforce of the co-ops of ``coops`` (every co-op for None), and the
    network's, summed by the database over every co-op's days."""
    where, ids = only(coops)
    types = {
        r["coop_id"]: bool(r["type_b"])
        for r in cursor.execute(
            f"SELECT coop_id, type_b FROM workforce_coops WHERE {where}", ids
        ).fetchall()
    }
    rows = cursor.execute(
        "SELECT coop_id, day, joined, joined_disadvantaged, left_, "
        f"left_disadvantaged FROM workforce_days WHERE {where} ORDER BY coop_id, day",
        ids,
    ).fetchall()
    days: dict[str, list[WorkforceDay]] = {}
    for r in rows:
        days.setdefault(r["coop_id"], []).append(
            WorkforceDay(
                dt.date.fromisoformat(r["day"]),
                int(r["joined"]),
                int(r["joined_disadvantaged"]),
                int(r["left_"]),
                int(r["left_disadvantaged"]),
            )
        )
    # Days are ISO dates: compared as text, they compare as dates.
    start = as_of - dt.timedelta(days=YEAR - 1)
    totals = cursor.execute(
        "SELECT SUM(joined - left_) AS headcount, "
        "SUM(CASE WHEN day < ? THEN joined - left_ ELSE 0 END) AS earlier, "
        "SUM(CASE WHEN day >= ? THEN left_ ELSE 0 END) AS leavers "
        "FROM workforce_network_days WHERE day <= ?",
        (start.isoformat(), start.isoformat(), as_of.isoformat()),
    ).fetchone()
    changes = cursor.execute(
        "SELECT day, joined - left_ AS delta FROM workforce_network_days "
        "WHERE day >= ? AND day <= ?",
        (start.isoformat(), as_of.isoformat()),
    ).fetchall()
    # The headcount at the end of each day of the year, summed (_headcount_days
    # over every co-op at once: it is linear in the days).
    headcount_days = int(totals["earlier"] or 0) * YEAR + sum(
        int(r["delta"]) * ((as_of - dt.date.fromisoformat(r["day"])).days + 1)
        for r in changes
    )
    leavers = int(totals["leavers"] or 0)
    return WorkforceReport(
        as_of=as_of,
        coops=[
            coop_workforce(coop_id, types.get(coop_id, False), days[coop_id], as_of)
            for coop_id in sorted(days)
        ],
        headcount=int(totals["headcount"] or 0),
        turnover_annualised=_turnover(leavers, headcount_days),
        leavers_12m=leavers,
    )


class WorkforceDay(msgspec.Struct, frozen=True):
    day: dt.date
    joined: int
    joined_disadvantaged: int
    left: int
    left_disadvantaged: int


def coop_workforce(
    coop_id: str, type_b: bool, days: list[WorkforceDay], as_of: dt.date
) -> CoopWorkforce:
    known = [d for d in days if d.day <= as_of]
    headcount = sum(d.joined - d.left for d in known)
    disadvantaged = sum(d.joined_disadvantaged - d.left_disadvantaged for d in known)
    start = _window_start(known, as_of)
    in_window = [d for d in known if d.day >= start]
    leavers = sum(d.left for d in in_window)
    share = round(disadvantaged / headcount, 4) if headcount else None
    return CoopWorkforce(
        coop_id=coop_id,
        type_b=type_b,
        headcount=headcount,
        disadvantaged=disadvantaged,
        disadvantaged_share=share,
        meets_type_b_target=(
            (share is not None and share >= TYPE_B_TARGET) if type_b else None
        ),
        joiners_12m=sum(d.joined for d in in_window),
        leavers_12m=leavers,
        turnover_annualised=_turnover(leavers, _headcount_days(known, start, as_of)),
    )


def _window_start(known: list[WorkforceDay], as_of: dt.date) -> dt.date:
    """The turnover window: a year to ``as_of``, or from the first join if later."""
    start = as_of - dt.timedelta(days=YEAR - 1)
    return max(start, known[0].day) if known else start


def _headcount_days(known: list[WorkforceDay], start: dt.date, end: dt.date) -> int:
    """The sum over each day of the window of the headcount at the end of that day:
    the headcount before the window for every day of it, and each change for the
    days from its own to the end."""
    before = sum(d.joined - d.left for d in known if d.day < start)
    total = before * ((end - start).days + 1)
    for d in known:
        if start <= d.day <= end:
            total += (d.joined - d.left) * ((end - d.day).days + 1)
    return total


def _turnover(leavers: int, headcount_days: int) -> float | None:
    """Leavers over mean headcount, scaled to a year. With a window of n days that
    is leavers / (headcount_days / n) * (YEAR / n): the n cancels."""
    if headcount_days <= 0:
        return None
    return round(leavers * YEAR / headcount_days, 4)
