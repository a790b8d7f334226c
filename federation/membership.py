"""Membership projection: co-ops, pseudonymous members, monthly joiners and leavers."""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from federation.coop_page import only
from federation.projection import Projection, Sums, month_of
from federation.suppression import People
from schemas import Envelope, Payload
from schemas import membership as m
from toolkit.storage import Cursor


class MembershipProjection(Projection):
    TABLES = (
        "CREATE TABLE IF NOT EXISTS coops ("
        "coop_id TEXT PRIMARY KEY, name TEXT NOT NULL, profile TEXT NOT NULL, "
        "member_classes TEXT NOT NULL, founded_on TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS members ("
        "coop_id TEXT NOT NULL, member TEXT NOT NULL, member_class TEXT NOT NULL, "
        "status TEXT NOT NULL, shares BIGINT NOT NULL DEFAULT 0, "
        "PRIMARY KEY (coop_id, member))",
        "CREATE TABLE IF NOT EXISTS membership_months ("
        "coop_id TEXT NOT NULL, month TEXT NOT NULL, "
        "joiners INTEGER NOT NULL DEFAULT 0, leavers INTEGER NOT NULL DEFAULT 0, "
        "PRIMARY KEY (coop_id, month))",
        # Running totals, so that a report reads a few rows per co-op rather than
        # every member; FILLS fills them from the members table when they are new
        # beside an older store.
        "CREATE TABLE IF NOT EXISTS member_counts ("
        "coop_id TEXT NOT NULL, member_class TEXT NOT NULL, "
        "admitted INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (coop_id, member_class))",
        "CREATE TABLE IF NOT EXISTS coop_capital ("
        "coop_id TEXT PRIMARY KEY, shares BIGINT NOT NULL DEFAULT 0)",
        # The network's joiners and leavers by month, for a report by page of
        # co-ops (FILLS fills it from membership_months when new).
        "CREATE TABLE IF NOT EXISTS network_months ("
        "month TEXT PRIMARY KEY, joiners INTEGER NOT NULL DEFAULT 0, "
        "leavers INTEGER NOT NULL DEFAULT 0)",
    )
    FILLS = (
        (
            "network_months",
            "INSERT INTO network_months (month, joiners, leavers) "
            "SELECT month, SUM(joiners), SUM(leavers) FROM membership_months "
            "GROUP BY month",
        ),
        (
            "member_counts",
            "INSERT INTO member_counts (coop_id, member_class, admitted) "
            "SELECT coop_id, member_class, "
            "SUM(CASE WHEN status = 'admitted' THEN 1 ELSE 0 END) FROM members "
            "GROUP BY coop_id, member_class",
        ),
        (
            "coop_capital",
            "INSERT INTO coop_capital (coop_id, shares) "
            "SELECT coop_id, SUM(shares) FROM members "
            "GROUP BY coop_id",
        ),
    )

    def __init__(self) -> None:
        self.months = Sums(
            "membership_months", ("coop_id", "month"), ("joiners", "leavers")
        )
        self.classes = Sums("member_counts", ("coop_id", "member_class"), ("admitted",))
        self.capital = Sums("coop_capital", ("coop_id",), ("shares",))
        self.network = Sums("network_months", ("month",), ("joiners", "leavers"))
        self.sums = (self.months, self.classes, self.capital, self.network)
        # (coop_id, member) -> change in shares: it commutes, so it is summed
        # over the batch and written once.
        self._shares: dict[tuple[str, str], int] = {}
        # (coop_id, member) -> the member's row as the batch leaves it, written
        # once in ``flush`` instead of a statement per envelope (the largest cost
        # of a catch-up's ingest after the decoding).
        self._members: dict[tuple[str, str], MemberRow] = {}

    def apply(self, cursor: Cursor, envelope: Envelope, payload: Payload) -> None:
        handler = self._handlers.get(type(payload))
        if handler is not None:
            handler(self, cursor, envelope.coop_id, payload)

    def flush(self, cursor: Cursor) -> None:
        super().flush(cursor)
        # Members first: the shares below update their rows.
        rows = sorted(self._members.items())
        cursor.executemany(
            "INSERT INTO members (coop_id, member, member_class, status) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (coop_id, member) DO UPDATE "
            "SET member_class = excluded.member_class, status = excluded.status",
            [(*key, row.member_class, row.status) for key, row in rows if row.admitted],
        )
        cursor.executemany(
            "UPDATE members SET member_class = COALESCE(?, member_class), "
            "status = COALESCE(?, status) WHERE coop_id = ? AND member = ?",
            [
                (row.member_class, row.status, *key)
                for key, row in rows
                if not row.admitted
            ],
        )
        cursor.executemany(
            "UPDATE members SET shares = shares + ? WHERE coop_id = ? AND member = ?",
            [(delta, coop, member) for (coop, member), delta in self._shares.items()],
        )
        self.discard()

    def discard(self) -> None:
        super().discard()
        self._shares = {}
        self._members = {}

    def _founded(self, c: Cursor, coop_id: str, p: m.CoopFounded) -> None:
        c.execute(
            "INSERT INTO coops (coop_id, name, profile, member_classes, founded_on) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (coop_id) DO UPDATE SET "
            "name = excluded.name, profile = excluded.profile, "
            "member_classes = excluded.member_classes",
            (
                coop_id,
                p.name,
                p.profile,
                json.dumps(p.member_classes),
                p.founded_on.isoformat(),
            ),
        )

    def _admitted(self, c: Cursor, coop_id: str, p: m.MemberAdmitted) -> None:
        # An admission writes the whole row: what the batch did to it before
        # no longer matters.
        self._members[coop_id, p.member] = MemberRow(p.member_class, "admitted", True)
        self.months.add((coop_id, month_of(p.admitted_on)), 1, 0)  # a joiner
        self.network.add((month_of(p.admitted_on),), 1, 0)
        self.classes.add((coop_id, p.member_class), 1)

    def _class_changed(self, c: Cursor, coop_id: str, p: m.MemberClassChanged) -> None:
        self._member(coop_id, p.member).member_class = p.to_class
        self.classes.add((coop_id, p.from_class), -1)
        self.classes.add((coop_id, p.to_class), 1)

    def _withdrawn(self, c: Cursor, coop_id: str, p: m.MemberWithdrawn) -> None:
        self._member(coop_id, p.member).status = "withdrawn"
        self.months.add((coop_id, month_of(p.withdrawn_on)), 0, 1)  # a leaver
        self.network.add((month_of(p.withdrawn_on),), 0, 1)
        self.classes.add((coop_id, p.member_class), -1)

    def _member(self, coop_id: str, member: str) -> "MemberRow":
        """The batch's change to a member's row; a member the batch has not
        admitted is only updated, as before they may be unknown here."""
        row = self._members.get((coop_id, member))
        if row is None:
            row = self._members[coop_id, member] = MemberRow(None, None, False)
        return row

    def _shares_bought(self, c: Cursor, coop_id: str, p: m.SharesBought) -> None:
        self._add_shares(c, coop_id, p.member, p.amount)

    def _shares_redeemed(self, c: Cursor, coop_id: str, p: m.SharesRedeemed) -> None:
        self._add_shares(c, coop_id, p.member, -p.amount)

    def _add_shares(self, c: Cursor, coop_id: str, member: str, amount: int) -> None:
        key = (coop_id, member)
        self._shares[key] = self._shares.get(key, 0) + amount
        self.capital.add((coop_id,), amount)

    _handlers: dict[type[Payload], Callable[..., None]] = {
        m.CoopFounded: _founded,
        m.MemberAdmitted: _admitted,
        m.MemberClassChanged: _class_changed,
        m.MemberWithdrawn: _withdrawn,
        m.SharesBought: _shares_bought,
        m.SharesRedeemed: _shares_redeemed,
    }


