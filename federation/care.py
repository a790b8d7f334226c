"""Care projection and report: hours by co-op, month and service type, missed
visits, volunteer engagement, incidents, and the change in outcome scores.

Outcome change follows COPM practice: for each plan reviewed at least once, the mean
over its goals of (latest review score - score at the start), for performance and
satisfaction; the report averages that over plans. Averages are exact fractions
until the final rounding, so they do not depend on the order rows are read.
"""

import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Annotated, Any

import msgspec

from federation.coop_page import only
from federation.projection import Projection, Sums, month_of
from federation.suppression import People, Withheld
from schemas import Envelope, Payload
from schemas import care as c
from toolkit.storage import Cursor, group_rows


class CareProjection(Projection):
    TABLES = (
        "CREATE TABLE IF NOT EXISTS care_service_minutes ("
        "coop_id TEXT NOT NULL, month TEXT NOT NULL, service_type TEXT NOT NULL, "
        "minutes BIGINT NOT NULL, PRIMARY KEY (coop_id, month, service_type))",
        "CREATE TABLE IF NOT EXISTS care_visit_months ("
        "coop_id TEXT NOT NULL, month TEXT NOT NULL, "
        "delivered INTEGER NOT NULL DEFAULT 0, missed INTEGER NOT NULL DEFAULT 0, "
        "cancelled INTEGER NOT NULL DEFAULT 0, minutes BIGINT NOT NULL DEFAULT 0, "
        "PRIMARY KEY (coop_id, month))",
        "CREATE TABLE IF NOT EXISTS care_volunteer_months ("
        "coop_id TEXT NOT NULL, month TEXT NOT NULL, volunteer TEXT NOT NULL, "
        "minutes BIGINT NOT NULL, PRIMARY KEY (coop_id, month, volunteer))",
        "CREATE TABLE IF NOT EXISTS care_plans ("
        "coop_id TEXT NOT NULL, plan TEXT NOT NULL, goals INTEGER NOT NULL, "
        "first_performance INTEGER NOT NULL, first_satisfaction INTEGER NOT NULL, "
        "latest_performance INTEGER NOT NULL, latest_satisfaction INTEGER NOT NULL, "
        "reviews INTEGER NOT NULL DEFAULT 0, closed_on TEXT, "
        "PRIMARY KEY (coop_id, plan))",
        "CREATE TABLE IF NOT EXISTS care_incidents ("
        "coop_id TEXT NOT NULL, incident TEXT NOT NULL, kind TEXT NOT NULL, "
        "raised_on TEXT NOT NULL, closed_on TEXT, PRIMARY KEY (coop_id, incident))",
        # Plans summed by co-op and number of goals, kept as plans change, so a
        # report reads a few rows per co-op. ``performance`` and ``satisfaction``
        # sum (latest - first) over the plans, which is 0 for a plan not yet
        # reviewed. FILLS fills it from care_plans when new beside an older store.
        "CREATE TABLE IF NOT EXISTS care_outcomes ("
        "coop_id TEXT NOT NULL, goals INTEGER NOT NULL, plans INTEGER NOT NULL, "
        "open INTEGER NOT NULL, reviewed INTEGER NOT NULL, "
        "performance BIGINT NOT NULL, satisfaction BIGINT NOT NULL, "
        "PRIMARY KEY (coop_id, goals))",
        # The network's running totals, so that a report by page of co-ops reads
        # a few rows for them, not every co-op's months (FILLS fills them when new
        # beside an older store).
        "CREATE TABLE IF NOT EXISTS care_network_services ("
        "month TEXT NOT NULL, service_type TEXT NOT NULL, "
        "minutes BIGINT NOT NULL, PRIMARY KEY (month, service_type))",
        "CREATE TABLE IF NOT EXISTS care_network_visits ("
        "month TEXT PRIMARY KEY, delivered INTEGER NOT NULL, "
        "missed INTEGER NOT NULL, minutes BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS care_network_volunteering ("
        "month TEXT PRIMARY KEY, minutes BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS care_network_outcomes ("
        "goals INTEGER PRIMARY KEY, plans INTEGER NOT NULL, "
        "open INTEGER NOT NULL, reviewed INTEGER NOT NULL, "
        "performance BIGINT NOT NULL, satisfaction BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS care_volunteers ("
        "coop_id TEXT NOT NULL, volunteer TEXT NOT NULL, "
        "PRIMARY KEY (coop_id, volunteer))",
    )
    FILLS = (
        (
            "care_network_services",
            "INSERT INTO care_network_services (month, service_type, minutes) "
            "SELECT month, service_type, SUM(minutes) FROM care_service_minutes "
            "GROUP BY month, service_type",
        ),
        (
            "care_volunteers",
            "INSERT INTO care_volunteers (coop_id, volunteer) "
            "SELECT DISTINCT coop_id, volunteer FROM care_volunteer_months",
        ),
        (
            "care_outcomes",
            "INSERT INTO care_outcomes "
            "(coop_id, goals, plans, open, reviewed, performance, satisfaction) "
            "SELECT coop_id, goals, COUNT(*), "
            "SUM(CASE WHEN closed_on IS NULL THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN reviews > 0 THEN 1 ELSE 0 END), "
            "SUM(latest_performance - first_performance), "
            "SUM(latest_satisfaction - first_satisfaction) FROM care_plans "
            "GROUP BY coop_id, goals",
        ),
        (
            "care_network_visits",
            "INSERT INTO care_network_visits (month, delivered, missed, minutes) "
            "SELECT month, SUM(delivered), SUM(missed), SUM(minutes) "
            "FROM care_visit_months GROUP BY month",
        ),
        (
            "care_network_volunteering",
            "INSERT INTO care_network_volunteering (month, minutes) "
            "SELECT month, SUM(minutes) FROM care_volunteer_months GROUP BY month",
        ),
        (
            "care_network_outcomes",
            "INSERT INTO care_network_outcomes "
            "(goals, plans, open, reviewed, performance, satisfaction) "
            "SELECT goals, SUM(plans), SUM(open), SUM(reviewed), SUM(performance), "
            "SUM(satisfaction) FROM care_outcomes GROUP BY goals",
        ),
    )

    def __init__(self) -> None:
        self.visits = Sums(
            "care_visit_months",
            ("coop_id", "month"),
            ("delivered", "missed", "cancelled", "minutes"),
        )
        self.services = Sums(
            "care_service_minutes", ("coop_id", "month", "service_type"), ("minutes",)
        )
        self.volunteers = Sums(
            "care_volunteer_months", ("coop_id", "month", "volunteer"), ("minutes",)
        )
        self.outcomes = Sums(
            "care_outcomes",
            ("coop_id", "goals"),
            ("plans", "open", "reviewed", "performance", "satisfaction"),
        )
        self.network_services = Sums(
            "care_network_services", ("month", "service_type"), ("minutes",)
        )
        self.network_visits = Sums(
            "care_network_visits", ("month",), ("delivered", "missed", "minutes")
        )
        self.network_volunteering = Sums(
            "care_network_volunteering", ("month",), ("minutes",)
        )
        self.network_outcomes = Sums(
            "care_network_outcomes",
            ("goals",),
            ("plans", "open", "reviewed", "performance", "satisfaction"),
        )
        self.sums = (
            self.visits,
            self.services,
            self.volunteers,
            self.outcomes,
            self.network_services,
            self.network_visits,
            self.network_volunteering,
            self.network_outcomes,
        )
        self._volunteers: set[tuple[str, str]] = set()  # (coop_id, volunteer)

    def apply(self, cursor: Cursor, envelope: Envelope, payload: Payload) -> None:
        handler = self._handlers.get(type(payload))
        if handler is not None:
            handler(self, cursor, envelope.coop_id, payload)

    def flush(self, cursor: Cursor) -> None:
        super().flush(cursor)
        cursor.executemany(
            "INSERT INTO care_volunteers (coop_id, volunteer) VALUES (?, ?) "
            "ON CONFLICT (coop_id, volunteer) DO NOTHING",
            sorted(self._volunteers),
        )
        self._volunteers = set()

    def discard(self) -> None:
        super().discard()
        self._volunteers = set()

    def _outcome(self, key: tuple[str, int], *deltas: int) -> None:
        """Plans summed by co-op and number of goals, and by goals over the network."""
        self.outcomes.add(key, *deltas)
        self.network_outcomes.add(key[1:], *deltas)

    def _delivered(self, cur: Cursor, coop_id: str, p: c.VisitDelivered) -> None:
        month = month_of(p.delivered_on)
        minutes = sum(p.minutes_by_service.values())
        self.visits.add((coop_id, month), 1, 0, 0, minutes)
        self.network_visits.add((month,), 1, 0, minutes)
        for service_type, part in p.minutes_by_service.items():
            self.services.add((coop_id, month, service_type), part)
            self.network_services.add((month, service_type), part)
        if p.worker_class == "volunteer":
            self.volunteers.add((coop_id, month, p.worker), minutes)
            self.network_volunteering.add((month,), minutes)
            self._volunteers.add((coop_id, p.worker))

    def _missed(self, cur: Cursor, coop_id: str, p: c.VisitMissed) -> None:
        month = month_of(p.missed_on)
        self.visits.add((coop_id, month), 0, 1, 0, 0)
        self.network_visits.add((month,), 0, 1, 0)

    def _cancelled(self, cur: Cursor, coop_id: str, p: c.VisitCancelled) -> None:
        self.visits.add((coop_id, month_of(p.cancelled_on)), 0, 0, 1, 0)

    def _opened(self, cur: Cursor, coop_id: str, p: c.CarePlanOpened) -> None:
        performance = sum(s.performance for s in p.scores)
        satisfaction = sum(s.satisfaction for s in p.scores)
        cur.execute(
            "INSERT INTO care_plans (coop_id, plan, goals, first_performance, "
            "first_satisfaction, latest_performance, latest_satisfaction) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (coop_id, plan) DO NOTHING",
            (coop_id, p.plan, len(p.scores), *(performance, satisfaction) * 2),
        )
        self._outcome((coop_id, len(p.scores)), 1, 1, 0, 0, 0)

    def _reviewed(self, cur: Cursor, coop_id: str, p: c.CarePlanReviewed) -> None:
        plan = self._plan(cur, coop_id, p.plan)
        if plan is not None:
            self._outcome(
                (coop_id, plan["goals"]),
                0,
                0,
                0 if plan["reviews"] else 1,
                sum(s.performance for s in p.scores) - plan["latest_performance"],
                sum(s.satisfaction for s in p.scores) - plan["latest_satisfaction"],
            )
        cur.execute(
            "UPDATE care_plans SET latest_performance = ?, latest_satisfaction = ?, "
            "reviews = reviews + 1 WHERE coop_id = ? AND plan = ?",
            (
                sum(s.performance for s in p.scores),
                sum(s.satisfaction for s in p.scores),
                coop_id,
                p.plan,
            ),
        )

    def _closed(self, cur: Cursor, coop_id: str, p: c.CarePlanClosed) -> None:
        plan = self._plan(cur, coop_id, p.plan)
        if plan is not None and plan["closed_on"] is None:
            self._outcome((coop_id, plan["goals"]), 0, -1, 0, 0, 0)
        cur.execute(
            "UPDATE care_plans SET closed_on = ? WHERE coop_id = ? AND plan = ?",
            (p.closed_on.isoformat(), coop_id, p.plan),
        )

    def _plan(self, cur: Cursor, coop_id: str, plan: str) -> Any:
        return cur.execute(
            "SELECT goals, reviews, latest_performance, latest_satisfaction, "
            "closed_on FROM care_plans WHERE coop_id = ? AND plan = ?",
            (coop_id, plan),
        ).fetchone()

    def _raised(self, cur: Cursor, coop_id: str, p: c.IncidentRaised) -> None:
        cur.execute(
            "INSERT INTO care_incidents (coop_id, incident, kind, raised_on) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (coop_id, incident) DO NOTHING",
            (coop_id, p.incident, p.kind, p.raised_on.isoformat()),
        )

    def _incident_closed(self, cur: Cursor, coop_id: str, p: c.IncidentClosed) -> None:
        cur.execute(
            "UPDATE care_incidents SET closed_on = ? "
            "WHERE coop_id = ? AND incident = ?",
            (p.closed_on.isoformat(), coop_id, p.incident),
        )

    _handlers: dict[type[Payload], Callable[..., None]] = {
        c.VisitDelivered: _delivered,
        c.VisitMissed: _missed,
        c.VisitCancelled: _cancelled,
        c.CarePlanOpened: _opened,
        c.CarePlanReviewed: _reviewed,
        c.CarePlanClosed: _closed,
        c.IncidentRaised: _raised,
        c.IncidentClosed: _incident_closed,
    }


