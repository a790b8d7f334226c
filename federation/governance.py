"""Governance projection: ballots held, turnout by class, boards against their rules.

Built only from the ``governance`` stream, which carries results and counts, never a
vote or a voter.
"""

import json
from collections.abc import Callable, Sequence

import msgspec

from federation.coop_page import only
from federation.projection import Projection, Sums
from federation.suppression import People
from schemas import Envelope, Payload
from schemas import governance as g
from toolkit.storage import Cursor


class GovernanceProjection(Projection):
    TABLES = (
        "CREATE TABLE IF NOT EXISTS gov_ballots ("
        "coop_id TEXT NOT NULL, ballot TEXT NOT NULL, kind TEXT NOT NULL, "
        "secret INTEGER NOT NULL, closed_on TEXT NOT NULL, quorate INTEGER NOT NULL, "
        "passed INTEGER, PRIMARY KEY (coop_id, ballot))",
        "CREATE TABLE IF NOT EXISTS gov_turnout ("
        "coop_id TEXT NOT NULL, ballot TEXT NOT NULL, member_class TEXT NOT NULL, "
        "electorate INTEGER NOT NULL, voted INTEGER NOT NULL, "
        "PRIMARY KEY (coop_id, ballot, member_class))",
        "CREATE TABLE IF NOT EXISTS gov_boards ("
        "coop_id TEXT PRIMARY KEY, board TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS gov_rules ("
        "coop_id TEXT PRIMARY KEY, rules TEXT NOT NULL)",
        # Totals by co-op (and class), kept as ballots close, so a report reads a
        # few rows per co-op; FILLS fills them from the tables above when new
        # beside an older store.
        "CREATE TABLE IF NOT EXISTS gov_totals ("
        "coop_id TEXT PRIMARY KEY, ballots INTEGER NOT NULL, "
        "quorate INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS gov_class_turnout ("
        "coop_id TEXT NOT NULL, member_class TEXT NOT NULL, "
        "electorate INTEGER NOT NULL, voted INTEGER NOT NULL, "
        "PRIMARY KEY (coop_id, member_class))",
        # The network's turnout by class (FILLS fills it when new beside an older
        # store), so that a report by page of co-ops reads a row a class.
        # Whether each co-op's board breaks its rules, judged whenever either
        # changes, so that the network's list of co-ops out of compliance is one
        # indexed read rather than every board against every rule book.
        "CREATE TABLE IF NOT EXISTS gov_compliance ("
        "coop_id TEXT PRIMARY KEY, breaching INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS gov_network_turnout ("
        "member_class TEXT PRIMARY KEY, electorate INTEGER NOT NULL, "
        "voted INTEGER NOT NULL)",
    )
    FILLS = (
        (
            "gov_totals",
            "INSERT INTO gov_totals (coop_id, ballots, quorate) "
            "SELECT coop_id, COUNT(*), SUM(quorate) FROM gov_ballots "
            "GROUP BY coop_id",
        ),
        (
            "gov_class_turnout",
            "INSERT INTO gov_class_turnout (coop_id, member_class, electorate, voted) "
            "SELECT coop_id, member_class, SUM(electorate), SUM(voted) "
            "FROM gov_turnout GROUP BY coop_id, member_class",
        ),
        ("gov_compliance", lambda cursor: _judge_boards(cursor, None)),
        (
            "gov_network_turnout",
            "INSERT INTO gov_network_turnout (member_class, electorate, voted) "
            "SELECT member_class, SUM(electorate), SUM(voted) "
            "FROM gov_class_turnout GROUP BY member_class",
        ),
    )

    def __init__(self) -> None:
        self.totals = Sums("gov_totals", ("coop_id",), ("ballots", "quorate"))
        self.turnout = Sums(
            "gov_class_turnout", ("coop_id", "member_class"), ("electorate", "voted")
        )
        self.network_turnout = Sums(
            "gov_network_turnout", ("member_class",), ("electorate", "voted")
        )
        self.sums = (self.totals, self.turnout, self.network_turnout)

    def apply(self, cursor: Cursor, envelope: Envelope, payload: Payload) -> None:
        handler = self._handlers.get(type(payload))
        if handler is not None:
            handler(self, cursor, envelope.coop_id, payload)

    def _ballot_closed(self, c: Cursor, coop_id: str, p: g.BallotClosed) -> None:
        c.execute(
            "INSERT INTO gov_ballots (coop_id, ballot, kind, secret, closed_on, "
            "quorate, passed) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (coop_id, ballot) DO NOTHING",
            (
                coop_id,
                p.ballot,
                p.kind,
                int(p.secret),
                p.closed_on.isoformat(),
                int(p.quorate),
                None if p.passed is None else int(p.passed),
            ),
        )
        self.totals.add((coop_id,), 1, int(p.quorate))
        for member_class, electorate in p.electorate_by_class.items():
            c.execute(
                "INSERT INTO gov_turnout (coop_id, ballot, member_class, electorate, "
                "voted) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (coop_id, ballot, member_class) DO NOTHING",
                (
                    coop_id,
                    p.ballot,
                    member_class,
                    electorate,
                    p.voted_by_class.get(member_class, 0),
                ),
            )
            voted = p.voted_by_class.get(member_class, 0)
            self.turnout.add((coop_id, member_class), electorate, voted)
            self.network_turnout.add((member_class,), electorate, voted)

    def _board_elected(self, c: Cursor, coop_id: str, p: g.BoardElected) -> None:
        self._upsert(c, "gov_boards", "board", coop_id, p.board_by_class)
        self._upsert(c, "gov_rules", "rules", coop_id, msgspec.to_builtins(p.rules))
        _judge_boards(c, [coop_id])

    def _rules_amended(self, c: Cursor, coop_id: str, p: g.RulesAmended) -> None:
        self._upsert(c, "gov_rules", "rules", coop_id, msgspec.to_builtins(p.rules))
        _judge_boards(c, [coop_id])

    def _upsert(
        self, c: Cursor, table: str, column: str, coop_id: str, value: object
    ) -> None:
        c.execute(
            f"INSERT INTO {table} (coop_id, {column}) VALUES (?, ?) "
            f"ON CONFLICT (coop_id) DO UPDATE SET {column} = excluded.{column}",
            (coop_id, json.dumps(value, sort_keys=True)),
        )

    _handlers: dict[type[Payload], Callable[..., None]] = {
        g.BallotClosed: _ballot_closed,
        g.BoardElected: _board_elected,
        g.RulesAmended: _rules_amended,
    }


