"""Voting strength and the count of a proposal ballot, from a co-op's rules.

Pure functions over exact fractions: the same electorate and votes always give the
same result, which is recorded in full when a ballot closes.

Voting strength is fixed per voter when a ballot opens, from the electorate's size by
class: a class with a fixed ``voting_share`` splits that share equally among its
electors; the other classes pool the rest one member one vote; a class above its
``voting_cap`` is held to the cap and the excess goes to the uncapped pooled classes.
Strength is measured against the whole electorate, so a class that stays at home
does not have its share handed to those who came.
"""

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

import msgspec

from node.rules import RulesProfile, Threshold, share
from node.stv import Count, count

CHOICES = ("for", "against", "abstain")


def class_shares(
    profile: RulesProfile, counts: Mapping[str, int]
) -> dict[str, Fraction]:
    """Each present class's share of all voting strength (they add up to 1 unless
    every class is capped)."""
    present = {c.name: c for c in profile.member_classes if counts.get(c.name, 0) > 0}
    fixed = {n: share(c.voting_share) for n, c in present.items() if c.voting_share}
    caps = {n: share(c.voting_cap) for n, c in present.items() if c.voting_cap}
    pooled = [n for n in present if n not in fixed]
    if not pooled:
        total = sum(fixed.values())
        return {n: s / total for n, s in fixed.items()} if total else {}
    shares = dict(fixed)
    capped: dict[str, Fraction] = {}
    while True:
        rest = Fraction(1) - sum(fixed.values()) - sum(capped.values())
        pool = [n for n in pooled if n not in capped]
        heads = sum(counts[n] for n in pool)
        if not pool:
            break
        for n in pool:
            shares[n] = rest * counts[n] / heads
        over = [n for n in pool if n in caps and shares[n] > caps[n]]
        if not over:
            break
        for n in over:
            capped[n] = caps[n]
    shares.update(capped)
    return shares


def voter_weights(
    profile: RulesProfile, classes: Mapping[str, str]
) -> dict[str, Fraction]:
    """Each voter's strength, from ``classes`` (voter -> member class)."""
    counts: dict[str, int] = {}
    for member_class in classes.values():
        counts[member_class] = counts.get(member_class, 0) + 1
    shares = class_shares(profile, counts)
    return {v: shares[c] / counts[c] for v, c in classes.items()}


class ClassTally(msgspec.Struct, frozen=True):
    member_class: str
    electorate: int
    voted: int
    # Headcount and voting strength (exact fractions) per choice; None where a
    # secret ballot's class is too small to show them (see suppress_small_classes).
    votes: dict[str, int] | None
    strength: dict[str, str] | None
    quorum: str | None
    quorate: bool


class ProposalResult(msgspec.Struct, frozen=True):
    threshold: str
    electorate: int
    voted: int
    quorum: str
    quorate: bool
    strength_for: str
    strength_against: str
    strength_abstain: str
    passed: bool
    classes: list[ClassTally]
    reasons: list[str]


def turnout(
    profile: RulesProfile,
    electorate_by_class: Mapping[str, int],
    voted_by_class: Mapping[str, int],
) -> tuple[bool, list[str], dict[str, bool]]:
    """Whether the ballot is quorate, why not, and each class's own quorum."""
    reasons = []
    electorate = sum(electorate_by_class.values())
    voted = sum(voted_by_class.values())
    overall = share(profile.quorum)
    if electorate == 0 or Fraction(voted, electorate) < overall:
        reasons.append(
            f"quorum is {profile.quorum} of {electorate} electors; {voted} voted"
        )
    by_class = {}
    for c in profile.member_classes:
        n = electorate_by_class.get(c.name, 0)
        ok = True
        if c.quorum is not None and n > 0:
            ok = Fraction(voted_by_class.get(c.name, 0), n) >= share(c.quorum)
            if not ok:
                reasons.append(
                    f"class {c.name} quorum is {c.quorum} of {n}; "
                    f"{voted_by_class.get(c.name, 0)} voted"
                )
        by_class[c.name] = ok
    return not reasons, reasons, by_class


def tally_proposal(
    profile: RulesProfile,
    threshold_name: str,
    electorate: Mapping[str, tuple[str, Fraction]],
    votes: Iterable[tuple[str, Fraction, str]],
) -> ProposalResult:
    """Count ``votes`` (member class, strength, choice), one per voter who took
    part, against the frozen ``electorate`` (voter -> class, strength)."""
    threshold: Threshold = profile.thresholds[threshold_name]
    heads = {c: dict.fromkeys(CHOICES, 0) for c in profile.class_names}
    strength = {c: dict.fromkeys(CHOICES, Fraction(0)) for c in profile.class_names}
    for member_class, weight, choice in votes:
        heads[member_class][choice] += 1
        strength[member_class][choice] += weight
    electorate_by_class = dict.fromkeys(profile.class_names, 0)
    for member_class, _ in electorate.values():
        electorate_by_class[member_class] += 1
    voted_by_class = {c: sum(h.values()) for c, h in heads.items()}
    quorate, reasons, class_quorate = turnout(
        profile, electorate_by_class, voted_by_class
    )
    total = {
        ch: sum((strength[c][ch] for c in strength), Fraction(0)) for ch in CHOICES
    }
    passed = quorate and threshold.passes(total["for"], total["against"])
    if quorate and not passed:
        bar = "at least" if threshold.inclusive else "more than"
        reasons.append(
            f"{threshold_name} needs {bar} {threshold.share} of the strength cast "
            "for or against"
        )
    return ProposalResult(
        threshold=threshold_name,
        electorate=sum(electorate_by_class.values()),
        voted=sum(voted_by_class.values()),
        quorum=profile.quorum,
        quorate=quorate,
        strength_for=str(total["for"]),
        strength_against=str(total["against"]),
        strength_abstain=str(total["abstain"]),
        passed=passed,
        classes=[
            ClassTally(
                member_class=c.name,
                electorate=electorate_by_class[c.name],
                voted=voted_by_class[c.name],
                votes=heads[c.name],
                strength={ch: str(v) for ch, v in strength[c.name].items()},
                quorum=c.quorum,
                quorate=class_quorate[c.name],
            )
            for c in profile.member_classes
        ],
        reasons=reasons,
    )


