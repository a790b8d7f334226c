"""The truth, computed from a node's own store, to compare consortium reports with."""

from node.application import CoopNode


def membership_truth(app: CoopNode) -> dict[str, object]:
    """What the consortium should report for this co-op's membership."""
    by_class = {name: 0 for name in app.coop().profile.class_names}
    capital = 0
    for member in app.members():
        if member.is_admitted:
            by_class[member.member_class] += 1
        capital += member.shares
    return {
        "members_by_class": by_class,
        "members": sum(by_class.values()),
        "share_capital": capital,
    }


def reported_membership(report: object, coop_id: str) -> dict[str, object]:
    for coop in report.membership.coops:  # type: ignore[attr-defined]
        if coop.coop_id == coop_id:
            return {
                "members_by_class": coop.members_by_class,
                "members": coop.members,
                "share_capital": coop.share_capital,
            }
    raise AssertionError(f"co-op {coop_id} is not in the report")


def governance_truth(app: CoopNode) -> dict[str, object]:
    """What the consortium should report for this co-op's governance."""
    closed = [b for b in app.ballots() if b.status == "closed"]
    turnout: dict[str, tuple[int, int]] = {}
    for ballot in closed:
        assert ballot.result is not None
        for c in ballot.result["classes"]:
            e, v = turnout.get(c["member_class"], (0, 0))
            turnout[c["member_class"]] = (e + c["electorate"], v + c["voted"])
    return {
        "ballots": len(closed),
        "quorate": sum(1 for b in closed if b.result and b.result["quorate"]),
        "turnout_by_class": dict(sorted(turnout.items())),
        "board_by_class": {c: len(m) for c, m in app.coop().board.items()},
    }


def reported_governance(report: object, coop_id: str) -> dict[str, object]:
    for coop in report.governance.coops:  # type: ignore[attr-defined]
        if coop.coop_id == coop_id:
            return {
                "ballots": coop.ballots,
                "quorate": coop.quorate,
                "turnout_by_class": {
                    c: (t.electorate, t.voted) for c, t in coop.turnout_by_class.items()
                },
                "board_by_class": coop.board_by_class,
            }
    raise AssertionError(f"co-op {coop_id} is not in the governance report")
