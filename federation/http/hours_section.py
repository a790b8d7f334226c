"""The dashboard's section on hours between co-ops
(``federation.hours_between_coops``): per pair of co-ops, hours and counts of
transfers only (hours are not people: nothing here is suppressed), and the
network's check that its clearing and transit accounts sum to the hours still
held for other co-ops."""

from collections.abc import Callable
from typing import Any

from federation.http.figures import Figure
from federation.labels import hours
from toolkit.web.i18n import N_


def hours_section_parts(
    between: Any, coop: Callable[[str], str]
) -> tuple[list[tuple[str, object]], list[Figure]]:
    """The section's totals and its figure, from the published view's part."""
    totals: list[tuple[str, object]] = [
        (N_("Hours confirmed between co-ops"), hours(between.confirmed_minutes)),
        (N_("Transfers confirmed"), between.confirmed),
        (N_("Transfers refunded"), between.refunded),
        (N_("Transfers in flight"), between.in_flight),
        (N_("Hours in flight"), hours(between.in_flight_minutes)),
        (N_("Hours held for other co-ops"), hours(between.held_minutes)),
        (
            N_("Clearing and transit accounts, summed over every co-op"),
            hours(between.clearing_and_transit),
        ),
        (
            N_("Network check"),
            N_("They agree")
            if between.agree
            else N_("They differ: a ledger or a relay is wrong"),
        ),
    ]
    figure = Figure(
        "hours-between-coops",
        N_("Hours between co-ops, by payer and payee"),
        [
            "payer",
            "payee",
            "hours_confirmed",
            "transfers_confirmed",
            "transfers_refunded",
            "transfers_in_flight",
            "hours_in_flight",
        ],
        [
            [
                coop(p.payer),
                coop(p.payee),
                hours(p.confirmed_minutes),
                p.confirmed,
                p.refunded,
                p.in_flight,
                hours(p.in_flight_minutes),
            ]
            for p in between.pairs
        ],
        None,
    )
    return totals, [figure]