class ServiceMinutes(msgspec.Struct, frozen=True):
    month: str
    service_type: str
    minutes: int


class CareMonth(msgspec.Struct, frozen=True):
    month: str
    delivered: int
    missed: int
    cancelled: int
    minutes: int
    volunteer_minutes: int
    active_volunteers: People


class Outcomes(msgspec.Struct, frozen=True):
    plans_open: People
    plans_reviewed: People
    # Mean change per plan (latest review minus start), withheld for few plans.
    performance_change: Annotated[float | None, Withheld("plans_reviewed")]
    satisfaction_change: Annotated[float | None, Withheld("plans_reviewed")]


class CoopCare(msgspec.Struct, frozen=True):
    coop_id: str
    delivered: int
    missed: int
    cancelled: int
    missed_rate: float | None  # missed / (delivered + missed)
    minutes: int
    volunteer_minutes: int
    active_volunteers: People
    outcomes: Outcomes
    incidents_raised: int
    incidents_open: int
    safeguarding_raised: int
    safeguarding_open: int
    months: list[CareMonth]
    services: list[ServiceMinutes]


class CareReport(msgspec.Struct, frozen=True):
    coops: list[CoopCare]
    delivered: int
    missed: int
    missed_rate: float | None
    minutes: int
    minutes_by_service: dict[str, int]
    volunteer_minutes: int
    active_volunteers: People
    outcomes: Outcomes
    # The network's minutes by month and service type, oldest first.
    services: list[ServiceMinutes] = msgspec.field(default_factory=list)


