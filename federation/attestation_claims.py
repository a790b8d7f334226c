"""What an attestation claims about a co-op, judged from what it shared alone.

Pure: ``CoopFacts`` is read from the consortium's views (federation.attestation).
Each claim says "not shown" where the shared data cannot tell, and why, rather
than guess. The statement leaves the consortium, so counts of people below 5
read "<5" (federation.suppression), and a share that would tell one is withheld.
"""

import calendar
import datetime as dt
from fractions import Fraction
from typing import NamedTuple

import msgspec

from federation.governance import board_breaches
from federation.labels import label
from federation.rules_facts import HeldMeeting
from federation.suppression import MIN_CELL, suppress
from federation.workforce import TYPE_B_TARGET, CoopWorkforce
from schemas.attestation import FORMAT, Claim, ClaimName, Holds, Statement
from schemas.governance import BoardRules

# The longest a co-op may go without a general meeting that the claim accepts.
MEETING_MONTHS = 15


class ClosedBallot(NamedTuple):
    closed_on: dt.date
    quorate: bool


class CoopFacts(msgspec.Struct, frozen=True):
    """One co-op's shared data, as of a day. None: that part was never shared."""

    as_of: dt.date
    members_by_class: dict[str, int] | None  # every class of its rules
    board_by_class: dict[str, int] | None
    board_rules: BoardRules | None
    ballots: list[ClosedBallot]
    workforce: CoopWorkforce | None
    # Class -> the most of all members it may be ({} none capped); None: its
    # node shared its rules before caps were part of them.
    membership_caps: dict[str, str] | None = None
    meetings: list[HeldMeeting] = []


