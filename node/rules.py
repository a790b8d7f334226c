"""A co-op's rules profile: its member classes and how they take part.

Profiles are data: a co-op adopts one when founded (recorded as an event) and may
amend it later. The named profiles below are starting points that match common
legal forms; a co-op can write its own in its config.
"""

from typing import Annotated

import msgspec

ClassName = Annotated[str, msgspec.Meta(pattern=r"^[a-z_]{1,40}$")]


class MemberClass(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: ClassName
    description: str = ""


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

    @property
    def class_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.member_classes)


def _classes(*pairs: tuple[str, str]) -> tuple[MemberClass, ...]:
    return tuple(MemberClass(name, description) for name, description in pairs)


PROFILES: dict[str, RulesProfile] = {
    profile.name: profile
    for profile in (
        RulesProfile(
            "uk_multi_stakeholder",
            _classes(
                ("service_user", "people who receive care, and their families"),
                ("worker", "care workers employed by the co-op"),
                ("volunteer", "volunteers and time-bank members"),
                ("supporter", "community supporters"),
            ),
        ),
        RulesProfile(
            "italy_type_a",
            _classes(
                ("worker", "soci lavoratori"),
                ("volunteer", "soci volontari (at most half of all members)"),
                ("service_user", "soci fruitori"),
                ("financer", "soci sovventori"),
            ),
        ),
        RulesProfile(
            "somerset_weighted",
            _classes(
                ("worker", "workers (weighted to half of voting strength)"),
                ("service_user", "people who receive care, and their families"),
                ("supporter", "community supporters"),
                ("investor", "investor members"),
            ),
        ),
        RulesProfile(
            "quebec_solidarity",
            _classes(
                ("user", "membres utilisateurs"),
                ("worker", "membres travailleurs"),
                ("supporter", "membres de soutien"),
            ),
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