def care_report(cursor: Cursor, coops: Sequence[str] | None = None) -> CareReport:
    """The care of the co-ops of ``coops`` (every co-op for None) in a fixed number
    of grouped queries, however many co-ops there are; the network's totals summed
    by the database over every co-op."""
    where, ids = only(coops)
    months = group_rows(
        cursor.execute(
            "SELECT coop_id, month, delivered, missed, cancelled, minutes "
            f"FROM care_visit_months WHERE {where} ORDER BY coop_id, month",
            ids,
        ).fetchall()
    )
    volunteer_months = {
        (r["coop_id"], r["month"]): (int(r["n"]), int(r["minutes"]))
        for r in cursor.execute(
            "SELECT coop_id, month, COUNT(*) AS n, SUM(minutes) AS minutes "
            f"FROM care_volunteer_months WHERE {where} GROUP BY coop_id, month",
            ids,
        ).fetchall()
    }
    active = {
        r["coop_id"]: int(r["n"])
        for r in cursor.execute(
            # care_volunteers holds each co-op's distinct volunteers.
            "SELECT coop_id, COUNT(*) AS n "
            f"FROM care_volunteers WHERE {where} GROUP BY coop_id",
            ids,
        ).fetchall()
    }
    services = group_rows(
        cursor.execute(
            "SELECT coop_id, month, service_type, minutes FROM care_service_minutes "
            f"WHERE {where} ORDER BY coop_id, month, service_type",
            ids,
        ).fetchall()
    )
    incidents = group_rows(
        cursor.execute(
            "SELECT coop_id, kind, CASE WHEN closed_on IS NULL THEN 1 ELSE 0 END "
            f"AS is_open, COUNT(*) AS n FROM care_incidents WHERE {where} "
            "GROUP BY coop_id, kind, CASE WHEN closed_on IS NULL THEN 1 ELSE 0 END",
            ids,
        ).fetchall()
    )
    plans = group_rows(
        cursor.execute(
            "SELECT coop_id, goals, open, reviewed, performance, satisfaction "
            f"FROM care_outcomes WHERE {where}",
            ids,
        ).fetchall()
    )
    rows = [
        _coop_care(
            coop_id,
            [
                CareMonth(
                    month=r["month"],
                    delivered=int(r["delivered"]),
                    missed=int(r["missed"]),
                    cancelled=int(r["cancelled"]),
                    minutes=int(r["minutes"]),
                    volunteer_minutes=volunteer_months.get(
                        (coop_id, r["month"]), (0, 0)
                    )[1],
                    active_volunteers=volunteer_months.get(
                        (coop_id, r["month"]), (0, 0)
                    )[0],
                )
                for r in months.get(coop_id, [])
            ],
            [
                ServiceMinutes(r["month"], r["service_type"], int(r["minutes"]))
                for r in services.get(coop_id, [])
            ],
            active.get(coop_id, 0),
            {
                (r["kind"], bool(r["is_open"])): int(r["n"])
                for r in incidents.get(coop_id, [])
            },
            _outcomes(plans.get(coop_id, [])),
        )
        for coop_id in sorted(set(months) | set(plans) | set(incidents))
    ]
    return _network(cursor, rows)