class Turnout(msgspec.Struct, frozen=True):
    electorate: People
    voted: People


class CoopGovernance(msgspec.Struct, frozen=True):
    coop_id: str
    ballots: int
    quorate: int
    turnout_by_class: dict[str, Turnout]  # summed over every closed ballot
    board_by_class: dict[str, int]
    board_rules: g.BoardRules | None
    breaches: list[str]

    @property
    def compliant(self) -> bool:
        return not self.breaches


class GovernanceReport(msgspec.Struct, frozen=True):
    coops: list[CoopGovernance]
    ballots: int
    quorate: int
    quorate_share: float | None  # share of closed ballots that reached quorum
    out_of_compliance: list[str]
    # Electors and votes of every co-op's closed ballots, summed by class.
    turnout_by_class: dict[str, Turnout] = msgspec.field(default_factory=dict)


def board_breaches(board: dict[str, int], rules: g.BoardRules) -> list[str]:
    """Why a board (seats held by class) breaks its co-op's board rules."""
    reasons = []
    for member_class, held in sorted(board.items()):
        seats = rules.seats.get(member_class, 0)
        if held > seats:
            reasons.append(f"{member_class} holds {held} seats; rules give {seats}")
        most = rules.board_max.get(member_class)
        if most is not None and held > most:
            reasons.append(f"{member_class} holds {held} seats; at most {most}")
    if sum(board.values()) > rules.board_size:
        reasons.append(
            f"board of {sum(board.values())} is above its size {rules.board_size}"
        )
    return reasons


