"""The federation report: the sum of its member consortia's latest published
reports, and the growth tree across them.

What "sum" means, exactly:

- Each consortium's figures are those of its latest snapshot (highest seq): a
  snapshot is whole, so the federation never adds one report to another of the
  same consortium.
- A figure that is not a count of people (minutes, visits, ballots, money) is
  the plain sum over consortia.
- A count of people comes up as published: an integer of at least 5, or "<5".
  The federation never un-suppresses: its figure is ``known`` (the sum of the
  integers) and ``suppressed_parts`` (how many consortia published "<5", each
  standing for 0 to 4 people). The true count is between ``known`` and
  ``known + 4 * suppressed_parts``. ``known`` is itself a person count, so the
  federation's published report suppresses it again below 5 (which it can only
  be when it is 0: each part is at least 5, the wire contract refuses less).
- A co-op that belongs to two consortia is counted in each consortium's report,
  so twice in the sum: nothing that reaches the federation can tell its members
  apart. The growth tree marks such a co-op (``also_in``).
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from federation.consortium_snapshots import Snapshot, latest_snapshots
from federation.ingest import ConsortiumViews
from federation.registry import Lineage
from federation.suppression import People, publish
from schemas.consortium import ConsortiumReportPublished, CoopLineage, PublishedCount


class SummedCount(msgspec.Struct, frozen=True):
    """A sum of published person counts (see the module's docstring)."""

    known: People
    suppressed_parts: int


class ConsortiumFigures(msgspec.Struct, frozen=True):
    """One member consortium's latest snapshot, as it came."""

    consortium_id: str
    name: str
    seq: int
    as_of: dt.date
    coop_count: int
    members: PublishedCount


class FederationTotals(msgspec.Struct, frozen=True):
    coop_count: int
    members: SummedCount
    members_by_class: dict[str, SummedCount]
    share_capital_by_profile: dict[str, int]
    care_minutes: int
    care_minutes_by_service: dict[str, int]
    visits_delivered: int
    visits_missed: int
    volunteer_minutes: int
    active_volunteers: SummedCount
    ballots: int
    quorate: int
    timebank_accounts: SummedCount
    timebank_earned: int
    timebank_spent: int
    workforce_headcount: SummedCount
    workforce_leavers_12m: SummedCount


class FederationCoop(msgspec.Struct, frozen=True):
    """One co-op in the federation's growth tree, under its consortium."""

    consortium_id: str
    coop_id: str
    name: str
    parent: str | None
    depth: int  # 0: a root of its consortium's tree
    founded_on: dt.date | None
    members: PublishedCount
    runners_sent: int
    also_in: list[str]  # the other consortia whose reports list this co-op


class FederationReport(msgspec.Struct, frozen=True):
    generated_at: dt.datetime
    consortia: list[ConsortiumFigures]
    totals: FederationTotals
    # Consortium by consortium, each one's tree depth first, as it sent it.
    growth: list[FederationCoop]
    dead_letters: int


# The person counts of a snapshot, summed as SummedCount.
COUNTS = (
    "members",
    "active_volunteers",
    "timebank_accounts",
    "workforce_headcount",
    "workforce_leavers_12m",
)
# The plain integers of a snapshot, summed as they are.
PLAIN = (
    "coop_count",
    "care_minutes",
    "visits_delivered",
    "visits_missed",
    "volunteer_minutes",
    "ballots",
    "quorate",
    "timebank_earned",
    "timebank_spent",
)


def summed(parts: Iterable[PublishedCount]) -> SummedCount:
    known = suppressed = 0
    for part in parts:
        if isinstance(part, int):
            known += part
        else:
            suppressed += 1
    return SummedCount(known, suppressed)


def sum_snapshots(figures: Sequence[ConsortiumReportPublished]) -> FederationTotals:
    """The federation's totals over the given snapshots (one per consortium)."""
    classes = sorted({c for f in figures for c in f.members_by_class})
    profiles = sorted({p for f in figures for p in f.share_capital_by_profile})
    services = sorted({s for f in figures for s in f.care_minutes_by_service})
    fields: dict[str, object] = {
        name: summed(getattr(f, name) for f in figures) for name in COUNTS
    }
    fields.update({name: sum(getattr(f, name) for f in figures) for name in PLAIN})
    # A class a consortium does not list has no members there: nothing to add,
    # and nothing suppressed either.
    fields["members_by_class"] = {
        c: summed(f.members_by_class[c] for f in figures if c in f.members_by_class)
        for c in classes
    }
    fields["share_capital_by_profile"] = {
        p: sum(f.share_capital_by_profile.get(p, 0) for f in figures) for p in profiles
    }
    fields["care_minutes_by_service"] = {
        s: sum(f.care_minutes_by_service.get(s, 0) for f in figures) for s in services
    }
    return FederationTotals(**fields)  # type: ignore[arg-type]


def federation_growth(snapshots: Sequence[Snapshot]) -> list[FederationCoop]:
    listed_by: dict[str, list[str]] = {}
    for snapshot in snapshots:
        for coop in snapshot.figures.coops:
            listed_by.setdefault(coop.coop_id, []).append(snapshot.consortium_id)
    growth = []
    for snapshot in snapshots:
        depths: dict[str, int] = {}
        for coop in snapshot.figures.coops:  # depth first: parents come first
            depth = depths.get(coop.parent, -1) + 1 if coop.parent else 0
            depths[coop.coop_id] = depth
            growth.append(_placed(snapshot.consortium_id, coop, depth, listed_by))
    return growth


def _placed(
    consortium_id: str, coop: CoopLineage, depth: int, listed_by: dict[str, list[str]]
) -> FederationCoop:
    return FederationCoop(
        consortium_id=consortium_id,
        coop_id=coop.coop_id,
        name=coop.name,
        parent=coop.parent,
        depth=depth,
        founded_on=coop.founded_on,
        members=coop.members,
        runners_sent=coop.runners_sent,
        also_in=[c for c in listed_by[coop.coop_id] if c != consortium_id],
    )


def build_federation_report(
    views: ConsortiumViews, members: Sequence[Lineage] = ()
) -> FederationReport:
    """``members``: the federation's registry (its consortia), for their names."""
    names = {entry.coop_id: entry.name for entry in members}
    with views.transaction() as cursor:
        snapshots = latest_snapshots(cursor)
        dead = cursor.execute("SELECT COUNT(*) AS n FROM dead_letters").fetchone()
    return FederationReport(
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        consortia=[
            ConsortiumFigures(
                consortium_id=s.consortium_id,
                name=names.get(s.consortium_id, s.consortium_id),
                seq=s.seq,
                as_of=s.figures.as_of,
                coop_count=s.figures.coop_count,
                members=s.figures.members,
            )
            for s in snapshots
        ],
        totals=sum_snapshots([s.figures for s in snapshots]),
        growth=federation_growth(snapshots),
        dead_letters=int(dead["n"]),
    )


def render_federation(report: FederationReport) -> str:
    """The published federation report as plain text, for a terminal: a count
    summed over consortia reads "at least N" when some consortium suppressed its
    part ("<5"), and "<5" when what is known is below 5."""
    view = publish(report)
    totals = view.totals
    lines = [f"Federation report, {report.generated_at.isoformat()}", ""]
    lines.append("Consortia")
    for part in view.consortia:
        lines.append(
            f"  {part.name} ({part.consortium_id}): report {part.seq} as of "
            f"{part.as_of.isoformat()}, {part.coop_count} co-ops, "
            f"{part.members} members"
        )
    lines += ["", f"Co-ops: {totals.coop_count}", f"Members: {_count(totals.members)}"]
    for name, count in totals.members_by_class.items():
        lines.append(f"  {name}: {_count(count)}")
    lines += [
        f"Care hours: {totals.care_minutes / 60:,.1f}",
        f"Visits delivered: {totals.visits_delivered}, missed: {totals.visits_missed}",
        f"Active volunteers: {_count(totals.active_volunteers)}",
        f"Ballots: {totals.ballots}, quorate: {totals.quorate}",
        f"Time bank accounts: {_count(totals.timebank_accounts)}, hours earned: "
        f"{totals.timebank_earned / 60:,.1f}",
        f"Workers: {_count(totals.workforce_headcount)}, leavers in 12 months: "
        f"{_count(totals.workforce_leavers_12m)}",
        "",
        "Growth (lineage across consortia)",
    ]
    for coop in view.growth:
        also = f" [also in {', '.join(coop.also_in)}]" if coop.also_in else ""
        lines.append(
            f"  {coop.consortium_id}: {'  ' * coop.depth}{'└ ' if coop.depth else ''}"
            f"{coop.name} ({coop.coop_id}), {coop.members} members{also}"
        )
    if report.dead_letters:
        lines += ["", f"Dead letters: {report.dead_letters}"]
    return "\n".join(lines) + "\n"


def _count(count: Any) -> str:
    """A published SummedCount as words."""
    if count.suppressed_parts and isinstance(count.known, str):
        return f"under 5 in each of {count.suppressed_parts} consortia"
    if count.suppressed_parts:
        return f"at least {count.known} ({count.suppressed_parts} parts under 5)"
    return str(count.known)