def _network(cursor: Cursor, coops: list[CoopCare]) -> CareReport:
    """The network's care, summed by the database over every co-op: a visit's
    service minutes and a volunteer's minutes are counted in the month its visit
    is, so every co-op with any has a month of visits."""
    visits = cursor.execute(
        "SELECT SUM(delivered) AS delivered, SUM(missed) AS missed, "
        "SUM(minutes) AS minutes FROM care_network_visits"
    ).fetchone()
    minutes = cursor.execute(
        "SELECT SUM(minutes) AS minutes FROM care_network_volunteering"
    ).fetchone()
    active = cursor.execute("SELECT COUNT(*) AS n FROM care_volunteers").fetchone()
    services = [
        ServiceMinutes(r["month"], r["service_type"], int(r["minutes"]))
        for r in cursor.execute(
            "SELECT month, service_type, minutes FROM care_network_services"
        ).fetchall()
    ]
    by_service: dict[str, int] = {}
    for row in services:
        by_service[row.service_type] = by_service.get(row.service_type, 0) + row.minutes
    # Plans summed by number of goals: the mean change is linear in the rows.
    plans = cursor.execute(
        "SELECT goals, open, reviewed, performance, satisfaction "
        "FROM care_network_outcomes"
    ).fetchall()
    delivered, missed = int(visits["delivered"] or 0), int(visits["missed"] or 0)
    return CareReport(
        coops=coops,
        delivered=delivered,
        missed=missed,
        missed_rate=_rate(missed, delivered + missed),
        minutes=int(visits["minutes"] or 0),
        minutes_by_service=dict(sorted(by_service.items())),
        volunteer_minutes=int(minutes["minutes"] or 0),
        active_volunteers=int(active["n"]),
        outcomes=_outcomes(plans),
        services=sorted(services, key=lambda s: (s.month, s.service_type)),
    )


