"""The social report's figures laid out as its sections and tables, with each
figure written the way the co-op's locale writes numbers: what the printable
page and the PDF both show, so that they say the same in the same order.

Headings, captions and row labels are English messages marked ``N_``: the page
and the PDF translate them into the co-op's language with the same catalog.
"""

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, NamedTuple

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from node.network_words import shown
from node.social_report import NetworkComparison, SocialReportFigures
from toolkit.web.i18n import N_

# How a row names itself: a message to translate, a member class (by its
# label), or a name as it is (a co-op's).
LabelKind = Literal["message", "class", "text"]
NOTHING = "-"  # a figure that cannot be given (a percentage of nothing)


class Row(NamedTuple):
    label: str
    cells: tuple[str, ...]  # written for the locale already
    kind: LabelKind = "message"


class Table(NamedTuple):
    caption: str
    columns: tuple[str, ...]  # headings; the first is over the row labels
    rows: tuple[Row, ...]


class Section(NamedTuple):
    key: str  # also the narrative section written beside it
    heading: str
    tables: tuple[Table, ...]


def hours(minutes: int) -> Decimal:
    """Minutes as hours to one decimal, as the report gives time."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"), ROUND_HALF_UP)


class Writer:
    """Numbers, percentages, hours and days as ``locale`` writes them."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def count(self, value: int) -> str:
        return format_decimal(value, locale=self.locale)

    def percent(self, value: int | None) -> str:
        if value is None:
            return NOTHING
        return format_percent(Decimal(value) / 100, locale=self.locale)

    def hours(self, minutes: int) -> str:
        return format_decimal(hours(minutes), format="#,##0.0", locale=self.locale)

    def change(self, value: Decimal | None) -> str:
        if value is None:
            return NOTHING
        return format_decimal(value, format="+#,##0.0;-#,##0.0", locale=self.locale)

    def day(self, value: dt.date) -> str:
        return format_date(value, "medium", locale=self.locale)


def _rows(*rows: tuple[str, str]) -> tuple[Row, ...]:
    return tuple(Row(label, (cell,)) for label, cell in rows)


MEASURE = N_("Measure")
FIGURE = N_("Figure")


def membership_section(f: SocialReportFigures, w: Writer) -> Section:
    m, d = f.membership, f.democracy
    classes = list(dict.fromkeys([*m.members_at_start, *m.members_at_end]))
    by_class = Table(
        N_("Members by class at the start and at the end of the year"),
        (N_("Class"), N_("At the start"), N_("At the end")),
        (
            *(
                Row(
                    c,
                    (
                        w.count(m.members_at_start.get(c, 0)),
                        w.count(m.members_at_end.get(c, 0)),
                    ),
                    "class",
                )
                for c in classes
            ),
            Row(
                N_("All members"),
                (
                    w.count(sum(m.members_at_start.values())),
                    w.count(sum(m.members_at_end.values())),
                ),
            ),
        ),
    )
    movement = Table(
        N_("Members who joined and left in the year"),
        (MEASURE, FIGURE),
        _rows(
            (N_("Members admitted"), w.count(m.admitted)),
            (N_("Members who left"), w.count(m.left)),
        ),
    )
    democracy = Table(
        N_("General meetings and ballots in the year"),
        (MEASURE, FIGURE),
        _rows(
            (N_("General meetings held"), w.count(d.general_meetings)),
            (N_("General meetings that were quorate"), w.count(d.quorate_meetings)),
            (N_("Ballots closed"), w.count(d.ballots)),
            (N_("Ballots that were quorate"), w.count(d.quorate_ballots)),
            (N_("Electors, over all ballots"), w.count(d.electors)),
            (N_("Votes cast, over all ballots"), w.count(d.votes_cast)),
            (N_("Turnout"), w.percent(d.turnout_percent)),
        ),
    )
    return Section(
        "membership",
        N_("Membership and democracy"),
        (by_class, movement, democracy),
    )


def services_section(f: SocialReportFigures, w: Writer) -> Section:
    s = f.services
    table = Table(
        N_("Care delivered and its outcomes in the year"),
        (MEASURE, FIGURE),
        _rows(
            (N_("Visits delivered"), w.count(s.visits_delivered)),
            (N_("Hours of care delivered"), w.hours(s.minutes_delivered)),
            (N_("Visits missed"), w.count(s.visits_missed)),
            (N_("People supported"), w.count(s.people_supported)),
            (N_("Care plans in force"), w.count(s.care_plans)),
            (N_("Care plans reviewed"), w.count(s.plans_reviewed)),
            (N_("Care plans whose goal scores rose"), w.count(s.plans_improved)),
            (
                N_("Average change of goal scores (1 to 10)"),
                w.change(s.score_change),
            ),
        ),
    )
    return Section("services", N_("Services and outcomes"), (table,))


