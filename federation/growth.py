"""The growth report: the lineage tree of co-ops (who spun off whom, when), each
co-op's age and size, and the co-ops over a year old that have sent no runner yet.

Lineage comes from the consortium registry, which recorded each parent when it
provisioned the spin-off; age and size come from what the co-ops shared (the
membership projection). A co-op that reports but was never registered (one that
predates the registry) is a root of the tree.
"""

import datetime as dt
from collections.abc import Sequence

import msgspec

from federation.coop_page import only
from federation.registry import Lineage
from federation.suppression import People, publish
from toolkit.storage import Cursor

YEAR = dt.timedelta(days=365)


class CoopGrowth(msgspec.Struct, frozen=True):
    coop_id: str
    name: str
    parent: str | None
    depth: int  # 0 for a root of the tree
    spun_off_on: dt.date | None
    founded_on: dt.date | None  # None until its coop.founded event arrives
    age_days: int
    members: People
    runners_sent: int  # co-ops spun off from this one
    suspended: bool


class GrowthReport(msgspec.Struct, frozen=True):
    coops: list[CoopGrowth]  # the tree, depth first: each co-op before its children
    no_runner_yet: list[str]  # ids of co-ops over a year old with no spin-off


def growth_report(
    cursor: Cursor,
    lineage: Sequence[Lineage],
    today: dt.date | None = None,
    coops: Sequence[str] | None = None,
) -> GrowthReport:
    """The tree is walked whole (it is the network's shape); it lists the co-ops
    of ``coops`` only (every co-op for None), in the tree's order."""
    today = today or dt.date.today()
    listed = None if coops is None else set(coops)
    where, page_ids = only(coops)
    founded: dict[str, tuple[str, dt.date]] = {
        row["coop_id"]: (row["name"], dt.date.fromisoformat(row["founded_on"]))
        for row in cursor.execute(
            "SELECT coop_id, name, founded_on FROM coops"
        ).fetchall()
    }
    size = {
        row["coop_id"]: int(row["n"])
        for row in cursor.execute(
            f"SELECT coop_id, SUM(admitted) AS n FROM member_counts WHERE {where} "
            "GROUP BY coop_id",
            page_ids,
        ).fetchall()
    }
    registered = {entry.coop_id: entry for entry in lineage}
    ids = sorted(set(founded) | set(registered))
    parent = {
        coop_id: registered[coop_id].parent
        if coop_id in registered and registered[coop_id].parent in ids
        else None
        for coop_id in ids
    }

    def started(coop_id: str) -> dt.date:
        if coop_id in founded:
            return founded[coop_id][1]
        return registered[coop_id].registered_on

    # Each co-op's children in the order they are shown: the eldest first.
    children: dict[str | None, list[str]] = {}
    for coop_id in sorted(ids, key=lambda c: (started(c), c)):
        children.setdefault(parent[coop_id], []).append(coop_id)
    no_kids: list[str] = []

    def name_of(coop_id: str) -> str:
        if coop_id in founded:
            return founded[coop_id][0]
        return registered[coop_id].name

    shown: list[CoopGrowth] = []
    overdue: list[str] = []

    def visit(coop_id: str, depth: int) -> None:
        entry = registered.get(coop_id)
        kids = children.get(coop_id, no_kids)
        if (today - started(coop_id)).days > YEAR.days and not kids:
            overdue.append(coop_id)
        if listed is not None and coop_id not in listed:
            for kid in kids:
                visit(kid, depth + 1)
            return
        shown.append(
            CoopGrowth(
                coop_id=coop_id,
                name=name_of(coop_id),
                parent=parent[coop_id],
                depth=depth,
                spun_off_on=entry.registered_on if entry and parent[coop_id] else None,
                founded_on=founded[coop_id][1] if coop_id in founded else None,
                age_days=(today - started(coop_id)).days,
                members=size.get(coop_id, 0),
                runners_sent=len(kids),
                suspended=bool(entry and entry.suspended),
            )
        )
        for kid in kids:
            visit(kid, depth + 1)

    for root in children.get(None, []):
        visit(root, 0)
    return GrowthReport(coops=shown, no_runner_yet=sorted(overdue))


def render_growth(growth: GrowthReport) -> list[str]:
    """The lineage tree as indented text lines, for the published report table
    (a co-op's members below 5 read "<5")."""
    lines = ["Growth (lineage: who spun off whom)"]
    for coop in publish(growth).coops:
        since = f", spun off {coop.spun_off_on.isoformat()}" if coop.spun_off_on else ""
        flags = " [suspended]" if coop.suspended else ""
        lines.append(
            f"{'  ' * coop.depth}{'└ ' if coop.depth else ''}{coop.name} "
            f"({coop.coop_id}): {coop.members} members, {coop.age_days} days old"
            f"{since}, runners sent {coop.runners_sent}{flags}"
        )
    if growth.no_runner_yet:
        lines.append(
            "Over a year old, no runner sent yet: " + ", ".join(growth.no_runner_yet)
        )
    return lines