def _coop_care(
    coop_id: str,
    months: list[CareMonth],
    services: list[ServiceMinutes],
    active_volunteers: int,
    incidents: dict[tuple[str, bool], int],
    outcomes: Outcomes,
) -> CoopCare:
    delivered = sum(m.delivered for m in months)
    missed = sum(m.missed for m in months)
    return CoopCare(
        coop_id=coop_id,
        delivered=delivered,
        missed=missed,
        cancelled=sum(m.cancelled for m in months),
        missed_rate=_rate(missed, delivered + missed),
        minutes=sum(m.minutes for m in months),
        volunteer_minutes=sum(m.volunteer_minutes for m in months),
        active_volunteers=active_volunteers,
        outcomes=outcomes,
        incidents_raised=sum(n for (k, _), n in incidents.items() if k == "incident"),
        incidents_open=incidents.get(("incident", True), 0),
        safeguarding_raised=sum(
            n for (k, _), n in incidents.items() if k == "safeguarding"
        ),
        safeguarding_open=incidents.get(("safeguarding", True), 0),
        months=months,
        services=services,
    )


def _outcomes(groups: list[Any]) -> Outcomes:
    """From care_outcomes rows (plans summed by number of goals): each row's score
    changes share one denominator, so the mean over plans stays an exact
    fraction."""
    reviewed = sum(int(g["reviewed"]) for g in groups)
    return Outcomes(
        plans_open=sum(int(g["open"]) for g in groups),
        plans_reviewed=reviewed,
        performance_change=_mean_change(groups, "performance", reviewed),
        satisfaction_change=_mean_change(groups, "satisfaction", reviewed),
    )


def _mean_change(groups: list[Any], score: str, plans: int) -> float | None:
    """Mean over reviewed plans of (latest - first score sums) / goals, to 2 places."""
    if not plans:
        return None
    # Over a common denominator in integers: Fraction arithmetic per row showed
    # in the report's profile at 1,000 co-ops.
    common = math.lcm(*(int(g["goals"]) for g in groups))
    total = sum(int(g[score]) * (common // int(g["goals"])) for g in groups)
    return round(float(Fraction(total, common * plans)), 2)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
