"""Time-bank and volunteer-expense projection and report.

Hours earned are minutes credited to members' accounts, hours spent minutes debited
from them; transfers with the co-op's pool count on the member's side only. The sum
of every balance in a co-op's bank is reported too: double entry keeps it at zero,
so anything else means a broken ledger.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from federation.coop_page import only
from federation.projection import Projection, Sums, month_of
from federation.suppression import People
from schemas import Envelope, Payload
from schemas import timebank as t
from toolkit.storage import Cursor, group_rows

OUTSTANDING = ("claimed", "approved")


class TimebankProjection(Projection):
    TABLES = (
        "CREATE TABLE IF NOT EXISTS timebank_accounts ("
        "coop_id TEXT NOT NULL, account TEXT NOT NULL, kind TEXT NOT NULL, "
        "balance BIGINT NOT NULL DEFAULT 0, entries INTEGER NOT NULL DEFAULT 0, "
        "PRIMARY KEY (coop_id, account))",
        # The network's hours check reads the few clearing and transit accounts
        # among every member's (federation.hours_between_coops): partial, so a
        # member's entries never touch it.
        "CREATE INDEX IF NOT EXISTS timebank_accounts_between_coops "
        "ON timebank_accounts (kind) WHERE kind IN ('clearing', 'transit')",
        "CREATE TABLE IF NOT EXISTS timebank_months ("
        "coop_id TEXT NOT NULL, month TEXT NOT NULL, "
        "earned BIGINT NOT NULL DEFAULT 0, spent BIGINT NOT NULL DEFAULT 0, "
        "PRIMARY KEY (coop_id, month))",
        "CREATE TABLE IF NOT EXISTS expense_claims ("
        "coop_id TEXT NOT NULL, claim TEXT NOT NULL, category TEXT NOT NULL, "
        "amount BIGINT NOT NULL, claimed_on TEXT NOT NULL, status TEXT NOT NULL, "
        "PRIMARY KEY (coop_id, claim))",
        # Outstanding claims are read by status: a few among many paid.
        "CREATE INDEX IF NOT EXISTS expense_claims_by_status "
        "ON expense_claims (status, coop_id, claimed_on)",
        # Totals by co-op, kept as accounts and claims change, so a report reads a
        # few rows per co-op; FILLS fills them from the tables above when new
        # beside an older store.
        "CREATE TABLE IF NOT EXISTS timebank_totals ("
        "coop_id TEXT PRIMARY KEY, members INTEGER NOT NULL, "
        "active INTEGER NOT NULL, balance BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS expense_totals ("
        "coop_id TEXT NOT NULL, status TEXT NOT NULL, claims INTEGER NOT NULL, "
        "amount BIGINT NOT NULL, PRIMARY KEY (coop_id, status))",
        # The network's claims by status, and its outstanding claims counted by
        # the day they were made: a report's ages (days since claimed, as of the
        # report's day) come from a few hundred days, not from every claim.
        "CREATE TABLE IF NOT EXISTS expense_network_totals ("
        "status TEXT PRIMARY KEY, claims INTEGER NOT NULL, amount BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS timebank_network_months ("
        "month TEXT PRIMARY KEY, earned BIGINT NOT NULL, spent BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS expense_outstanding_days ("
        "claimed_on TEXT PRIMARY KEY, claims INTEGER NOT NULL)",
    )
    FILLS = (
        (
            "timebank_totals",
            "INSERT INTO timebank_totals (coop_id, members, active, balance) "
            "SELECT coop_id, SUM(CASE WHEN kind = 'member' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN kind = 'member' AND entries > 0 THEN 1 ELSE 0 END), "
            "SUM(balance) FROM timebank_accounts "
            "GROUP BY coop_id",
        ),
        (
            "expense_totals",
            "INSERT INTO expense_totals (coop_id, status, claims, amount) "
            "SELECT coop_id, status, COUNT(*), SUM(amount) FROM expense_claims "
            "GROUP BY coop_id, status",
        ),
        (
            "timebank_network_months",
            "INSERT INTO timebank_network_months (month, earned, spent) "
            "SELECT month, SUM(earned), SUM(spent) FROM timebank_months "
            "GROUP BY month",
        ),
        (
            "expense_network_totals",
            "INSERT INTO expense_network_totals (status, claims, amount) "
            "SELECT status, COUNT(*), SUM(amount) FROM expense_claims GROUP BY status",
        ),
        (
            "expense_outstanding_days",
            "INSERT INTO expense_outstanding_days (claimed_on, claims) "
            "SELECT claimed_on, COUNT(*) FROM expense_claims "
            "WHERE status IN ('claimed', 'approved') GROUP BY claimed_on",
        ),
    )

    def __init__(self) -> None:
        self.accounts = Sums(
            "timebank_accounts",
            ("coop_id", "account"),
            ("balance", "entries"),
            also=("kind",),
        )
        self.months = Sums("timebank_months", ("coop_id", "month"), ("earned", "spent"))
        self.totals = Sums(
            "timebank_totals", ("coop_id",), ("members", "active", "balance")
        )
        self.claims = Sums(
            "expense_totals", ("coop_id", "status"), ("claims", "amount")
        )
        self.network_months = Sums(
            "timebank_network_months", ("month",), ("earned", "spent")
        )
        self.network_claims = Sums(
            "expense_network_totals", ("status",), ("claims", "amount")
        )
        self.outstanding_days = Sums(
            "expense_outstanding_days", ("claimed_on",), ("claims",)
        )
        self.sums = (
            self.accounts,
            self.months,
            self.totals,
            self.claims,
            self.network_months,
            self.network_claims,
            self.outstanding_days,
        )

    def apply(self, cursor: Cursor, envelope: Envelope, payload: Payload) -> None:
        handler = self._handlers.get(type(payload))
        if handler is not None:
            handler(self, cursor, envelope.coop_id, payload)

    def _opened(self, cur: Cursor, coop_id: str, p: t.AccountOpened) -> None:
        cur.execute(
            "INSERT INTO timebank_accounts (coop_id, account, kind) VALUES (?, ?, ?) "
            "ON CONFLICT (coop_id, account) DO NOTHING",
            (coop_id, p.account, p.kind),
        )
        if p.kind == "member":
            self.totals.add((coop_id,), 1, 0, 0)

    def _entry(self, cur: Cursor, coop_id: str, p: t.LedgerEntry) -> None:
        key = (coop_id, p.account)
        opened = active = False  # is this the account's first sight, first entry
        if p.kind == "member" and not self.accounts.holds(key):
            row = cur.execute(
                "SELECT entries FROM timebank_accounts "
                "WHERE coop_id = ? AND account = ?",
                key,
            ).fetchone()
            opened = row is None  # an entry before its opening: count it here
            active = row is None or not row["entries"]
        self.totals.add((coop_id,), int(opened), int(active), p.minutes)
        self.accounts.add(key, p.minutes, 1, also=(p.kind,))
        if p.kind == "member":
            earned, spent = (p.minutes, 0) if p.minutes > 0 else (0, -p.minutes)
            month = month_of(p.entered_on)
            self.months.add((coop_id, month), earned, spent)
            self.network_months.add((month,), earned, spent)

    def _claimed(self, cur: Cursor, coop_id: str, p: t.ExpenseClaimed) -> None:
        cur.execute(
            "INSERT INTO expense_claims "
            "(coop_id, claim, category, amount, claimed_on, status) "
            "VALUES (?, ?, ?, ?, ?, 'claimed') ON CONFLICT (coop_id, claim) DO NOTHING",
            (coop_id, p.claim, p.category, p.amount, p.claimed_on.isoformat()),
        )
        self.claims.add((coop_id, "claimed"), 1, p.amount)
        self.network_claims.add(("claimed",), 1, p.amount)
        self.outstanding_days.add((p.claimed_on.isoformat(),), 1)

    def _status(self, cur: Cursor, coop_id: str, claim: str, status: str) -> None:
        row = cur.execute(
            "SELECT status, amount, claimed_on FROM expense_claims "
            "WHERE coop_id = ? AND claim = ?",
            (coop_id, claim),
        ).fetchone()
        if row is not None and row["status"] != status:
            amount = int(row["amount"])
            self.claims.add((coop_id, row["status"]), -1, -amount)
            self.claims.add((coop_id, status), 1, amount)
            self.network_claims.add((row["status"],), -1, -amount)
            self.network_claims.add((status,), 1, amount)
            was, now = row["status"] in OUTSTANDING, status in OUTSTANDING
            self.outstanding_days.add((row["claimed_on"],), int(now) - int(was))
        cur.execute(
            "UPDATE expense_claims SET status = ? WHERE coop_id = ? AND claim = ?",
            (status, coop_id, claim),
        )

    def _approved(self, cur: Cursor, coop_id: str, p: t.ExpenseApproved) -> None:
        self._status(cur, coop_id, p.claim, "approved")

    def _rejected(self, cur: Cursor, coop_id: str, p: t.ExpenseRejected) -> None:
        self._status(cur, coop_id, p.claim, "rejected")

    def _paid(self, cur: Cursor, coop_id: str, p: t.ExpensePaid) -> None:
        self._status(cur, coop_id, p.claim, "paid")

    _handlers: dict[type[Payload], Callable[..., None]] = {
        t.AccountOpened: _opened,
        t.LedgerEntry: _entry,
        t.ExpenseClaimed: _claimed,
        t.ExpenseApproved: _approved,
        t.ExpenseRejected: _rejected,
        t.ExpensePaid: _paid,
    }


class TimebankMonth(msgspec.Struct, frozen=True):
    month: str
    earned: int  # minutes
    spent: int


class Expenses(msgspec.Struct, frozen=True):
    claimed: int  # amounts in minor units
    paid: int
    rejected: int
    outstanding_count: int
    outstanding_amount: int
    oldest_outstanding_days: int | None
    mean_outstanding_days: float | None


class CoopTimebank(msgspec.Struct, frozen=True):
    coop_id: str
    accounts: People
    active_accounts: People
    earned: int
    spent: int
    balance_sum: int  # always 0 in a sound ledger
    months: list[TimebankMonth]
    expenses: Expenses


class TimebankReport(msgspec.Struct, frozen=True):
    as_of: dt.date
    coops: list[CoopTimebank]
    accounts: People
    active_accounts: People
    earned: int
    spent: int
    expenses: Expenses


def timebank_report(
    cursor: Cursor, as_of: dt.date, coops: Sequence[str] | None = None
) -> TimebankReport:
    """The time banks and expenses of the co-ops of ``coops`` (every co-op for
    None) in a fixed number of grouped queries, and the network's, summed by the
    database over every co-op."""
    where, ids = only(coops)
    accounts = {
        r["coop_id"]: r
        for r in cursor.execute(
            "SELECT coop_id, members, active, balance AS balance_sum "
            f"FROM timebank_totals WHERE {where}",
            ids,
        ).fetchall()
    }
    months = group_rows(
        cursor.execute(
            f"SELECT coop_id, month, earned, spent FROM timebank_months WHERE {where} "
            "ORDER BY coop_id, month",
            ids,
        ).fetchall()
    )
    claims = group_rows(
        cursor.execute(
            f"SELECT coop_id, status, amount FROM expense_totals WHERE {where}", ids
        ).fetchall()
    )
    outstanding = {
        r["coop_id"]: r for r in _outstanding(cursor, as_of, where, ids).fetchall()
    }
    rows = []
    for coop_id in sorted(set(accounts) | set(claims)):
        coop_months = [
            TimebankMonth(r["month"], int(r["earned"]), int(r["spent"]))
            for r in months.get(coop_id, [])
        ]
        account = accounts.get(coop_id)
        rows.append(
            CoopTimebank(
                coop_id=coop_id,
                accounts=int(account["members"]) if account else 0,
                active_accounts=int(account["active"]) if account else 0,
                earned=sum(m.earned for m in coop_months),
                spent=sum(m.spent for m in coop_months),
                balance_sum=int(account["balance_sum"]) if account else 0,
                months=coop_months,
                expenses=_expenses(claims.get(coop_id, []), [outstanding.get(coop_id)]),
            )
        )
    banks = cursor.execute(
        "SELECT SUM(members) AS members, SUM(active) AS active FROM timebank_totals"
    ).fetchone()
    # Every co-op with hours has a time bank (an entry counts in its totals).
    hours = cursor.execute(
        "SELECT SUM(earned) AS earned, SUM(spent) AS spent FROM timebank_network_months"
    ).fetchone()
    return TimebankReport(
        as_of=as_of,
        coops=rows,
        accounts=int(banks["members"] or 0),
        active_accounts=int(banks["active"] or 0),
        earned=int(hours["earned"] or 0),
        spent=int(hours["spent"] or 0),
        expenses=_expenses(
            cursor.execute(
                "SELECT status, amount FROM expense_network_totals"
            ).fetchall(),
            [_network_outstanding(cursor, as_of)],
        ),
    )


def _network_outstanding(cursor: Cursor, as_of: dt.date) -> dict[str, int] | None:
    """The network's outstanding claims counted, with the oldest's age and their
    ages summed, as ``_outstanding`` gives them, from the claims counted by day."""
    days = [
        (
            max(0, (as_of - dt.date.fromisoformat(r["claimed_on"])).days),
            int(r["claims"]),
        )
        for r in cursor.execute(
            "SELECT claimed_on, claims FROM expense_outstanding_days WHERE claims > 0"
        ).fetchall()
    ]
    if not days:
        return None
    return {
        "n": sum(n for _, n in days),
        "oldest": max(age for age, _ in days),
        "days": sum(age * n for age, n in days),
    }


def _outstanding(
    cursor: Cursor, as_of: dt.date, where: str, ids: tuple[str, ...]
) -> Cursor:
    """Outstanding claims counted by co-op, with the oldest's age and their ages
    summed (days since claimed, as of the report)."""
    age = cursor.days_since("claimed_on")
    return cursor.execute(
        "SELECT coop_id, COUNT(*) AS n, MAX(age) AS oldest, SUM(age) AS days "
        f"FROM (SELECT coop_id, CASE WHEN {age} < 0 THEN 0 ELSE {age} END "
        f"AS age FROM expense_claims WHERE status IN (?, ?) AND {where}) "
        "AS outstanding GROUP BY coop_id",
        (as_of.isoformat(), as_of.isoformat(), *OUTSTANDING, *ids),
    )


def _expenses(claims: list[Any], outstanding: list[Any]) -> Expenses:
    """From amounts summed by status, and outstanding claims counted with their
    ages (days since claimed, as of the report) summed and the oldest."""
    amount = {status: 0 for status in ("paid", "rejected", *OUTSTANDING)}
    for row in claims:
        amount[row["status"]] = amount.get(row["status"], 0) + int(row["amount"])
    rows = [r for r in outstanding if r is not None]
    count = sum(int(r["n"]) for r in rows)
    return Expenses(
        claimed=sum(amount.values()),
        paid=amount["paid"],
        rejected=amount["rejected"],
        outstanding_count=count,
        outstanding_amount=sum(amount[status] for status in OUTSTANDING),
        oldest_outstanding_days=max(int(r["oldest"]) for r in rows) if count else None,
        mean_outstanding_days=(
            round(sum(int(r["days"]) for r in rows) / count, 1) if count else None
        ),
    )