@dataclass(slots=True)
class MemberRow:
    """A member's row as a batch leaves it: None leaves a column as it was."""

    member_class: str | None
    status: str | None
    admitted: bool  # the batch admitted them: the row is written whole


class CoopMembership(msgspec.Struct, frozen=True):
    coop_id: str
    name: str
    profile: str
    members_by_class: dict[str, People]
    members: People
    share_capital: int


class MonthMovement(msgspec.Struct, frozen=True):
    month: str
    joiners: People
    leavers: People


class MembershipReport(msgspec.Struct, frozen=True):
    coops: list[CoopMembership]
    members_by_class: dict[str, People]
    members: People
    share_capital: int
    months: list[MonthMovement]  # across the network
    coop_count: int = 0  # co-ops in the network, whatever page ``coops`` is
    # Share capital by the co-ops' rules profile (each profile has one currency).
    share_capital_by_profile: dict[str, int] = msgspec.field(default_factory=dict)


def membership_report(
    cursor: Cursor, coops: Sequence[str] | None = None
) -> MembershipReport:
    """The co-ops of ``coops`` (every co-op for None) one by one, and the network's
    totals over every co-op, summed by the database from the running totals."""
    where, ids = only(coops)
    coop_rows = _coop_rows(
        cursor.execute(
            "SELECT coop_id, name, profile, member_classes FROM coops "
            f"WHERE {where} ORDER BY coop_id",
            ids,
        ).fetchall(),
        cursor.execute(
            "SELECT coop_id, member_class, admitted AS n FROM member_counts "
            f"WHERE {where}",
            ids,
        ).fetchall(),
        cursor.execute(
            f"SELECT coop_id, shares AS total FROM coop_capital WHERE {where}", ids
        ).fetchall(),
    )
    months = sorted(
        cursor.execute("SELECT month, joiners, leavers FROM network_months").fetchall(),
        key=lambda r: r["month"],
    )
    # Only founded co-ops are counted, as each co-op's row needs its founding.
    founded = "coop_id IN (SELECT coop_id FROM coops)"
    totals = {
        name: 0
        for row in cursor.execute(
            "SELECT DISTINCT member_classes FROM coops"
        ).fetchall()
        for name in json.loads(row["member_classes"])
    }
    for row in cursor.execute(
        "SELECT member_class, SUM(admitted) AS n FROM member_counts "
        f"WHERE admitted <> 0 AND {founded} GROUP BY member_class"
    ).fetchall():
        totals[row["member_class"]] = int(row["n"])
    capital = {
        r["profile"]: int(r["total"] or 0)
        for r in cursor.execute(
            "SELECT c.profile, SUM(k.shares) AS total FROM coops c "
            "LEFT JOIN coop_capital k ON k.coop_id = c.coop_id GROUP BY c.profile"
        ).fetchall()
    }
    count = cursor.execute("SELECT COUNT(*) AS n FROM coops").fetchone()
    return MembershipReport(
        coops=coop_rows,
        members_by_class=dict(sorted(totals.items())),
        members=sum(totals.values()),
        share_capital=sum(capital.values()),
        months=[
            MonthMovement(r["month"], int(r["joiners"]), int(r["leavers"]))
            for r in months
        ],
        coop_count=int(count["n"]),
        share_capital_by_profile=dict(sorted(capital.items())),
    )


def _coop_rows(
    coops: list[Any], counts: list[Any], capital: list[Any]
) -> list[CoopMembership]:
    by_coop: dict[str, dict[str, int]] = {}
    for row in counts:
        if not row["n"]:
            continue  # everyone of that class has left: as if never counted
        by_coop.setdefault(row["coop_id"], {})[row["member_class"]] = int(row["n"])
    capital_by_coop = {row["coop_id"]: int(row["total"] or 0) for row in capital}
    coop_rows = []
    for row in coops:
        classes = {name: 0 for name in json.loads(row["member_classes"])}
        classes.update(by_coop.get(row["coop_id"], {}))
        coop_rows.append(
            CoopMembership(
                coop_id=row["coop_id"],
                name=row["name"],
                profile=row["profile"],
                members_by_class=classes,
                members=sum(classes.values()),
                share_capital=capital_by_coop.get(row["coop_id"], 0),
            )
        )
    return coop_rows
