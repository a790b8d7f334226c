"""The dashboard's figures: each one a table (its CSV) and the chart drawn from
the same rows, so what you download is what you saw."""

import csv
import io
from typing import NamedTuple

from federation.http.charts import TreeNode, bar_chart, growth_tree, line_chart
from federation.report import ConsortiumReport
from federation.trends import ClassMonth


class Figure(NamedTuple):
    name: str
    title: str
    header: list[str]
    rows: list[list[object]]
    svg: str | None  # None: shown as a table only

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return out.getvalue()


def turnout_by_class(report: ConsortiumReport) -> Figure:
    """Turnout of every closed ballot in every co-op, by member class."""
    electorate: dict[str, int] = {}
    voted: dict[str, int] = {}
    for coop in report.governance.coops:
        for member_class, t in coop.turnout_by_class.items():
            electorate[member_class] = electorate.get(member_class, 0) + t.electorate
            voted[member_class] = voted.get(member_class, 0) + t.voted
    classes = sorted(electorate)
    percent = {
        c: round(100 * voted[c] / electorate[c]) if electorate[c] else 0
        for c in classes
    }
    return Figure(
        "turnout-by-class",
        "Ballot turnout by class (% of electors who voted, all closed ballots)",
        ["member_class", "electorate", "voted", "turnout_percent"],
        [[c, electorate[c], voted[c], percent[c]] for c in classes],
        bar_chart(percent, "Turnout by class (%)"),
    )


def _months(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` ("YYYY-MM"), gaps included."""
    year, month = map(int, first.split("-"))
    months = []
    while (label := f"{year:04d}-{month:02d}") <= last:
        months.append(label)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def care_hours_by_month(report: ConsortiumReport) -> Figure:
    """Care delivered across the network, by month and service type: the co-ops'
    minutes summed (minutes count no people, so nothing is suppressed)."""
    minutes: dict[tuple[str, str], int] = {}
    for coop in report.care.coops:
        for row in coop.services:
            key = (row.month, row.service_type)
            minutes[key] = minutes.get(key, 0) + row.minutes
    types = sorted({service for _, service in minutes})
    months = _months(min(minutes)[0], max(minutes)[0]) if minutes else []
    return Figure(
        "care-hours-by-month",
        "Care hours delivered by month and service type, all co-ops",
        ["month", "service_type", "minutes", "hours"],
        [[m, t, n, round(n / 60, 2)] for (m, t), n in sorted(minutes.items())],
        line_chart(
            months,
            {t: [round(minutes.get((m, t), 0) / 60, 1) for m in months] for t in types},
            "Care hours by month and service type",
        )
        if minutes
        else None,
    )


def figures(report: ConsortiumReport, trend: list[ClassMonth]) -> list[Figure]:
    membership = report.membership
    classes = sorted({c for month in trend for c in month.members_by_class})
    growth = report.growth.coops
    return [
        Figure(
            "members-by-class",
            "Members by class, now",
            ["member_class", "members"],
            [[c, n] for c, n in membership.members_by_class.items()],
            bar_chart(membership.members_by_class, "Members by class"),
        ),
        Figure(
            "members-by-class-over-time",
            "Members by class over time (end of month)",
            ["month", *classes],
            [[m.month, *(m.members_by_class[c] for c in classes)] for m in trend],
            line_chart(
                [m.month for m in trend],
                {c: [m.members_by_class[c] for m in trend] for c in classes},
                "Members by class over time",
            ),
        ),
        care_hours_by_month(report),
        Figure(
            "coops",
            "Co-ops",
            ["coop_id", "name", "profile", "members", "share_capital"],
            [
                [c.coop_id, c.name, c.profile, c.members, c.share_capital]
                for c in membership.coops
            ],
            None,
        ),
        turnout_by_class(report),
        Figure(
            "growth-tree",
            "Growth tree: who spun off whom",
            ["coop_id", "name", "parent", "depth", "founded_on", "members"],
            [
                [g.coop_id, g.name, g.parent or "", g.depth, g.founded_on, g.members]
                for g in growth
            ],
            growth_tree(
                [
                    TreeNode(
                        g.coop_id,
                        f"{g.name} ({g.founded_on or '?'}, {g.members} members)",
                        g.parent,
                        g.depth,
                    )
                    for g in growth
                ],
                "Growth tree",
            ),
        ),
    ]
