"""What the care the co-ops give amounts to, beyond hours: why care plans ended
(and so how many people were helped to stay at home), continuity (how many
different carers each person saw in a month), compliance (the share of carers
holding every check and training their co-op's services require) and how soon
safeguarding concerns are acknowledged.

Closures come from ``care_plan.closed``; continuity and compliance from the
counts each node computes once a month is over (``care.month_summarised``, see
node.care_months), kept per co-op and month, the latest summary of a month
replacing any earlier one. Everything counted here is people: the report
suppresses small counts and withholds what is derived from them.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import msgspec

from federation.coop_page import only
from federation.projection import Projection, Sums, month_of
from federation.suppression import People, Withheld
from schemas import Envelope, Payload
from schemas import care as c
from toolkit.storage import Cursor, group_rows

# Months of continuity a report shows, ending with the last summarised one.
CONTINUITY_MONTHS = 12
# A plan ending in residential care is a person who could not stay at home; any
# other ending (goals met, moved away, declined, died) is not counted against it.
LEFT_HOME = "residential_care"
NOT_RECORDED = "not_recorded"


class CareQualityProjection(Projection):
    TABLES = (
        "CREATE TABLE IF NOT EXISTS care_closures ("
        "coop_id TEXT NOT NULL, reason TEXT NOT NULL, plans BIGINT NOT NULL, "
        "PRIMARY KEY (coop_id, reason))",
        "CREATE TABLE IF NOT EXISTS care_months ("
        "coop_id TEXT NOT NULL, month TEXT NOT NULL, "
        "service_users BIGINT NOT NULL, carer_links BIGINT NOT NULL, "
        "seen_by_few BIGINT NOT NULL, carers BIGINT NOT NULL, "
        "compliant_carers BIGINT NOT NULL, PRIMARY KEY (coop_id, month))",
        "CREATE TABLE IF NOT EXISTS care_acknowledged ("
        "coop_id TEXT NOT NULL, incident TEXT NOT NULL, kind TEXT NOT NULL, "
        "acknowledged_on TEXT NOT NULL, PRIMARY KEY (coop_id, incident))",
        # The network's running totals, so that a report by page of co-ops reads
        # a few rows for them, not every co-op's months (FILLS fills them when new
        # beside an older store): closures by reason, each month's continuity
        # figures summed, and each co-op's latest month's compliance.
        "CREATE TABLE IF NOT EXISTS care_network_closures ("
        "reason TEXT PRIMARY KEY, plans INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS care_network_months ("
        "month TEXT PRIMARY KEY, service_users BIGINT NOT NULL, "
        "carer_links BIGINT NOT NULL, seen_by_few BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS care_latest_months ("
        "coop_id TEXT PRIMARY KEY, month TEXT NOT NULL, carers BIGINT NOT NULL, "
        "compliant_carers BIGINT NOT NULL)",
    )
    # Plans closed before this projection existed were counted without their
    # reason: they count as closed for a reason not recorded (a rebuild from the
    # stream gives each its reason).
    FILLS = (
        (
            "care_closures",
            f"INSERT INTO care_closures (coop_id, reason, plans) "
            f"SELECT coop_id, '{NOT_RECORDED}', COUNT(*) FROM care_plans "
            "WHERE closed_on IS NOT NULL GROUP BY coop_id",
        ),
        (
            "care_network_closures",
            "INSERT INTO care_network_closures (reason, plans) "
            "SELECT reason, SUM(plans) FROM care_closures GROUP BY reason",
        ),
        (
            "care_network_months",
            "INSERT INTO care_network_months "
            "(month, service_users, carer_links, seen_by_few) "
            "SELECT month, SUM(service_users), SUM(carer_links), SUM(seen_by_few) "
            "FROM care_months GROUP BY month",
        ),
        (
            "care_latest_months",
            "INSERT INTO care_latest_months "
            "(coop_id, month, carers, compliant_carers) "
            "SELECT m.coop_id, m.month, m.carers, m.compliant_carers "
            "FROM care_months m JOIN (SELECT coop_id, MAX(month) AS month "
            "FROM care_months GROUP BY coop_id) l "
            "ON l.coop_id = m.coop_id AND l.month = m.month",
        ),
    )

    def __init__(self) -> None:
        self.closures = Sums("care_closures", ("coop_id", "reason"), ("plans",))
        self.network_closures = Sums("care_network_closures", ("reason",), ("plans",))
        self.network_months = Sums(
            "care_network_months",
            ("month",),
            ("service_users", "carer_links", "seen_by_few"),
        )
        self.sums = (self.closures, self.network_closures, self.network_months)

    def apply(self, cursor: Cursor, envelope: Envelope, payload: Payload) -> None:
        handler = self._handlers.get(type(payload))
        if handler is not None:
            handler(self, cursor, envelope.coop_id, payload)

    def _closed(self, cur: Cursor, coop_id: str, p: c.CarePlanClosed) -> None:
        self.closures.add((coop_id, p.reason), 1)
        self.network_closures.add((p.reason,), 1)

    def _month(self, cur: Cursor, coop_id: str, p: c.CareMonthSummarised) -> None:
        figures = (
            p.service_users,
            p.carer_links,
            p.seen_by_few,
            p.carers,
            p.compliant_carers,
        )
        month = month_of(p.month)
        # A month summarised again replaces its figures: the network's sums move
        # by the difference.
        before = cur.execute(
            "SELECT service_users, carer_links, seen_by_few FROM care_months "
            "WHERE coop_id = ? AND month = ?",
            (coop_id, month),
        ).fetchone()
        columns = ("service_users", "carer_links", "seen_by_few")
        old = [0, 0, 0] if before is None else [int(before[c]) for c in columns]
        self.network_months.add(
            (month,), *(new - was for new, was in zip(figures[:3], old, strict=True))
        )
        cur.execute(
            "INSERT INTO care_latest_months (coop_id, month, carers, "
            "compliant_carers) VALUES (?, ?, ?, ?) ON CONFLICT (coop_id) DO UPDATE "
            "SET month = excluded.month, carers = excluded.carers, "
            "compliant_carers = excluded.compliant_carers "
            "WHERE excluded.month >= care_latest_months.month",
            (coop_id, month, p.carers, p.compliant_carers),
        )
        cur.execute(
            "INSERT INTO care_months (coop_id, month, service_users, carer_links, "
            "seen_by_few, carers, compliant_carers) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (coop_id, month) DO UPDATE SET "
            "service_users = excluded.service_users, "
            "carer_links = excluded.carer_links, seen_by_few = excluded.seen_by_few, "
            "carers = excluded.carers, compliant_carers = excluded.compliant_carers",
            (coop_id, month, *figures),
        )

    def _acknowledged(
        self, cur: Cursor, coop_id: str, p: c.IncidentAcknowledged
    ) -> None:
        cur.execute(
            "INSERT INTO care_acknowledged (coop_id, incident, kind, acknowledged_on) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (coop_id, incident) DO NOTHING",
            (coop_id, p.incident, p.kind, p.acknowledged_on.isoformat()),
        )

    _handlers: dict[type[Payload], Callable[..., None]] = {
        c.CarePlanClosed: _closed,
        c.CareMonthSummarised: _month,
        c.IncidentAcknowledged: _acknowledged,
    }


class ClosureReason(msgspec.Struct, frozen=True):
    reason: str
    plans: People


class Closures(msgspec.Struct, frozen=True):
    closed: People
    residential_care: People
    # Of the plans that ended, the share that did not end in residential care.
    stayed_home_share: Annotated[float | None, Withheld("closed", "residential_care")]
    by_reason: list[ClosureReason]


class ContinuityMonth(msgspec.Struct, frozen=True):
    month: str
    service_users: People
    # Different carers per person seen that month, on average.
    mean_carers: Annotated[float | None, Withheld("service_users")]
    seen_by_few: People  # by at most two different carers
    seen_by_few_share: Annotated[float | None, Withheld("service_users", "seen_by_few")]


class Compliance(msgspec.Struct, frozen=True):
    month: str | None  # the latest month summarised
    carers: People
    compliant_carers: People
    compliance_rate: Annotated[float | None, Withheld("carers", "compliant_carers")]


class Acknowledgement(msgspec.Struct, frozen=True):
    """Safeguarding concerns acknowledged, and the mean days they waited."""

    acknowledged: int  # concerns, not people
    mean_days: float | None


class CoopQuality(msgspec.Struct, frozen=True):
    coop_id: str
    closures: Closures
    continuity: list[ContinuityMonth]
    compliance: Compliance
    safeguarding: Acknowledgement


class CareQualityReport(msgspec.Struct, frozen=True):
    coops: list[CoopQuality]
    closures: Closures
    continuity: list[ContinuityMonth]  # the network's, month by month
    compliance: Compliance  # each co-op's latest month, summed
    safeguarding: Acknowledgement


def care_quality_report(
    cursor: Cursor, coops: Sequence[str] | None = None
) -> CareQualityReport:
    """The closures, continuity and compliance of the co-ops of ``coops`` (every
    co-op for None), and the network's summed by the database over every co-op."""
    where, ids = only(coops)
    closures = group_rows(
        cursor.execute(
            f"SELECT coop_id, reason, plans FROM care_closures WHERE {where} "
            "ORDER BY coop_id, reason",
            ids,
        ).fetchall()
    )
    months = group_rows(
        cursor.execute(
            "SELECT coop_id, month, service_users, carer_links, seen_by_few, carers, "
            f"compliant_carers FROM care_months WHERE {where} ORDER BY coop_id, month",
            ids,
        ).fetchall()
    )
    # Days waited by each acknowledged safeguarding concern, summed per co-op
    # (in Python: the two backends count days between dates differently). Few
    # rows: concerns acknowledged, of every co-op for the network's mean.
    waits: dict[str, tuple[int, int]] = {}
    for r in cursor.execute(
        "SELECT a.coop_id, a.acknowledged_on, i.raised_on FROM care_acknowledged a "
        "JOIN care_incidents i ON i.coop_id = a.coop_id "
        "AND i.incident = a.incident WHERE a.kind = 'safeguarding'"
    ).fetchall():
        waited = dt.date.fromisoformat(r["acknowledged_on"]) - dt.date.fromisoformat(
            r["raised_on"]
        )
        n, days = waits.get(r["coop_id"], (0, 0))
        waits[r["coop_id"]] = (n + 1, days + waited.days)
    page_waits = {c: w for c, w in waits.items() if coops is None or c in coops}
    rows = [
        CoopQuality(
            coop_id=coop_id,
            closures=_closures(closures.get(coop_id, [])),
            continuity=_continuity(months.get(coop_id, [])[-CONTINUITY_MONTHS:]),
            compliance=_compliance(months.get(coop_id, [])[-1:]),
            safeguarding=_acknowledgement(*page_waits.get(coop_id, (0, 0))),
        )
        for coop_id in sorted(set(closures) | set(months) | set(page_waits))
    ]
    network_months = cursor.execute(
        "SELECT month, service_users, carer_links, seen_by_few FROM care_network_months"
    ).fetchall()
    # Each co-op's latest month, summed; months are "YYYY-MM", which every
    # collation orders alike.
    latest = cursor.execute(
        "SELECT MAX(month) AS month, SUM(carers) AS carers, "
        "SUM(compliant_carers) AS compliant_carers FROM care_latest_months"
    ).fetchone()
    return CareQualityReport(
        coops=rows,
        closures=_closures(
            cursor.execute("SELECT reason, plans FROM care_network_closures").fetchall()
        ),
        continuity=_continuity(sorted(network_months, key=lambda r: r["month"]))[
            -CONTINUITY_MONTHS:
        ],
        compliance=_compliance([latest] if latest["month"] is not None else []),
        safeguarding=_acknowledgement(
            sum(n for n, _ in waits.values()), sum(d for _, d in waits.values())
        ),
    )


