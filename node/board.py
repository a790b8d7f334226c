"""The board against the co-op's rules: seats per constituency, caps per class and
board size. Used when an election closes (a result that breaks the rules is
refused) and to report a board that amended rules no longer fit."""

from collections.abc import Mapping

from node.rules import RulesProfile


def board_breaches(
    profile: RulesProfile,
    board: Mapping[str, list[str]],
    elected: Mapping[str, list[str]],
    classes_now: Mapping[str, str | None],
) -> list[str]:
    """Why the newly ``elected`` seats make ``board`` (constituency -> member ids,
    after the election) break ``profile``; empty if they do not. ``classes_now``
    gives each board member's current class, or None when they are no longer an
    admitted member (a vacancy, unless they were just elected)."""
    reasons = []
    held_by_class: dict[str, int] = {}
    for members in board.values():
        for member in members:
            now = classes_now.get(member)
            if now is not None:
                held_by_class[now] = held_by_class.get(now, 0) + 1
    seen: set[str] = set()
    for constituency, members in elected.items():
        seats = profile.board_seats.get(constituency, 0)
        if len(members) > seats:
            reasons.append(
                f"constituency {constituency} holds {len(members)} seats; "
                f"the rules give it {seats}"
            )
        for member in members:
            now = classes_now.get(member)
            if member in seen:
                reasons.append(f"member {member} would hold two seats")
            seen.add(member)
            if now is None:
                reasons.append(f"member {member} is no longer an admitted member")
            elif now != constituency:
                reasons.append(
                    f"member {member} holds a {constituency} seat but is now a {now}"
                )
    for c in profile.member_classes:
        held = held_by_class.get(c.name, 0)
        if c.board_max is not None and held > c.board_max:
            reasons.append(
                f"{c.name} members would hold {held} board seats; "
                f"the rules allow at most {c.board_max}"
            )
    total = sum(len(m) for m in board.values())
    if total > profile.board_size:
        reasons.append(
            f"the board would have {total} seats; its size is {profile.board_size}"
        )
    return reasons


def board_rules(profile: RulesProfile) -> dict[str, object]:
    """What the consortium needs to check a board against the rules."""
    return {
        "board_size": profile.board_size,
        "seats": profile.board_seats,
        "board_max": {
            c.name: c.board_max
            for c in profile.member_classes
            if c.board_max is not None
        },
    }
