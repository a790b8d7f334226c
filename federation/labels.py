"""Human names for the ids a report holds (member classes, service types, rules
profiles) and the units its figures are shown in. The consortium does not import
the node, so the names it shows live here; an id missing from the map is shown
tidied ("home_help" as "Home help"), never raw."""

from collections.abc import Iterable

LABELS = {
    # column names of the figures
    "coop": "Co-op",
    "coop_id": "Co-op id",
    "member_class": "Member class",
    "service_type": "Service type",
    "share_capital": "Share capital",
    "turnout_percent": "Turnout (%)",
    "missed_rate": "Missed-visit rate",
    "performance_change": "Outcome change (performance)",
    "satisfaction_change": "Outcome change (satisfaction)",
    "turnover": "Staff turnover",
    "leavers_12m": "Leavers, last 12 months",
    "timebank_hours": "Time-bank hours earned",
    "claims_due": "Expense claims due",
    "amount_due": "Amount due",
    "oldest_claim_days": "Oldest claim (days)",
    "type_b_target": "Type B 30% target",
    "board_compliance": "Board",
    "plans_ended": "Care plans ended",
    "residential_care": "Ended in residential care",
    "stayed_home_share": "Helped to stay at home",
    "mean_carers": "Different carers per person",
    "seen_by_few_share": "Seen by 1 or 2 carers",
    "compliance_rate": "Compliant carers",
    "weekly_hours": "Hours a week",
    "circle_members": "Members in circles",
    "members_per_circle": "Members per circle",
    "exchanges_settled": "Exchanges settled",
    "council_commission": "Council commission",
    "direct_payment": "Direct payment",
    "independent_service_fund": "Independent Service Fund",
    "self_funded": "Self-funded",
    # member classes
    "service_user": "Service user",
    "worker": "Worker",
    "volunteer": "Volunteer",
    "supporter": "Supporter",
    "financer": "Financing member",
    "investor": "Investor",
    "user": "User member",
    # service types
    "personal_care": "Personal care",
    "cleaning": "Cleaning",
    "gardening_maintenance": "Gardening and maintenance",
    "transport": "Transport",
    "advocacy_welfare_advice": "Advocacy and welfare advice",
    "meals_shopping": "Meals and shopping",
    "befriending": "Befriending",
    # rules profiles
    "uk_multi_stakeholder": "UK multi-stakeholder co-op",
    "italy_type_a": "Italy, type A social co-op",
    "italy_type_b": "Italy, type B social co-op",
    "somerset_weighted": "Somerset rules, weighted votes",
    "quebec_solidarity": "Québec solidarity co-op",
}

# The currency a profile's co-ops keep their accounts in, by its id's prefix.
CURRENCIES = {"uk_": "£", "somerset_": "£", "italy_": "€", "quebec_": "CA$"}


def label(key: str) -> str:
    """The human name of ``key``: from the map, else the id tidied."""
    if key in LABELS:
        return LABELS[key]
    words = key.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def currency(profile: str) -> str:
    """The currency symbol of a co-op of ``profile``; "" where not known."""
    for prefix, symbol in CURRENCIES.items():
        if profile.startswith(prefix):
            return symbol
    return ""


def money(minor_units: int, symbol: str = "") -> str:
    """An amount in minor units as "€1,336.00": one format wherever it is shown."""
    return f"{symbol}{minor_units / 100:,.2f}"


def money_by_currency(amounts: Iterable[tuple[str, int]]) -> str:
    """(symbol, minor units) pairs summed per currency: amounts in different
    currencies are never added together."""
    totals: dict[str, int] = {}
    for symbol, amount in amounts:
        totals[symbol] = totals.get(symbol, 0) + amount
    return " + ".join(money(n, s) for s, n in sorted(totals.items())) or money(0)


def hours(minutes: int) -> str:
    """Minutes as hours, the one unit for time on the dashboard."""
    return f"{minutes / 60:,.1f} h"


def percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate:.0%}"