def governance_report(
    cursor: Cursor, coops: Sequence[str] | None = None
) -> GovernanceReport:
    """The co-ops of ``coops`` (every co-op for None) one by one; the network's
    ballots summed by the database, and every co-op's board checked against its
    rules (a few rows a co-op) for the list of those out of compliance."""
    where, ids = only(coops)
    ballots = cursor.execute(
        f"SELECT coop_id, ballots AS n, quorate AS q FROM gov_totals WHERE {where}",
        ids,
    ).fetchall()
    turnout = cursor.execute(
        "SELECT coop_id, member_class, electorate AS e, voted AS v "
        f"FROM gov_class_turnout WHERE {where}",
        ids,
    ).fetchall()
    boards = _boards(cursor, coops)
    rules = _rules(cursor, coops)
    counts = {r["coop_id"]: (int(r["n"]), int(r["q"] or 0)) for r in ballots}
    by_class: dict[str, dict[str, Turnout]] = {}
    for r in turnout:
        by_class.setdefault(r["coop_id"], {})[r["member_class"]] = Turnout(
            int(r["e"]), int(r["v"])
        )
    rows = []
    for coop_id in sorted(set(counts) | set(boards) | set(rules)):
        board = boards.get(coop_id, {})
        coop_rules = rules.get(coop_id)
        rows.append(
            CoopGovernance(
                coop_id=coop_id,
                ballots=counts.get(coop_id, (0, 0))[0],
                quorate=counts.get(coop_id, (0, 0))[1],
                turnout_by_class=dict(sorted(by_class.get(coop_id, {}).items())),
                board_by_class=board,
                board_rules=coop_rules,
                breaches=board_breaches(board, coop_rules) if coop_rules else [],
            )
        )
    network = cursor.execute(
        "SELECT SUM(ballots) AS n, SUM(quorate) AS q FROM gov_totals"
    ).fetchone()
    held, quorate = int(network["n"] or 0), int(network["q"] or 0)
    turnout_by_class = {
        r["member_class"]: Turnout(int(r["e"]), int(r["v"]))
        for r in cursor.execute(
            "SELECT member_class, electorate AS e, voted AS v FROM gov_network_turnout"
        ).fetchall()
    }
    breaching = cursor.execute(
        "SELECT coop_id FROM gov_compliance WHERE breaching = 1 ORDER BY coop_id"
    ).fetchall()
    return GovernanceReport(
        coops=rows,
        ballots=held,
        quorate=quorate,
        quorate_share=round(quorate / held, 4) if held else None,
        out_of_compliance=[r["coop_id"] for r in breaching],
        turnout_by_class=dict(sorted(turnout_by_class.items())),
    )


def _judge_boards(cursor: Cursor, coops: Sequence[str] | None) -> None:
    """Record whether the boards of ``coops`` (every co-op for None) break their
    rules; a co-op with rules and no board yet is judged by an empty board."""
    boards, rules = _boards(cursor, coops), _rules(cursor, coops)
    cursor.executemany(
        "INSERT INTO gov_compliance (coop_id, breaching) VALUES (?, ?) "
        "ON CONFLICT (coop_id) DO UPDATE SET breaching = excluded.breaching",
        [
            (coop_id, int(bool(board_breaches(boards.get(coop_id, {}), coop_rules))))
            for coop_id, coop_rules in sorted(rules.items())
        ],
    )


def _boards(cursor: Cursor, coops: Sequence[str] | None) -> dict[str, dict[str, int]]:
    where, ids = only(coops)
    rows = cursor.execute(
        f"SELECT coop_id, board FROM gov_boards WHERE {where}", ids
    ).fetchall()
    board = msgspec.json.Decoder(dict[str, int])  # several times json's speed
    return {r["coop_id"]: board.decode(r["board"]) for r in rows}


def _rules(cursor: Cursor, coops: Sequence[str] | None) -> dict[str, g.BoardRules]:
    where, ids = only(coops)
    rows = cursor.execute(
        f"SELECT coop_id, rules FROM gov_rules WHERE {where}", ids
    ).fetchall()
    decoded: dict[str, g.BoardRules] = {}  # co-ops of one profile share rules
    for r in rows:
        if r["rules"] not in decoded:
            decoded[r["rules"]] = msgspec.json.decode(r["rules"], type=g.BoardRules)
    return {r["coop_id"]: decoded[r["rules"]] for r in rows}
