"""The truth, computed from a node's own store, to compare consortium reports with."""

import datetime as dt
from fractions import Fraction
from typing import Any
from uuid import UUID

import msgspec

from federation.care_quality import CONTINUITY_MONTHS
from node.application import CoopNode
from toolkit.aggregates import events_with


def membership_truth(app: CoopNode) -> dict[str, object]:
    """What the consortium should report for this co-op's membership."""
    by_class = {name: 0 for name in app.coop().profile.class_names}
    capital = 0
    for member in app.members():
        if member.is_admitted:
            by_class[member.member_class] += 1
        capital += member.shares
    return {
        "members_by_class": by_class,
        "members": sum(by_class.values()),
        "share_capital": capital,
    }


def reported_membership(report: object, coop_id: str) -> dict[str, object]:
    for coop in report.membership.coops:  # type: ignore[attr-defined]
        if coop.coop_id == coop_id:
            return {
                "members_by_class": coop.members_by_class,
                "members": coop.members,
                "share_capital": coop.share_capital,
            }
    raise AssertionError(f"co-op {coop_id} is not in the report")


def governance_truth(app: CoopNode) -> dict[str, object]:
    """What the consortium should report for this co-op's governance."""
    closed = [b for b in app.ballots() if b.status == "closed"]
    turnout: dict[str, tuple[int, int]] = {}
    for ballot in closed:
        assert ballot.result is not None
        for c in ballot.result["classes"]:
            e, v = turnout.get(c["member_class"], (0, 0))
            turnout[c["member_class"]] = (e + c["electorate"], v + c["voted"])
    return {
        "ballots": len(closed),
        "quorate": sum(1 for b in closed if b.result and b.result["quorate"]),
        "turnout_by_class": dict(sorted(turnout.items())),
        "board_by_class": {c: len(m) for c, m in app.coop().board.items()},
    }


def reported_governance(report: object, coop_id: str) -> dict[str, object]:
    for coop in report.governance.coops:  # type: ignore[attr-defined]
        if coop.coop_id == coop_id:
            return {
                "ballots": coop.ballots,
                "quorate": coop.quorate,
                "turnout_by_class": {
                    c: (t.electorate, t.voted) for c, t in coop.turnout_by_class.items()
                },
                "board_by_class": coop.board_by_class,
            }
    raise AssertionError(f"co-op {coop_id} is not in the governance report")


def _month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _mean_change(pairs: list[tuple[list[int], list[int]]]) -> float | None:
    """Mean over plans of the mean over goals of (latest - first)."""
    if not pairs:
        return None
    per_plan = [
        sum(Fraction(b - a) for a, b in zip(first, latest, strict=True)) / len(first)
        for first, latest in pairs
    ]
    return round(float(sum(per_plan) / len(per_plan)), 2)


def care_truth(app: CoopNode) -> dict[str, Any]:
    """What the consortium should report for this co-op's care, from its store."""
    months: dict[str, dict[str, Any]] = {}
    services: dict[tuple[str, str], int] = {}
    volunteers: dict[str, set[UUID]] = {}
    for visit in app.visits():
        if visit.status == "scheduled":
            continue
        month = _month(visit.ended_on)
        row = months.setdefault(
            month,
            dict.fromkeys(("delivered", "missed", "cancelled", "minutes"), 0)
            | {"volunteer_minutes": 0},
        )
        row[visit.status] += 1
        if visit.status == "delivered":
            row["minutes"] += visit.minutes
            for service, minutes in visit.minutes_by_service.items():
                services[month, service] = services.get((month, service), 0) + minutes
            if visit.worker_class == "volunteer":
                row["volunteer_minutes"] += visit.minutes
                volunteers.setdefault(month, set()).add(visit.worker)
    plans = list(app.care_plans())
    reviewed = [p for p in plans if p.reviews]
    incidents = list(app.incidents())
    delivered = sum(r["delivered"] for r in months.values())
    missed = sum(r["missed"] for r in months.values())

    def changes(index: int) -> float | None:
        return _mean_change(
            [([s[index] for s in p.scores[0]], [s[index] for s in p.scores[-1]])
             for p in reviewed]
        )  # fmt: skip

    def incident_count(kind: str, open_only: bool) -> int:
        return sum(
            1
            for i in incidents
            if i.kind == kind and (i.closed_on is None or not open_only)
        )

    return {
        "delivered": delivered,
        "missed": missed,
        "cancelled": sum(r["cancelled"] for r in months.values()),
        "missed_rate": round(missed / (delivered + missed), 4)
        if delivered + missed
        else None,
        "minutes": sum(r["minutes"] for r in months.values()),
        "volunteer_minutes": sum(r["volunteer_minutes"] for r in months.values()),
        "active_volunteers": len(set().union(*volunteers.values())),
        "outcomes": {
            "plans_open": sum(1 for p in plans if not p.is_closed),
            "plans_reviewed": len(reviewed),
            "performance_change": changes(0),
            "satisfaction_change": changes(1),
        },
        "incidents_raised": incident_count("incident", False),
        "incidents_open": incident_count("incident", True),
        "safeguarding_raised": incident_count("safeguarding", False),
        "safeguarding_open": incident_count("safeguarding", True),
        "months": [
            {"month": m, **months[m], "active_volunteers": len(volunteers.get(m, ()))}
            for m in sorted(months)
        ],
        "services": [
            {"month": m, "service_type": s, "minutes": services[m, s]}
            for m, s in sorted(services)
        ],
    }


