"""The network's mirror in words: what each compared figure is, for a lay
reader, and each figure written the way a locale writes it; shared by the
board's page (node.http.network) and the social report.
"""

import msgspec
from babel.numbers import format_decimal, format_percent

from schemas.mirror import Comparison
from toolkit.web.i18n import N_

# What each figure is, for a lay reader; the template translates them.
METRIC_NAMES = {
    "missed_visit_rate": N_("Visits missed (last 12 months)"),
    "outcome_change": N_("Change in how well people manage their goals"),
    "continuity": N_("People seen by no more than two carers (latest month)"),
    "turnover": N_("Staff who left, over a year"),
    "turnout": N_("Members who voted in ballots"),
    "volunteer_hours": N_("Volunteer hours on visits (last 12 months)"),
    "timebank_activity": N_("Time bank accounts in use"),
}
# Shares are shown as percentages; the others as numbers.
SHARES = {
    "missed_visit_rate",
    "continuity",
    "turnover",
    "turnout",
    "timebank_activity",
}


class Shown(msgspec.Struct, frozen=True):
    """One comparison as the page writes it, in the reader's locale."""

    metric: str
    name: str
    own: str
    p25: str
    p50: str
    p75: str
    rank: str
    withheld: str


def shown(comparison: Comparison, locale: str) -> Shown:
    def text(value: float | None) -> str:
        if value is None:
            return ""
        if comparison.metric in SHARES:
            return str(format_percent(value, "#,##0.#%", locale=locale))
        if comparison.metric == "outcome_change":
            return str(format_decimal(value, "+#,##0.0#;-#,##0.0#", locale=locale))
        return str(format_decimal(value, "#,##0.#", locale=locale))

    return Shown(
        metric=comparison.metric,
        name=METRIC_NAMES[comparison.metric],
        own=text(comparison.own),
        p25=text(comparison.p25),
        p50=text(comparison.p50),
        p75=text(comparison.p75),
        rank="" if comparison.rank is None else str(round(comparison.rank)),
        withheld=comparison.withheld,
    )
