"""The consortium report: queries over the projections, as JSON or a text table.

``build_report`` gives the exact figures; what is published (``report_json``,
``render_table``) goes through small-count suppression first.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

import msgspec

from federation.care import CareReport, care_report
from federation.care_quality import CareQualityReport, care_quality_report
from federation.circles import CirclesReport, circles_report
from federation.coop_page import EVERY_COOP, CoopPage, coop_page
from federation.funding import FundingReport, funding_report
from federation.governance import GovernanceReport, governance_report
from federation.growth import GrowthReport, growth_report, render_growth
from federation.hours_between_coops import (
    HoursBetweenCoops,
    hours_between_coops,
    hours_table,
)
from federation.ingest import ConsortiumViews
from federation.membership import MembershipReport, membership_report
from federation.registry import Lineage
from federation.suppression import published
from federation.timebank import TimebankReport, timebank_report
from federation.workforce import WorkforceReport, workforce_report


class ConsortiumReport(msgspec.Struct, frozen=True):
    generated_at: dt.datetime
    membership: MembershipReport
    governance: GovernanceReport
    dead_letters: int
    growth: GrowthReport
    care: CareReport
    care_quality: CareQualityReport
    funding: FundingReport
    workforce: WorkforceReport
    timebank: TimebankReport
    circles: CirclesReport
    hours_between_coops: HoursBetweenCoops = msgspec.field(
        default_factory=HoursBetweenCoops
    )
    # The cursor of the next page of co-ops (``build_report``'s ``page``); None:
    # this page is the last, or the report holds every co-op.
    next_cursor: str | None = None


def build_report(
    views: ConsortiumViews,
    lineage: Sequence[Lineage] = (),
    as_of: dt.date | None = None,
    page: CoopPage = EVERY_COOP,
) -> ConsortiumReport:
    """``lineage`` comes from the consortium registry (federation.registry); ages
    and twelve-month windows are counted to ``as_of`` (today). The sections list
    the co-ops of ``page`` (``federation.coop_page``), each section's network
    figures are over every co-op."""
    generated_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    as_of = as_of or generated_at.date()
    coops = page.coops
    with views.transaction() as cursor:
        membership = membership_report(cursor, coops)
        growth = growth_report(cursor, lineage, as_of, coops)
        governance = governance_report(cursor, coops)
        dead = cursor.execute("SELECT COUNT(*) AS n FROM dead_letters").fetchone()
        care = care_report(cursor, coops)
        care_quality = care_quality_report(cursor, coops)
        funding = funding_report(cursor, as_of, coops)
        workforce = workforce_report(cursor, as_of, coops)
        timebank = timebank_report(cursor, as_of, coops)
        circles = circles_report(cursor, coops)
        hours = hours_between_coops(cursor, coops)
    return ConsortiumReport(
        generated_at=generated_at,
        membership=membership,
        governance=governance,
        dead_letters=int(dead["n"]),
        growth=growth,
        care=care,
        care_quality=care_quality,
        funding=funding,
        workforce=workforce,
        timebank=timebank,
        circles=circles,
        hours_between_coops=hours,
        next_cursor=page.next_cursor,
    )


def report_page(
    views: ConsortiumViews,
    lineage: Sequence[Lineage] = (),
    as_of: dt.date | None = None,
    *,
    after: str = "",
    limit: int,
) -> ConsortiumReport:
    """The report listing the ``limit`` co-ops after the co-op id ``after``."""
    with views.transaction() as cursor:
        page = coop_page(cursor, after, limit)
    return build_report(views, lineage, as_of, page)


def published_report(report: ConsortiumReport) -> dict[str, Any]:
    """The report as it may be published: person counts below 5 read "<5"."""
    view: dict[str, Any] = published(report)
    return view


def report_json(report: ConsortiumReport) -> bytes:
    return msgspec.json.format(msgspec.json.encode(published_report(report)), indent=2)


def render_table(report: ConsortiumReport) -> str:
    """The published report as plain text tables, for a terminal."""
    view = published_report(report)
    membership = view["membership"]
    classes = sorted(membership["members_by_class"])
    header = ["co-op", "profile", *classes, "members", "share capital"]
    rows = [
        [
            f"{coop['name']} ({coop['coop_id']})",
            coop["profile"],
            *(str(coop["members_by_class"].get(c, "")) for c in classes),
            str(coop["members"]),
            _money(coop["share_capital"]),
        ]
        for coop in membership["coops"]
    ]
    rows.append(
        [
            "all co-ops",
            "",
            *(str(membership["members_by_class"][c]) for c in classes),
            str(membership["members"]),
            _money(membership["share_capital"]),
        ]
    )
    lines = [f"Consortium report, {report.generated_at.isoformat()}", ""]
    lines += ["Members by class", *_table(header, rows), ""]
    lines += [
        "Joiners and leavers by month",
        *_table(
            ["month", "joiners", "leavers"],
            [
                [m["month"], str(m["joiners"]), str(m["leavers"])]
                for m in membership["months"]
            ],
        ),
    ]
    lines += ["", *render_growth(report.growth)]
    lines += ["", *_governance_lines(view["governance"])]
    lines += care_tables(view)
    lines += circle_table(view["circles"])
    lines += hours_table(report.hours_between_coops, _table, _hours)
    if report.dead_letters:
        lines += ["", f"Dead letters: {report.dead_letters}"]
    return "\n".join(lines) + "\n"


def _governance_lines(governance: dict[str, Any]) -> list[str]:
    """The governance section of the published view."""
    rows = []
    for coop in governance["coops"]:
        turnout = ", ".join(
            f"{c} {t['voted']}/{t['electorate']}"
            for c, t in coop["turnout_by_class"].items()
        )
        board = ", ".join(f"{c} {n}" for c, n in sorted(coop["board_by_class"].items()))
        breaches = coop["breaches"]
        rows.append(
            [
                coop["coop_id"],
                str(coop["ballots"]),
                str(coop["quorate"]),
                turnout or "-",
                board or "-",
                "NO: " + "; ".join(breaches) if breaches else "yes",
            ]
        )
    share = governance["quorate_share"]
    return [
        "Governance (turnout: votes / electors, summed over ballots)",
        *_table(
            ["co-op", "ballots", "quorate", "turnout by class", "board", "compliant"],
            rows,
        ),
        f"Ballots reaching quorum: {governance['quorate']} of {governance['ballots']}"
        + (f" ({share:.0%})" if share is not None else ""),
    ]


def care_tables(view: dict[str, Any]) -> list[str]:
    """Care, workforce and time-bank sections of the published view."""
    care, timebank = view["care"], view["timebank"]
    services = sorted(care["minutes_by_service"])
    lines = ["", "Care hours by service type"]
    rows = [
        [
            coop["coop_id"],
            *(_hours(_by_service(coop["services"]).get(s, 0)) for s in services),
            _hours(coop["minutes"]),
        ]
        for coop in care["coops"]
    ]
    rows.append(
        [
            "all co-ops",
            *(_hours(care["minutes_by_service"][s]) for s in services),
            _hours(care["minutes"]),
        ]
    )
    lines += _table(["co-op", *services, "total"], rows)
    lines += ["", "Visits, outcomes and volunteers"]
    rows = [
        [
            c["coop_id"],
            str(c["delivered"]),
            str(c["missed"]),
            _percent(c["missed_rate"]),
            str(c["outcomes"]["plans_reviewed"]),
            _change(c["outcomes"]["performance_change"]),
            _change(c["outcomes"]["satisfaction_change"]),
            str(c["active_volunteers"]),
            _hours(c["volunteer_minutes"]),
            f"{c['safeguarding_open']}/{c['safeguarding_raised']}",
        ]
        for c in care["coops"]
    ]
    lines += _table(
        [
            "co-op",
            "delivered",
            "missed",
            "missed %",
            "plans reviewed",
            "performance +",
            "satisfaction +",
            "volunteers",
            "volunteer hours",
            "safeguarding open/raised",
        ],
        rows,
    )
    lines += quality_table(view["care_quality"])
    lines += ["", f"Who pays for care, on {view['funding']['as_of']}"]
    lines += _table(
        ["co-op", "funder", "people", "hours a week"],
        [
            [c["coop_id"], f["funder"], str(f["people"]), _hours(f["weekly_minutes"])]
            for c in view["funding"]["coops"]
            for f in c["funders"]
        ],
    )
    lines += ["", "Workforce"]
    rows = [
        [
            w["coop_id"],
            str(w["headcount"]),
            str(w["leavers_12m"]),
            _percent(w["turnover_annualised"]),
            _percent(w["disadvantaged_share"]),
            {True: "met", False: "NOT MET", None: ""}[w["meets_type_b_target"]],
        ]
        for w in view["workforce"]["coops"]
    ]
    lines += _table(
        [
            "co-op",
            "workers",
            "leavers 12m",
            "turnover/yr",
            "disadvantaged",
            "type B 30%",
        ],
        rows,
    )
    lines += ["", "Time bank and volunteer expenses"]
    rows = [
        [
            t["coop_id"],
            str(t["accounts"]),
            _hours(t["earned"]),
            _hours(t["spent"]),
            str(t["balance_sum"]),
            str(t["expenses"]["outstanding_count"]),
            _money(t["expenses"]["outstanding_amount"]),
            str(t["expenses"]["oldest_outstanding_days"] or ""),
        ]
        for t in timebank["coops"]
    ]
    lines += _table(
        [
            "co-op",
            "accounts",
            "hours earned",
            "hours spent",
            "bank sum",
            "claims due",
            "amount due",
            "oldest (days)",
        ],
        rows,
    )
    return lines


def circle_table(circles: dict[str, Any]) -> list[str]:
    """Each co-op's circles in its latest summarised month, and the network's."""
    rows = []
    latest = circles["months"][-1:]
    for coop_id, months in [
        *((c["coop_id"], c["months"][-1:]) for c in circles["coops"]),
        ("all co-ops", latest),
    ]:
        for m in months:
            rows.append(
                [
                    coop_id,
                    m["month"],
                    str(m["circles"]),
                    str(m["members"]),
                    str(m["mean_members"] or ""),
                    str(m["meetings"]),
                    str(m["exchanges_settled"]),
                ]
            )
    return [
        "",
        "Neighbourhood circles, latest month",
        *_table(
            [
                "co-op",
                "month",
                "circles",
                "members",
                "per circle",
                "meetings",
                "exchanges settled",
            ],
            rows,
        ),
    ]


def quality_table(quality: dict[str, Any]) -> list[str]:
    """Why plans ended, continuity in the latest month, compliance."""
    rows = []
    for q in [*quality["coops"], {**quality, "coop_id": "all co-ops"}]:
        latest = q["continuity"][-1] if q["continuity"] else None
        rows.append(
            [
                q["coop_id"],
                str(q["closures"]["closed"]),
                str(q["closures"]["residential_care"]),
                _percent(q["closures"]["stayed_home_share"]),
                latest["month"] if latest else "",
                str(latest["mean_carers"] or "") if latest else "",
                _percent(latest["seen_by_few_share"]) if latest else "",
                _percent(q["compliance"]["compliance_rate"]),
            ]
        )
    return [
        "",
        "Plans ended, continuity and compliance",
        *_table(
            [
                "co-op",
                "plans ended",
                "to residential care",
                "stayed home",
                "month",
                "carers per person",
                "by 1-2 carers",
                "compliant carers",
            ],
            rows,
        ),
    ]


def _by_service(rows: list[dict[str, Any]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["service_type"]] = (
            totals.get(row["service_type"], 0) + row["minutes"]
        )
    return totals


def _hours(minutes: int) -> str:
    return f"{minutes / 60:,.1f}"


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate:.1%}"


def _change(change: float | None) -> str:
    return "" if change is None else f"{change:+.2f}"


def _money(minor_units: int) -> str:
    return f"{minor_units / 100:,.2f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first, *rest = cells
        aligned = (c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))
        return "  ".join([first.ljust(widths[0]), *aligned])

    return [line(header), "  ".join("-" * w for w in widths), *map(line, rows)]