def workforce_truth(app: CoopNode, as_of: dt.date) -> dict[str, Any]:
    """Headcount, turnover over the year to ``as_of`` and the type B share."""
    workers = [w for w in app.workers() if w.joined_on <= as_of]

    def employed(w: Any, day: dt.date) -> bool:
        return w.joined_on <= day and (w.left_on is None or w.left_on > day)

    start = max(as_of - dt.timedelta(days=364), min(w.joined_on for w in workers))
    window = [start + dt.timedelta(days=n) for n in range((as_of - start).days + 1)]
    headcount_days = sum(employed(w, d) for w in workers for d in window)
    leavers = [w for w in workers if w.left_on and start <= w.left_on <= as_of]
    now = [w for w in workers if employed(w, as_of)]
    disadvantaged = sum(1 for w in now if w.disadvantaged)
    share = round(disadvantaged / len(now), 4) if now else None
    type_b = app.coop().profile.type_b
    return {
        "type_b": type_b,
        "headcount": len(now),
        "disadvantaged": disadvantaged,
        "disadvantaged_share": share,
        "meets_type_b_target": (share is not None and share >= 0.3) if type_b else None,
        "joiners_12m": sum(1 for w in workers if w.joined_on >= start),
        "leavers_12m": len(leavers),
        "turnover_annualised": round(len(leavers) * 365 / headcount_days, 4)
        if headcount_days
        else None,
    }


def timebank_truth(app: CoopNode, as_of: dt.date) -> dict[str, Any]:
    """The time bank's figures and outstanding expenses, from the node's ledger."""
    accounts = list(app.time_accounts())
    members = [a for a in accounts if a.owner is not None]
    months: dict[str, dict[str, int]] = {}
    active = 0
    for account in members:
        lines = app.statement(account.id)
        active += bool(lines)
        for line in lines:
            row = months.setdefault(_month(line.entered_on), {"earned": 0, "spent": 0})
            row["earned" if line.minutes > 0 else "spent"] += abs(line.minutes)
    claims = list(app.expense_claims())
    due = [c for c in claims if c.status in ("claimed", "approved")]
    ages = [max(0, (as_of - c.claimed_on).days) for c in due]
    return {
        "accounts": len(members),
        "active_accounts": active,
        "earned": sum(r["earned"] for r in months.values()),
        "spent": sum(r["spent"] for r in months.values()),
        "balance_sum": sum(a.balance for a in accounts),
        "months": [{"month": m, **months[m]} for m in sorted(months)],
        "expenses": {
            "claimed": sum(c.amount for c in claims),
            "paid": sum(c.amount for c in claims if c.status == "paid"),
            "rejected": sum(c.amount for c in claims if c.status == "rejected"),
            "outstanding_count": len(due),
            "outstanding_amount": sum(c.amount for c in due),
            "oldest_outstanding_days": max(ages) if ages else None,
            "mean_outstanding_days": round(sum(ages) / len(ages), 1) if ages else None,
        },
    }


def reported(section: Any, coop_id: str) -> dict[str, Any]:
    """One co-op's part of a report section, as builtins, without its id."""
    for coop in section.coops:
        if coop.coop_id == coop_id:
            figures: dict[str, Any] = msgspec.to_builtins(coop)
            del figures["coop_id"]
            return figures
    raise AssertionError(f"co-op {coop_id} is not in the report section")


def quality_truth(app: CoopNode) -> dict[str, object]:
    """Why this co-op's plans ended, and how many people had visits and from how
    many different carers in each of the last months the node has summarised
    (as many as the report shows), from its own store."""
    closures: dict[str, int] = {}
    for plan in app.care_plans():
        if plan.is_closed:
            closures[plan.close_reason] = closures.get(plan.close_reason, 0) + 1
    seen: dict[str, dict[UUID, set[UUID]]] = {}
    for visit in app.visits():
        if visit.status == "delivered":
            month = _month(visit.ended_on)
            by_user = seen.setdefault(month, {})
            by_user.setdefault(visit.service_user, set()).add(visit.worker)
    summarised = sorted(
        e.month.strftime("%Y-%m")
        for e in events_with(app, "commonweal.care_month.summarised")
    )
    continuity = {
        month: (
            len(seen.get(month, {})),
            sum(len(c) for c in seen.get(month, {}).values()),
        )
        for month in summarised[-CONTINUITY_MONTHS:]
    }
    return {"closures": closures, "continuity": continuity}


def reported_quality(report: object, coop_id: str) -> dict[str, object]:
    for coop in report.care_quality.coops:  # type: ignore[attr-defined]
        if coop.coop_id == coop_id:
            return {
                "closures": {r.reason: r.plans for r in coop.closures.by_reason},
                "continuity": {
                    m.month: (
                        m.service_users,
                        round((m.mean_carers or 0) * m.service_users),
                    )
                    for m in coop.continuity
                },
            }
    raise AssertionError(f"co-op {coop_id} is not in the report")
