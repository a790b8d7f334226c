"""The consortium report: queries over the projections, as JSON or a text table."""

import datetime as dt
from collections.abc import Sequence

import msgspec

from federation.growth import GrowthReport, growth_report, render_growth
from federation.membership import MembershipReport, membership_report
from federation.registry import Lineage
from federation.views import ConsortiumViews


class ConsortiumReport(msgspec.Struct, frozen=True):
    generated_at: dt.datetime
    membership: MembershipReport
    dead_letters: int
    growth: GrowthReport


def build_report(
    views: ConsortiumViews, lineage: Sequence[Lineage] = ()
) -> ConsortiumReport:
    """``lineage`` comes from the consortium registry (federation.registry)."""
    with views.transaction() as cursor:
        membership = membership_report(cursor)
        growth = growth_report(cursor, lineage)
        dead = cursor.execute("SELECT COUNT(*) AS n FROM dead_letters").fetchone()
    return ConsortiumReport(
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        membership=membership,
        dead_letters=int(dead["n"]),
        growth=growth,
    )


def report_json(report: ConsortiumReport) -> bytes:
    return msgspec.json.format(msgspec.json.encode(report), indent=2)


def render_table(report: ConsortiumReport) -> str:
    """The report as plain text tables, for a terminal."""
    membership = report.membership
    classes = sorted(membership.members_by_class)
    header = ["co-op", "profile", *classes, "members", "share capital"]
    rows = [
        [
            f"{coop.name} ({coop.coop_id})",
            coop.profile,
            *(str(coop.members_by_class.get(c, "")) for c in classes),
            str(coop.members),
            _money(coop.share_capital),
        ]
        for coop in membership.coops
    ]
    rows.append(
        [
            "all co-ops",
            "",
            *(str(membership.members_by_class[c]) for c in classes),
            str(membership.members),
            _money(membership.share_capital),
        ]
    )
    lines = [f"Consortium report, {report.generated_at.isoformat()}", ""]
    lines += ["Members by class", *_table(header, rows), ""]
    lines += [
        "Joiners and leavers by month",
        *_table(
            ["month", "joiners", "leavers"],
            [[m.month, str(m.joiners), str(m.leavers)] for m in membership.months],
        ),
    ]
    lines += ["", *render_growth(report.growth)]
    if report.dead_letters:
        lines += ["", f"Dead letters: {report.dead_letters}"]
    return "\n".join(lines) + "\n"


def _money(minor_units: int) -> str:
    return f"{minor_units / 100:,.2f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first, *rest = cells
        aligned = (c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))
        return "  ".join([first.ljust(widths[0]), *aligned])

    return [line(header), "  ".join("-" * w for w in widths), *map(line, rows)]