def in_room_votes(
    in_room: Mapping[str, Mapping[str, Mapping[str, int]]],
    electorate: Mapping[str, tuple[str, Fraction]],
) -> list[tuple[str, Fraction, str]]:
    """Votes counted in a meeting's room (meeting -> class -> choice -> heads),
    as ``tally_proposal`` takes them: one per head, at the strength every voter
    of that class has (strength is the same for all voters of a class)."""
    strength = {c: w for c, w in electorate.values()}
    return [
        (member_class, strength[member_class], choice)
        for totals in in_room.values()
        for member_class, counts in totals.items()
        for choice, heads in counts.items()
        for _ in range(heads)
        if member_class in strength
    ]


# A secret ballot's class with fewer voters than this has its counts hidden.
SMALL_CLASS = 3


def suppress_small_classes(result: ProposalResult) -> ProposalResult:
    """A secret ballot's tally without counts that reveal a choice: a class with
    one or two voters has its per-choice counts hidden; if the hidden classes
    together had fewer than SMALL_CLASS voters (so subtracting the shown classes
    from the totals would reveal them), every class's counts are hidden and only
    the totals remain."""
    small = {c.member_class for c in result.classes if 0 < c.voted < SMALL_CLASS}
    hidden_voters = sum(c.voted for c in result.classes if c.member_class in small)
    if small and hidden_voters < SMALL_CLASS:
        small = {c.member_class for c in result.classes}
    classes = [
        msgspec.structs.replace(c, votes=None, strength=None)
        if c.member_class in small
        else c
        for c in result.classes
    ]
    return msgspec.structs.replace(result, classes=classes)


class ClassTurnout(msgspec.Struct, frozen=True):
    member_class: str
    electorate: int
    voted: int
    quorate: bool


class ElectionResult(msgspec.Struct, frozen=True):
    electorate: int
    voted: int
    quorum: str
    quorate: bool
    classes: list[ClassTurnout]
    counts: dict[str, Count]  # constituency (member class) -> its count
    reasons: list[str]

    @property
    def elected(self) -> dict[str, list[str]]:
        return {c: n.elected for c, n in self.counts.items()} if self.quorate else {}


def tally_election(
    profile: RulesProfile,
    constituencies: Mapping[str, Mapping[str, Any]],
    electorate: Mapping[str, tuple[str, Fraction]],
    rankings: Iterable[tuple[str, list[str]]],
) -> ElectionResult:
    """Count each constituency's ``rankings`` (member class, ranked candidates):
    STV where it elects several seats, plurality for one."""
    by_class: dict[str, list[list[str]]] = {c: [] for c in constituencies}
    for member_class, ranking in rankings:
        by_class[member_class].append(ranking)
    electorate_by_class = dict.fromkeys(constituencies, 0)
    for member_class, _ in electorate.values():
        electorate_by_class[member_class] += 1
    voted_by_class = {c: len(r) for c, r in by_class.items()}
    quorate, reasons, class_quorate = turnout(
        profile, electorate_by_class, voted_by_class
    )
    return ElectionResult(
        electorate=sum(electorate_by_class.values()),
        voted=sum(voted_by_class.values()),
        quorum=profile.quorum,
        quorate=quorate,
        classes=[
            ClassTurnout(c, electorate_by_class[c], voted_by_class[c], class_quorate[c])
            for c in constituencies
        ],
        counts={
            c: count(spec["candidates"], by_class[c], spec["seats"])
            for c, spec in constituencies.items()
        },
        reasons=reasons,
    )


def shown_result(result: dict[str, Any] | None, secret: bool) -> dict[str, Any] | None:
    """A closed ballot's stored result as anyone may read it: in a secret
    election, a constituency with fewer than SMALL_CLASS voters loses the rounds
    of its count (they would show how those few voted); who was elected stays."""
    if not result or not secret or "counts" not in result:
        return result
    voted = {c["member_class"]: c.get("voted", 0) for c in result.get("classes", [])}
    counts = {
        member_class: (
            {**count, "rounds": None}
            if voted.get(member_class, 0) < SMALL_CLASS
            else count
        )
        for member_class, count in result["counts"].items()
    }
    return {**result, "counts": counts}