def workforce_section(f: SocialReportFigures, w: Writer) -> Section:
    k = f.workforce
    table = Table(
        N_("The co-op's workers in the year"),
        (MEASURE, FIGURE),
        _rows(
            (N_("Workers at the start of the year"), w.count(k.workers_at_start)),
            (N_("Workers at the end of the year"), w.count(k.workers_at_end)),
            (N_("Workers who started"), w.count(k.starters)),
            (N_("Workers who left"), w.count(k.leavers)),
            (N_("Staff turnover"), w.percent(k.turnover_percent)),
            (N_("Trainings completed"), w.count(k.trainings)),
        ),
    )
    return Section("workforce", N_("Workforce"), (table,))


def volunteering_section(f: SocialReportFigures, w: Writer) -> Section:
    v = f.volunteering
    table = Table(
        N_("Volunteering and the time bank in the year"),
        (MEASURE, FIGURE),
        _rows(
            (N_("Volunteers enrolled"), w.count(v.enrolled_volunteers)),
            (
                N_("Members who earned volunteering time"),
                w.count(v.volunteers_credited),
            ),
            (N_("Hours of volunteering"), w.hours(v.volunteer_minutes)),
            (N_("Time-bank exchanges"), w.count(v.timebank_exchanges)),
            (N_("Hours exchanged in the time bank"), w.hours(v.timebank_minutes)),
        ),
    )
    return Section("volunteering", N_("Volunteers and time bank"), (table,))


def growth_section(f: SocialReportFigures, w: Writer) -> Section:
    g = f.growth
    tables = [
        Table(
            N_("New co-ops in the year"),
            (MEASURE, FIGURE),
            _rows(
                (N_("New co-ops proposed"), w.count(g.spinoffs_proposed)),
                (N_("New co-ops founded"), w.count(g.spinoffs_founded)),
                (N_("Co-ops founded by ours since it began"), w.count(g.founded_ever)),
            ),
        )
    ]
    if g.founded:
        tables.append(
            Table(
                N_("The co-ops founded in the year"),
                (N_("Co-op"), N_("Founded on")),
                tuple(Row(c.name, (w.day(c.founded_on),), "text") for c in g.founded),
            )
        )
    return Section("growth", N_("Growth"), tuple(tables))


SECTION_BUILDERS: tuple[Callable[[SocialReportFigures, Writer], Section], ...] = (
    membership_section,
    services_section,
    workforce_section,
    volunteering_section,
    growth_section,
)

# The narrative sections with no table of their own, before and after them.
INTRODUCTION = ("introduction", N_("Introduction"))
OUTLOOK = ("outlook", N_("Looking ahead"))
NETWORK_HEADING = N_("How we compare with the network")


def report_sections(figures: SocialReportFigures, locale: str) -> list[Section]:
    """The report's sections in order, each figure written for ``locale``."""
    writer = Writer(locale)
    return [
        Section(*INTRODUCTION, ()),
        *(build(figures, writer) for build in SECTION_BUILDERS),
        Section(*OUTLOOK, ()),
    ]


def network_section(
    comparison: NetworkComparison | None, locale: str
) -> Section | None:
    """The "how we compare with the network" section, from the consortium's
    mirror of the year's last month the node holds, as the board's network page
    writes it; a figure over fewer than 5 co-ops is withheld (a dash)."""
    if comparison is None:
        return None
    rows = []
    for compared in comparison.comparisons:
        written = shown(compared, locale)
        withheld = bool(written.withheld)
        middle_half = NOTHING if withheld else f"{written.p25} - {written.p75}"
        rows.append(
            Row(
                written.name,
                (
                    written.own or NOTHING,
                    middle_half,
                    written.p50 or NOTHING,
                    NOTHING if withheld else f"{written.rank}%",
                ),
            )
        )
    month = format_date(
        dt.date.fromisoformat(comparison.period + "-01"), "MMMM y", locale=locale
    )
    table = Table(
        N_("Compared with the consortium's co-ops (a dash: fewer than 5 had it)"),
        (
            N_("Figure"),
            N_("Our co-op"),
            N_("Middle half of co-ops"),
            N_("The co-op in the middle"),
            N_("Co-ops below ours"),
        ),
        (Row(N_("Month compared"), (month, "", "", "")), *rows),
    )
    return Section("network", NETWORK_HEADING, (table,))
