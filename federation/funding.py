"""Who pays for the care the co-ops give: for each co-op, the people whose care
each kind of funder commissions (a council, a direct payment, an Independent
Service Fund, the person themselves) and the hours a week commissioned, from
the arrangements in force on the report's day (``funding.arranged``).

An arrangement is known only by a pseudonym: a later arrangement under the same
pseudonym replaces the earlier one from its first day.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from federation.coop_page import only
from federation.projection import Projection
from federation.suppression import People
from schemas import Envelope, Payload
from schemas import funding as f
from toolkit.storage import Cursor, group_rows


class FundingProjection(Projection):
    TABLES = (
        "CREATE TABLE IF NOT EXISTS care_funding ("
        "coop_id TEXT NOT NULL, arrangement TEXT NOT NULL, starts_on TEXT NOT NULL, "
        "funder TEXT NOT NULL, weekly_minutes BIGINT NOT NULL, "
        "PRIMARY KEY (coop_id, arrangement, starts_on))",
    )

    def apply(self, cursor: Cursor, envelope: Envelope, payload: Payload) -> None:
        handler = self._handlers.get(type(payload))
        if handler is not None:
            handler(self, cursor, envelope.coop_id, payload)

    def _arranged(self, cur: Cursor, coop_id: str, p: f.FundingArranged) -> None:
        cur.execute(
            "INSERT INTO care_funding (coop_id, arrangement, starts_on, funder, "
            "weekly_minutes) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (coop_id, arrangement, starts_on) DO NOTHING",
            (
                coop_id,
                p.arrangement,
                p.starts_on.isoformat(),
                p.funder,
                p.weekly_minutes,
            ),
        )

    _handlers: dict[type[Payload], Callable[..., None]] = {
        f.FundingArranged: _arranged,
    }


class Funder(msgspec.Struct, frozen=True):
    funder: str
    people: People
    weekly_minutes: int


class CoopFunding(msgspec.Struct, frozen=True):
    coop_id: str
    people: People
    weekly_minutes: int
    funders: list[Funder]


class FundingReport(msgspec.Struct, frozen=True):
    as_of: dt.date
    coops: list[CoopFunding]
    people: People
    weekly_minutes: int
    funders: list[Funder]


# The arrangements in force on a day: each arrangement's latest start by then.
IN_FORCE = (
    "FROM care_funding f "
    "JOIN (SELECT coop_id, arrangement, MAX(starts_on) AS starts_on "
    "FROM care_funding WHERE starts_on <= ? AND {where} "
    "GROUP BY coop_id, arrangement) "
    "latest ON latest.coop_id = f.coop_id "
    "AND latest.arrangement = f.arrangement "
    "AND latest.starts_on = f.starts_on "
)


def funding_report(
    cursor: Cursor, as_of: dt.date, coops: Sequence[str] | None = None
) -> FundingReport:
    """The arrangements in force on ``as_of`` of the co-ops of ``coops`` (every
    co-op for None), and the network's by funder, summed by the database."""
    where, ids = only(coops)
    rows = cursor.execute(
        "SELECT f.coop_id, f.funder, COUNT(*) AS people, "
        "SUM(f.weekly_minutes) AS minutes "
        + IN_FORCE.format(where=where)
        + "GROUP BY f.coop_id, f.funder ORDER BY f.coop_id, f.funder",
        (as_of.isoformat(), *ids),
    ).fetchall()
    funders = [
        _funder(r)
        for r in cursor.execute(
            "SELECT f.funder, COUNT(*) AS people, SUM(f.weekly_minutes) AS minutes "
            + IN_FORCE.format(where="1 = 1")
            + "GROUP BY f.funder",
            (as_of.isoformat(),),
        ).fetchall()
    ]
    return FundingReport(
        as_of=as_of,
        coops=[
            _coop(coop_id, [_funder(r) for r in coop_rows])
            for coop_id, coop_rows in group_rows(rows).items()
        ],
        people=sum(f.people for f in funders),
        weekly_minutes=sum(f.weekly_minutes for f in funders),
        funders=sorted(funders, key=lambda f: f.funder),
    )


def _funder(row: Any) -> Funder:
    return Funder(row["funder"], int(row["people"]), int(row["minutes"]))


def _coop(coop_id: str, funders: list[Funder]) -> CoopFunding:
    return CoopFunding(
        coop_id=coop_id,
        people=sum(x.people for x in funders),
        weekly_minutes=sum(x.weekly_minutes for x in funders),
        funders=funders,
    )