class Finding(NamedTuple):
    claim: Claim
    # What the claim covers or, when it is not shown, why the data cannot show it.
    scope: str


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months earlier (the month's last day if shorter)."""
    year, month_index = divmod(day.year * 12 + day.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month_index + 1)[1]
    return dt.date(year, month_index + 1, min(day.day, last_day))


def _seats(n: int) -> str:
    return "1 seat" if n == 1 else f"{n} seats"


def _holds(value: bool) -> Holds:
    return "true" if value else "false"


def _not_shown(name: ClaimName, title: str, why: str) -> Finding:
    return Finding(Claim(name, title, "not_shown", []), why)


def board_claim(facts: CoopFacts) -> Finding:
    title = "The board's seats by member class are within the co-op's rules"
    board, rules = facts.board_by_class, facts.board_rules
    if board is None or rules is None:
        return _not_shown(
            "board_within_rules",
            title,
            "Board composition: the co-op has shared no board election with its "
            "board rules (they are shared when a board is elected).",
        )
    figures = [
        f"board of {sum(board.values())} seats; the rules allow {rules.board_size}"
    ]
    for member_class in sorted(set(board) | set(rules.seats)):
        line = (
            f"{label(member_class)}: {_seats(board.get(member_class, 0))} held; "
            f"the rules give {_seats(rules.seats.get(member_class, 0))}"
        )
        most = rules.board_max.get(member_class)
        if most is not None:
            line += f", at most {most}"
        figures.append(line)
    breaches = board_breaches(board, rules)
    figures += [f"out of its rules: {breach}" for breach in breaches]
    return Finding(
        Claim("board_within_rules", title, _holds(not breaches), figures),
        "Board composition: the seats each member class holds after the last "
        "board election shared, against the board rules shared with it or "
        "amended since.",
    )


def membership_caps_claim(facts: CoopFacts) -> Finding:
    title = "No member class is above its cap of the membership"
    counts, caps = facts.members_by_class, facts.membership_caps
    if counts is None:
        return _not_shown(
            "membership_caps_respected",
            title,
            "Membership caps: the co-op shares no membership data.",
        )
    if caps is None:
        return _not_shown(
            "membership_caps_respected",
            title,
            "Membership caps (the most a class may be of all members, as Italian "
            "law 381/1991 caps volunteers at half): the co-op's node shared its "
            "rules before caps were part of them; they are shown from its next "
            "amendment of its rules.",
        )
    scope = (
        "Membership caps: the members admitted and not withdrawn in each capped "
        "class, against all members, and the caps of the rules the co-op shared "
        "last."
    )
    if not caps:
        figures = ["the co-op's rules cap no member class"]
        return Finding(
            Claim("membership_caps_respected", title, "not_applicable", figures),
            scope,
        )
    total = sum(counts.values())
    figures, within = [], True
    for member_class, cap in sorted(caps.items()):
        n = counts.get(member_class, 0)
        line = (
            f"{label(member_class)}: {suppress(n)} of {suppress(total)} members; "
            f"the cap is {cap}"
        )
        if total and Fraction(n, total) > Fraction(cap):
            within = False
            line += ": above it"
        figures.append(line)
    return Finding(
        Claim("membership_caps_respected", title, _holds(within), figures), scope
    )


def meeting_claim(facts: CoopFacts) -> Finding:
    since = months_before(facts.as_of, MEETING_MONTHS)
    title = (
        f"A quorate general meeting was held in the {MEETING_MONTHS} months to "
        f"{facts.as_of.isoformat()}"
    )
    if not facts.meetings and facts.membership_caps is None:
        return _not_shown(
            "general_meeting_quorate",
            title,
            "General meetings: the co-op has shared none, and its node shared "
            "its rules before it shared meetings, so it may hold them unrecorded.",
        )
    window = f"from {(since + dt.timedelta(days=1)).isoformat()} to " + (
        facts.as_of.isoformat()
    )
    meetings = [m for m in facts.meetings if since < m.held_on <= facts.as_of]
    quorate = [m.held_on for m in meetings if m.quorate]
    ballots = [b for b in facts.ballots if since < b.closed_on <= facts.as_of]
    figures = [
        f"general meetings held {window}: {len(meetings)}, of which quorate: "
        f"{len(quorate)}",
        f"members' ballots closed {window}: {len(ballots)}, of which quorate: "
        f"{sum(b.quorate for b in ballots)}",
    ]
    if quorate:
        figures.append(f"last quorate general meeting held on {max(quorate)}")
    return Finding(
        Claim("general_meeting_quorate", title, _holds(bool(quorate)), figures),
        "General meetings: each meeting the co-op recorded with adopted minutes, "
        "its day and whether those attending in person or by proxy met the "
        "quorum of its rules; its ballots are listed beside them.",
    )


def classes_claim(facts: CoopFacts) -> Finding:
    title = "Every member class of the co-op's rules has members"
    counts = facts.members_by_class
    if counts is None:
        return _not_shown(
            "member_classes_represented",
            title,
            "Member classes: the co-op shares no membership data.",
        )
    figures = [
        f"{label(member_class)}: {suppress(n)} members"
        for member_class, n in sorted(counts.items())
    ]
    represented = bool(counts) and all(n > 0 for n in counts.values())
    return Finding(
        Claim("member_classes_represented", title, _holds(represented), figures),
        "Member classes: the members admitted and not withdrawn in each class of "
        "the co-op's rules.",
    )


def type_b_claim(facts: CoopFacts) -> Finding:
    title = (
        f"At least {TYPE_B_TARGET:.0%} of workers are from disadvantaged groups "
        "(Italian type B social co-operatives)"
    )
    workforce = facts.workforce
    if workforce is None:
        return _not_shown(
            "type_b_share",
            title,
            "Type B share: the co-op shares no worker joining or leaving (its care "
            "stream), so neither whether it is a type B co-op nor its workers' "
            "share is known.",
        )
    scope = (
        "Type B share: the workers the co-op shared as joining and leaving, each "
        "marked as from a disadvantaged group or not, and whether it is type B."
    )
    if not workforce.type_b:
        figures = ["not a type B co-op, as its shared worker records say"]
        return Finding(Claim("type_b_share", title, "not_applicable", figures), scope)
    figures = [
        f"workers: {suppress(workforce.headcount)}",
        f"from disadvantaged groups: {suppress(workforce.disadvantaged)}",
    ]
    share = workforce.disadvantaged_share
    if workforce.disadvantaged >= MIN_CELL and share is not None:
        figures.append(f"share: {share:.0%}; the target is {TYPE_B_TARGET:.0%}")
    else:
        figures.append(f"the share is withheld: it would tell a count below {MIN_CELL}")
    holds = _holds(bool(workforce.meets_type_b_target))
    return Finding(Claim("type_b_share", title, holds, figures), scope)


def findings(facts: CoopFacts) -> list[Finding]:
    return [
        board_claim(facts),
        membership_caps_claim(facts),
        meeting_claim(facts),
        classes_claim(facts),
        type_b_claim(facts),
    ]


def build_statement(
    *,
    consortium: str,
    consortium_key: str,
    coop_id: str,
    coop_name: str,
    issued_at: dt.datetime,
    chain_position: int,
    unsigned_until: int,
    facts: CoopFacts,
) -> Statement:
    """The unsigned statement about one co-op: every claim, and in plain words
    what it covers and what it does not."""
    found = findings(facts)
    as_of = facts.as_of.isoformat()
    covers = [
        f"What {coop_name} shared with {consortium} up to {as_of}: its chain of "
        f"{chain_position} envelopes, each checked against the co-op's key and "
        "the chain before it was applied."
    ]
    covers += [f.scope for f in found if f.claim.holds != "not_shown"]
    does_not_cover = [f.scope for f in found if f.claim.holds == "not_shown"]
    if unsigned_until:
        does_not_cover.append(
            f"Who wrote envelopes 1 to {unsigned_until}: the co-op published them "
            "before it had a signing key, so they are checked by their chain only."
        )
    does_not_cover += [
        "Whether a ballot was taken at a general meeting: meetings are not shared, "
        "only each ballot's result.",
        f"Anything after {as_of}, or that the co-op did not share: a stream it does "
        "not share, or what happened before it began sharing a stream.",
        "Whether the co-op's own records are true: the consortium checks that what "
        "it received came from the co-op, whole and in order, not the facts behind "
        "it.",
        f"Anything about a person: no name, contact or free text is shared, and "
        f'counts of people below {MIN_CELL} read "<5".',
    ]
    return Statement(
        format=FORMAT,
        consortium=consortium,
        consortium_key=consortium_key,
        coop_id=coop_id,
        coop_name=coop_name,
        issued_at=issued_at,
        as_of=facts.as_of,
        chain_position=chain_position,
        claims=[f.claim for f in found],
        covers=covers,
        does_not_cover=does_not_cover,
    )
