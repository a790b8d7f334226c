"""The node's own report: what the co-op can see of itself, in full (no pseudonyms
or suppression: it never leaves the node except to the node's own staff)."""

import datetime as dt

import msgspec

from node.application import CoopNode


class MembershipSummary(msgspec.Struct, frozen=True):
    members_by_class: dict[str, int]
    members: int
    applicants: int
    withdrawn: int
    share_capital: int


class LocalReport(msgspec.Struct, frozen=True):
    coop_id: str
    name: str
    profile: str
    generated_at: dt.datetime
    membership: MembershipSummary


def membership_summary(app: CoopNode) -> MembershipSummary:
    by_class = {name: 0 for name in app.coop().profile.class_names}
    status_counts = {"applied": 0, "admitted": 0, "withdrawn": 0}
    capital = 0
    for member in app.members():
        status_counts[member.status] += 1
        capital += member.shares
        if member.is_admitted:
            by_class[member.member_class] += 1
    return MembershipSummary(
        members_by_class=by_class,
        members=status_counts["admitted"],
        applicants=status_counts["applied"],
        withdrawn=status_counts["withdrawn"],
        share_capital=capital,
    )


def local_report(app: CoopNode) -> LocalReport:
    coop = app.coop()
    return LocalReport(
        coop_id=app.coop_id,
        name=coop.name,
        profile=coop.profile.name,
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        membership=membership_summary(app),
    )
