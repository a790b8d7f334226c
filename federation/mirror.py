"""Each co-op's mirror of the network (schemas.mirror), from the consortium's views.

``coop_figures`` reads every co-op's figure of each metric from the projections;
``build_mirror`` turns them into one co-op's mirror: its own figures, the
network's quartiles and its rank, and nothing of any other co-op tied to it. A
comparison over fewer than ``MIN_COOPS`` co-ops is withheld.
"""

import datetime as dt
import statistics
from collections.abc import Iterable

from federation.care import care_report
from federation.care_quality import care_quality_report
from federation.governance import governance_report
from federation.timebank import timebank_report
from federation.workforce import workforce_report
from schemas.mirror import METRICS, MIN_COOPS, Comparison, NetworkMirror
from toolkit.storage import Cursor

# metric -> co-op id -> that co-op's figure (co-ops without one are absent).
Figures = dict[str, dict[str, float]]
WINDOW_MONTHS = 12


def period_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def window(period: str, months: int = WINDOW_MONTHS) -> set[str]:
    """The ``months`` months up to and including ``period`` ("YYYY-MM")."""
    year, month = int(period[:4]), int(period[5:])
    found = set()
    for back in range(months):
        index = year * 12 + month - 1 - back
        found.add(f"{index // 12:04d}-{index % 12 + 1:02d}")
    return found


def quartiles(values: list[float]) -> tuple[float, float, float]:
    """The 25th, 50th and 75th percentiles, interpolated between the figures."""
    p25, p50, p75 = statistics.quantiles(values, n=4, method="inclusive")
    return round(p25, 4), round(p50, 4), round(p75, 4)


def percentile_rank(values: list[float], own: float) -> float:
    """Percent of ``values`` below ``own``, ties counted half."""
    below = sum(1 for v in values if v < own)
    equal = sum(1 for v in values if v == own)
    return round(100 * (below + equal / 2) / len(values), 1)


def compare(metric: str, own: float | None, values: list[float]) -> Comparison:
    if len(values) < MIN_COOPS:
        # Not even how many: "2 co-ops" and one's own figure says much of the other.
        return Comparison(metric=metric, own=own, withheld="few_coops")  # type: ignore[arg-type]
    p25, p50, p75 = quartiles(values)
    return Comparison(
        metric=metric,  # type: ignore[arg-type]  # one of METRICS
        own=own,
        p25=p25,
        p50=p50,
        p75=p75,
        rank=None if own is None else percentile_rank(values, own),
        coops=len(values),
    )


def build_mirror(
    coop_id: str, figures: Figures, period: str, issued_at: dt.datetime
) -> NetworkMirror:
    return NetworkMirror(
        coop_id=coop_id,
        period=period,
        issued_at=issued_at,
        comparisons=[
            compare(
                metric,
                figures.get(metric, {}).get(coop_id),
                list(figures.get(metric, {}).values()),
            )
            for metric in METRICS
        ],
    )


def build_mirrors(
    coop_ids: Iterable[str], figures: Figures, period: str, issued_at: dt.datetime
) -> list[NetworkMirror]:
    return [build_mirror(c, figures, period, issued_at) for c in sorted(coop_ids)]


def coop_figures(cursor: Cursor, as_of: dt.date) -> Figures:
    """Every co-op's figure of each metric, as the projections stand."""
    period = period_of(as_of)
    months = window(period)
    figures: Figures = {metric: {} for metric in METRICS}
    for care in care_report(cursor).coops:
        recent = [m for m in care.months if m.month in months]
        delivered = sum(m.delivered for m in recent)
        missed = sum(m.missed for m in recent)
        if delivered + missed:
            figures["missed_visit_rate"][care.coop_id] = round(
                missed / (delivered + missed), 4
            )
        if recent:
            volunteer = sum(m.volunteer_minutes for m in recent)
            figures["volunteer_hours"][care.coop_id] = round(volunteer / 60, 1)
        _put(figures, "outcome_change", care.coop_id, care.outcomes.performance_change)
    for quality in care_quality_report(cursor).coops:
        seen = [m for m in quality.continuity if m.month <= period]
        if seen:
            _put(figures, "continuity", quality.coop_id, seen[-1].seen_by_few_share)
    for work in workforce_report(cursor, as_of).coops:
        _put(figures, "turnover", work.coop_id, work.turnover_annualised)
    for governance in governance_report(cursor).coops:
        electorate = sum(t.electorate for t in governance.turnout_by_class.values())
        voted = sum(t.voted for t in governance.turnout_by_class.values())
        if electorate:
            figures["turnout"][governance.coop_id] = round(voted / electorate, 4)
    for bank in timebank_report(cursor, as_of).coops:
        if bank.accounts:
            figures["timebank_activity"][bank.coop_id] = round(
                bank.active_accounts / bank.accounts, 4
            )
    return figures


def _put(figures: Figures, metric: str, coop_id: str, value: float | None) -> None:
    if value is not None:
        figures[metric][coop_id] = float(value)


def network_mirrors(
    cursor: Cursor, coop_ids: Iterable[str], issued_at: dt.datetime
) -> list[NetworkMirror]:
    """The mirror of each of ``coop_ids`` (the registered co-ops) as of the day
    of ``issued_at``."""
    day = issued_at.date()
    return build_mirrors(coop_ids, coop_figures(cursor, day), period_of(day), issued_at)
