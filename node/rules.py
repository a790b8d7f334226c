"""A co-op's rules profile: its member classes and how they take part.

Profiles are data: a co-op adopts one when founded (recorded in ``Coop.Founded``) and
may amend it later (``Coop.RulesAmended``). The named profiles below are starting
points that follow common legal forms; a co-op can write its own in its config.

Shares (of voting strength, of membership, quorums, thresholds) are written as exact
fractions ("1/2", "3/4") so that a count never depends on float rounding.
"""

from collections.abc import Mapping
from fractions import Fraction
from typing import Annotated, Any

import msgspec

ClassName = Annotated[str, msgspec.Meta(pattern=r"^[a-z_]{1,40}$")]
Share = Annotated[
    str,
    msgspec.Meta(pattern=r"^[0-9]+/[1-9][0-9]*$", description="a fraction, e.g. 1/2"),
]


def share(text: str) -> Fraction:
    return Fraction(text)


def membership_caps(profile: Mapping[str, Any]) -> dict[str, str]:
    """The capped classes of a profile as stored in an event (a dict): class ->
    the most of all members it may be. Shared, so the consortium can attest them."""
    return {
        c["name"]: c["membership_cap"]
        for c in profile["member_classes"]
        if c.get("membership_cap")
    }


class MemberClass(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: ClassName
    description: str = ""
    # Voting strength: None is one member one vote, pooled with the other such
    # classes; a fraction gives the class that fixed share of all voting strength
    # (Somerset Rules: workers 1/2), split equally among its electors.
    voting_share: Share | None = None
    # The most voting strength the class may hold (Signalise: investors 1/10).
    voting_cap: Share | None = None
    # The most this class may be of all admitted members (381/1991: volunteers 1/2).
    membership_cap: Share | None = None
    # Board seats this class elects as a constituency, and the most board seats its
    # members may hold in all (Quebec: supporting members at most a third).
    board_seats: Annotated[int, msgspec.Meta(ge=0)] = 0
    board_max: Annotated[int, msgspec.Meta(ge=0)] | None = None
    # Share of the class's electorate that must take part for a ballot to be valid.
    quorum: Share | None = None


class Threshold(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A resolution passes when for / (for + against) reaches ``share``: strictly
    more than it when not ``inclusive`` (a simple majority is more than half)."""

    share: Share
    inclusive: bool = True

    def passes(self, votes_for: Fraction, votes_against: Fraction) -> bool:
        cast = votes_for + votes_against
        if cast == 0:
            return False
        ratio = votes_for / cast
        bar = share(self.share)
        return ratio >= bar if self.inclusive else ratio > bar


ORDINARY = Threshold("1/2", inclusive=False)
TWO_THIRDS = Threshold("2/3")
THREE_QUARTERS = Threshold("3/4")


# The services a co-op offers; visits are logged against these. A co-op may write
# its own list in its profile.
DEFAULT_SERVICE_TYPES = (
    "personal_care",
    "cleaning",
    "gardening_maintenance",
    "transport",
    "advocacy_welfare_advice",
    "meals_shopping",
    "befriending",
)
ServiceType = Annotated[str, msgspec.Meta(pattern=r"^[a-z_]{1,40}$")]


class RulesProfile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str
    member_classes: tuple[MemberClass, ...]
    board_size: Annotated[int, msgspec.Meta(ge=0)] = 0
    # The most members one proxy holder may vote for; 0 forbids proxies.
    proxies_per_holder: Annotated[int, msgspec.Meta(ge=0)] = 0
    # Share of the whole electorate (by head) that must take part.
    quorum: Share = "0/1"
    thresholds: dict[str, Threshold] = msgspec.field(
        default_factory=lambda: {
            "ordinary": ORDINARY,
            "two_thirds": TWO_THIRDS,
            "three_quarters": THREE_QUARTERS,
        }
    )
    # Whether a member who withdraws after a ballot opens loses their vote in it.
    withdrawn_lose_vote: bool = True
    service_types: tuple[ServiceType, ...] = DEFAULT_SERVICE_TYPES
    # Italian law 381/1991 type B (work integration): at least 30% of workers are
    # from disadvantaged groups.
    type_b: bool = False

    def __post_init__(self) -> None:
        names = self.class_names
        if not names:
            raise ValueError("a rules profile needs at least one member class")
        if len(set(names)) != len(names):
            raise ValueError(f"member classes are named twice in {names}")
        fixed = sum(
            share(c.voting_share) for c in self.member_classes if c.voting_share
        )
        if fixed > 1:
            raise ValueError(f"fixed voting shares add up to {fixed}, more than 1")
        for c in self.member_classes:
            if (
                c.voting_share
                and c.voting_cap
                and share(c.voting_share) > share(c.voting_cap)
            ):
                raise ValueError(f"class {c.name}: voting share is above its cap")
        seats = sum(c.board_seats for c in self.member_classes)
        if seats > self.board_size:
            raise ValueError(
                f"constituencies elect {seats} seats, more than the board's "
                f"{self.board_size}"
            )
        if "ordinary" not in self.thresholds:
            raise ValueError("a rules profile needs an 'ordinary' threshold")

    @property
    def class_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.member_classes)

    def member_class(self, name: str) -> MemberClass:
        for c in self.member_classes:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def allows_proxies(self) -> bool:
        return self.proxies_per_holder > 0

    @property
    def board_seats(self) -> dict[str, int]:
        return {c.name: c.board_seats for c in self.member_classes if c.board_seats}


def membership_cap_breach(
    profile: RulesProfile, counts: dict[str, int], joining: str, leaving: str | None
) -> str | None:
    """Why one more ``joining`` member (moving out of ``leaving``, if a class change)
    would break a membership cap, or None. ``counts`` are admitted members by class
    before the change. The one place membership caps are applied."""
    after = dict(counts)
    after[joining] = after.get(joining, 0) + 1
    if leaving is not None:
        after[leaving] -= 1
    total = sum(after.values())
    for c in profile.member_classes:
        if c.membership_cap is None or c.name != joining:
            continue
        cap = share(c.membership_cap)
        if Fraction(after[c.name], total) > cap:
            return (
                f"class {c.name} may be at most {c.membership_cap} of all members; "
                f"this would make it {after[c.name]} of {total}"
            )
    return None


PROFILES: dict[str, RulesProfile] = {
    profile.name: profile
    for profile in (
        # A UK multi-stakeholder society (Co-operative and Community Benefit
        # Societies Act 2014): one member one vote in every class, a board with
        # seats for each stakeholder group, rule changes by special resolution.
        RulesProfile(
            "uk_multi_stakeholder",
            (
                MemberClass(
                    "service_user",
                    "people who receive care, and families",
                    board_seats=3,
                ),
                MemberClass(
                    "worker", "care workers employed by the co-op", board_seats=3
                ),
                MemberClass(
                    "volunteer", "volunteers and time-bank members", board_seats=1
                ),
                MemberClass("supporter", "community supporters", board_seats=2),
            ),
            board_size=9,
            proxies_per_holder=2,
            quorum="1/10",
        ),
        # An Italian type A social co-op (law 381/1991 and the civil code):
        # volunteers at most half of the members (art. 2); financing members'
        # votes at most a third (c.c. 2526); a member may hold up to ten proxies
        # (c.c. 2539); most directors are co-operator members.
        RulesProfile(
            "italy_type_a",
            (
                MemberClass("worker", "soci lavoratori", board_seats=3),
                MemberClass(
                    "volunteer",
                    "soci volontari (at most half of all members)",
                    membership_cap="1/2",
                    board_seats=1,
                ),
                MemberClass("service_user", "soci fruitori", board_seats=1),
                MemberClass(
                    "financer",
                    "soci sovventori",
                    voting_cap="1/3",
                    board_seats=1,
                    board_max=2,
                ),
            ),
            board_size=7,
            proxies_per_holder=10,
            quorum="1/2",
            thresholds={"ordinary": ORDINARY, "two_thirds": TWO_THIRDS},
        ),
        # A Somerset Rules co-op: workers hold half the voting strength, investors
        # at most a tenth; the other classes share the rest one member one vote.
        RulesProfile(
            "somerset_weighted",
            (
                MemberClass(
                    "worker",
                    "workers (half of all voting strength)",
                    voting_share="1/2",
                    board_seats=3,
                    quorum="1/5",
                ),
                MemberClass(
                    "service_user",
                    "people who receive care, and families",
                    board_seats=2,
                ),
                MemberClass("supporter", "community supporters", board_seats=1),
                MemberClass(
                    "investor",
                    "investor members (at most a tenth of voting strength)",
                    voting_cap="1/10",
                    board_seats=1,
                    board_max=1,
                ),
            ),
            board_size=7,
            proxies_per_holder=1,
            quorum="1/10",
        ),
        # A Quebec solidarity co-op (Cooperatives Act): no proxy voting; supporting
        # members elect at most a third of the directors; special resolutions 2/3.
        RulesProfile(
            "quebec_solidarity",
            (
                MemberClass("user", "membres utilisateurs", board_seats=4),
                MemberClass("worker", "membres travailleurs", board_seats=3),
                MemberClass(
                    "supporter", "membres de soutien", board_seats=2, board_max=3
                ),
            ),
            board_size=9,
            proxies_per_holder=0,
            quorum="1/10",
            thresholds={"ordinary": ORDINARY, "two_thirds": TWO_THIRDS},
            withdrawn_lose_vote=True,
        ),
    )
}


# A type B co-op takes the type A classes; only the workforce target differs.
PROFILES["italy_type_b"] = msgspec.structs.replace(
    PROFILES["italy_type_a"], name="italy_type_b", type_b=True
)


def profile_named(name: str) -> RulesProfile:
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise ValueError(f"unknown rules profile {name!r}; known: {known}") from None
