"""Hours between co-ops: what co-ops paid each other in time-bank hours through
the consortium (``federation.hours_exchange``), and the network's check that no
hours were made or lost on the way.

Per pair of co-ops (payer -> payee) only hours and counts of transfers are
shown: hours are not people, and a transfer carries nothing about the person
it was for, so nothing here is a count of people to suppress (a pair's count of
transfers may well be small, and says no more than its hours).

The check: every co-op's ledger sums to zero (double entry), so over the
network the clearing and transit accounts (``schemas.timebank``) sum to what
is still held at payers for other co-ops: hours sent and not yet answered, and
hours refused (or answered for an unknown co-op) and not yet refunded. Hours
the payee took sit in its clearing account against the payer's transit until
the payer confirms, and cancel out. So the two figures agree, and both are
zero when nothing is in flight; a difference means a ledger or a relay is
wrong (or a co-op's data is still on its way).
"""

from collections.abc import Callable, Sequence

import msgspec

from federation.coop_page import only
from toolkit.storage import Cursor


class HoursPair(msgspec.Struct, frozen=True):
    payer: str
    payee: str
    confirmed_minutes: int
    confirmed: int  # transfers
    refunded: int
    in_flight: int  # sent and not yet settled by the payer
    in_flight_minutes: int


class HoursBetweenCoops(msgspec.Struct, frozen=True):
    pairs: list[HoursPair] = []
    confirmed_minutes: int = 0
    confirmed: int = 0
    refunded: int = 0
    in_flight: int = 0
    in_flight_minutes: int = 0
    # Minutes held at payers for other co-ops (see the module's docstring).
    held_minutes: int = 0
    # The sum of every co-op's clearing and transit balances.
    clearing_and_transit: int = 0
    agree: bool = True


IN_FLIGHT = "state IN ('sent', 'answered')"
PAIR_SUMS = (
    "SUM(CASE WHEN state = 'confirmed' THEN minutes ELSE 0 END) AS confirmed_minutes, "
    "SUM(CASE WHEN state = 'confirmed' THEN 1 ELSE 0 END) AS confirmed, "
    "SUM(CASE WHEN state = 'refunded' THEN 1 ELSE 0 END) AS refunded, "
    f"SUM(CASE WHEN {IN_FLIGHT} THEN 1 ELSE 0 END) AS in_flight, "
    f"SUM(CASE WHEN {IN_FLIGHT} THEN minutes ELSE 0 END) AS in_flight_minutes"
)

# The network's clearing and transit balances: a few accounts a co-op among every
# member's, read by their own index (``timebank_accounts_between_coops``).
CLEARING_AND_TRANSIT = (
    "SELECT SUM(balance) AS minutes FROM timebank_accounts "
    "WHERE kind IN ('clearing', 'transit')"
)


def hours_between_coops(
    cursor: Cursor, coops: Sequence[str] | None = None
) -> HoursBetweenCoops:
    """The pairs whose payer is one of ``coops`` (every pair for None), and the
    network's figures over every co-op."""
    where, ids = only(coops, "payer")
    pairs = [
        HoursPair(
            payer=r["payer"],
            payee=r["payee"],
            confirmed_minutes=int(r["confirmed_minutes"]),
            confirmed=int(r["confirmed"]),
            refunded=int(r["refunded"]),
            in_flight=int(r["in_flight"]),
            in_flight_minutes=int(r["in_flight_minutes"]),
        )
        for r in cursor.execute(
            f"SELECT payer, payee, {PAIR_SUMS} FROM hours_transfers "
            f"WHERE {where} GROUP BY payer, payee",
            ids,
        ).fetchall()
    ]
    network = cursor.execute(f"SELECT {PAIR_SUMS} FROM hours_transfers").fetchone()
    held = cursor.execute(
        "SELECT SUM(minutes) AS minutes FROM hours_transfers WHERE state = 'sent' "
        "OR (state = 'answered' AND reason <> '')"
    ).fetchone()
    ledgers = cursor.execute(CLEARING_AND_TRANSIT).fetchone()
    held_minutes = int(held["minutes"] or 0)
    clearing_and_transit = int(ledgers["minutes"] or 0)
    return HoursBetweenCoops(
        # Sorted here, not by the database (collations differ, as coop_page says).
        pairs=sorted(pairs, key=lambda p: (p.payer, p.payee)),
        confirmed_minutes=int(network["confirmed_minutes"] or 0),
        confirmed=int(network["confirmed"] or 0),
        refunded=int(network["refunded"] or 0),
        in_flight=int(network["in_flight"] or 0),
        in_flight_minutes=int(network["in_flight_minutes"] or 0),
        held_minutes=held_minutes,
        clearing_and_transit=clearing_and_transit,
        agree=held_minutes == clearing_and_transit,
    )


Table = Callable[[list[str], list[list[str]]], list[str]]


def hours_table(
    hours: HoursBetweenCoops, table: Table, hours_text: Callable[[int], str]
) -> list[str]:
    """The text report's lines, drawn by its own ``table`` with hours written
    by ``hours_text``: each pair, then the network's check."""
    rows = [
        [
            f"{p.payer} -> {p.payee}",
            hours_text(p.confirmed_minutes),
            str(p.confirmed),
            str(p.refunded),
            str(p.in_flight),
            hours_text(p.in_flight_minutes),
        ]
        for p in hours.pairs
    ]
    return [
        "",
        "Hours between co-ops",
        *table(
            [
                "payer -> payee",
                "hours confirmed",
                "confirmed",
                "refunded",
                "in flight",
                "hours in flight",
            ],
            rows,
        ),
        f"Held for other co-ops: {hours_text(hours.held_minutes)}; clearing and "
        f"transit accounts sum to {hours_text(hours.clearing_and_transit)}: "
        + ("they agree" if hours.agree else "THEY DIFFER"),
    ]