def _acknowledgement(concerns: int, days: int) -> Acknowledgement:
    return Acknowledgement(concerns, _mean(days, concerns))


def _closures(rows: list[Any]) -> Closures:
    by_reason: dict[str, int] = {}
    for r in rows:
        by_reason[r["reason"]] = by_reason.get(r["reason"], 0) + int(r["plans"])
    closed = sum(by_reason.values())
    left_home = by_reason.get(LEFT_HOME, 0)
    return Closures(
        closed=closed,
        residential_care=left_home,
        stayed_home_share=_share(closed - left_home, closed),
        by_reason=[ClosureReason(k, v) for k, v in sorted(by_reason.items())],
    )


def _continuity(rows: list[Any]) -> list[ContinuityMonth]:
    return [
        ContinuityMonth(
            month=r["month"],
            service_users=int(r["service_users"]),
            mean_carers=_mean(int(r["carer_links"]), int(r["service_users"])),
            seen_by_few=int(r["seen_by_few"]),
            seen_by_few_share=_share(int(r["seen_by_few"]), int(r["service_users"])),
        )
        for r in rows
    ]


def _compliance(latest: list[Any]) -> Compliance:
    """From each co-op's latest month (one row for a co-op's own figure)."""
    carers = sum(int(r["carers"]) for r in latest)
    compliant = sum(int(r["compliant_carers"]) for r in latest)
    return Compliance(
        month=max((r["month"] for r in latest), default=None),
        carers=carers,
        compliant_carers=compliant,
        compliance_rate=_share(compliant, carers),
    )


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(total: int, count: int) -> float | None:
    return round(total / count, 2) if count else None
