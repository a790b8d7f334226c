"""The dashboard's figures: each one a table (its CSV) and the chart drawn from
the same rows, so what you download is what you saw. Only what may be published
goes in a row: every count of people below 5 reads "<5" (a co-op's cells come from
the report's published twin; a figure that sums over co-ops suppresses its own
sums), and a share that would reveal such a count is withheld (empty)."""

import csv
import io
from collections.abc import Iterable
from typing import Any, NamedTuple

from federation.http.charts import (
    TreeNode,
    Value,
    bar_chart,
    growth_tree,
    line_chart,
)
from federation.labels import currency, label, money
from federation.members_over_time import ClassMonth
from federation.report import ConsortiumReport
from federation.suppression import MIN_CELL, SUPPRESSED, publish, suppress

SUPPRESSION_NOTE = (
    f"Counts of fewer than {MIN_CELL} people are not published: they read "
    f"“{SUPPRESSED}”"
)


class Figure(NamedTuple):
    name: str
    title: str
    header: list[str]
    rows: list[list[object]]  # None: withheld, an empty cell
    svg: str | None  # None: shown as a table only
    note: str | None = None  # how suppressed cells are shown, when there are any
    labelled: tuple[int, ...] = ()  # columns of ids, shown by their human names

    def table(self) -> tuple[list[str], list[list[object]]]:
        """The header and rows as the page shows them: human names, not ids."""
        rows = [
            [label(str(c)) if i in self.labelled else c for i, c in enumerate(row)]
            for row in self.rows
        ]
        return [label(h) for h in self.header], rows

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.header)
        writer.writerows([spreadsheet_safe(cell) for cell in row] for row in self.rows)
        return out.getvalue()


# What a spreadsheet reads as the start of a formula (OWASP's CSV injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: object) -> object:
    """A text cell a spreadsheet would run as a formula (a co-op named
    "=HYPERLINK(…)") gets a leading apostrophe, so it shows as the text it is."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def turnout_by_class(report: ConsortiumReport) -> Figure:
    """Turnout of every closed ballot in every co-op, by member class. The sums
    (electors and votes over ballots and co-ops) are suppressed below 5, and the
    turnout withheld then: with the other count it would give the small one."""
    network = report.governance.turnout_by_class
    electorate = {c: t.electorate for c, t in network.items()}
    voted = {c: t.voted for c, t in network.items()}
    classes = sorted(electorate)
    percent: dict[str, Value] = {
        c: None
        if min(electorate[c], voted[c]) < MIN_CELL
        else round(100 * voted[c] / electorate[c])
        for c in classes
    }
    rows: list[list[object]] = [
        [c, suppress(electorate[c]), suppress(voted[c]), percent[c]] for c in classes
    ]
    return Figure(
        "turnout-by-class",
        "Ballot turnout by class (% of electors who voted, all closed ballots)",
        ["member_class", "electorate", "voted", "turnout_percent"],
        rows,
        bar_chart(percent, "Turnout by class (%)"),
        suppression_note(
            [cell for row in rows for cell in row[1:]],
            "; turnout is withheld where either count is.",
        ),
        labelled=(0,),
    )


def suppression_note(cells: Iterable[object], how: str) -> str | None:
    """The suppression note, if any of ``cells`` is suppressed or withheld."""
    if any(cell == SUPPRESSED or cell is None for cell in cells):
        return SUPPRESSION_NOTE + how
    return None


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
    minutes = {
        (row.month, row.service_type): row.minutes for row in report.care.services
    }
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
        labelled=(1,),
    )


def figures(
    report: ConsortiumReport, view: Any, trend: list[ClassMonth]
) -> list[Figure]:
    """Every figure of the dashboard, holding only what may be published: from
    the exact ``report`` where a figure sums over co-ops, else from ``view``, its
    published twin (``publish(report)``); ``trend`` is exact."""
    membership = view.membership
    by_class = dict(membership.members_by_class)
    months = [(m.month, m.members_by_class) for m in publish(trend)]
    classes = sorted({c for _, counts in months for c in counts})
    over_time: list[list[object]] = [
        [month, *(counts[c] for c in classes)] for month, counts in months
    ]
    coops: list[list[object]] = [
        [
            c.coop_id,
            c.name,
            label(c.profile),
            c.members,
            money(c.share_capital, currency(c.profile)),
        ]
        for c in membership.coops
    ]
    growth = view.growth.coops
    tree: list[list[object]] = [
        [g.coop_id, g.name, g.parent or "", g.depth, g.founded_on, g.members]
        for g in growth
    ]
    return [
        Figure(
            "members-by-class",
            "Members by class, now",
            ["member_class", "members"],
            [[c, n] for c, n in by_class.items()],
            bar_chart(by_class, "Members by class"),
            suppression_note(by_class.values(), ", drawn as a dashed bar up to 5."),
            labelled=(0,),
        ),
        Figure(
            "members-by-class-over-time",
            "Members by class over time (end of month)",
            ["month", *classes],
            over_time,
            line_chart(
                [month for month, _ in months],
                {c: [counts[c] for _, counts in months] for c in classes},
                "Members by class over time",
            ),
            suppression_note(
                [cell for row in over_time for cell in row[1:]],
                ": a class's line breaks while it has fewer.",
            ),
        ),
        care_hours_by_month(report),
        Figure(
            "coops",
            "Co-ops",
            ["coop_id", "name", "profile", "members", "share_capital"],
            coops,
            None,
            suppression_note([c.members for c in membership.coops], "."),
        ),
        turnout_by_class(report),
        Figure(
            "growth-tree",
            "Growth tree: who spun off whom",
            ["coop_id", "name", "parent", "depth", "founded_on", "members"],
            tree,
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
            suppression_note([g.members for g in growth], "."),
        ),
    ]
