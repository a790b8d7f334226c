"""Payloads of the ``membership`` stream.

Members appear only as keyed pseudonyms; no name, contact detail or free text.
"""

import datetime as dt
from typing import Annotated

import msgspec

from schemas.payloads import UPCASTERS, Payload

Pseudonym = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{32}$")]
ClassName = Annotated[str, msgspec.Meta(pattern=r"^[a-z_]{1,40}$")]
Pence = Annotated[int, msgspec.Meta(gt=0, description="an amount in minor units")]
# An exact share, "1/2": how rules write caps and quorums.
ShareText = Annotated[str, msgspec.Meta(pattern=r"^[0-9]+/[1-9][0-9]*$")]
# The most of all members each capped class may be (Italian law 381/1991 caps
# volunteers at half). None: not known, the payload came from a node too old to
# share its caps; {} no class is capped.
MembershipCaps = dict[ClassName, ShareText] | None


class CoopFounded(Payload, frozen=True, kw_only=True):
    SCHEMA = "coop.founded/2"
    STREAM = "membership"
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    profile: str
    member_classes: list[ClassName]
    founded_on: dt.date
    membership_caps: MembershipCaps = None


def caps_unknown(obj: dict[str, object]) -> dict[str, object]:
    """Version 1 of a payload with rules, which did not carry the caps."""
    return {**obj, "membership_caps": None}


UPCASTERS["coop.founded/1"] = ("coop.founded/2", caps_unknown)


class MemberAdmitted(Payload, frozen=True):
    SCHEMA = "member.admitted/1"
    STREAM = "membership"
    member: Pseudonym
    member_class: ClassName
    admitted_on: dt.date


class MemberClassChanged(Payload, frozen=True):
    SCHEMA = "member.class_changed/1"
    STREAM = "membership"
    member: Pseudonym
    from_class: ClassName
    to_class: ClassName
    changed_on: dt.date


class MemberWithdrawn(Payload, frozen=True):
    SCHEMA = "member.withdrawn/1"
    STREAM = "membership"
    member: Pseudonym
    member_class: ClassName
    withdrawn_on: dt.date


class SharesBought(Payload, frozen=True):
    SCHEMA = "shares.bought/1"
    STREAM = "membership"
    member: Pseudonym
    amount: Pence
    bought_on: dt.date


class SharesRedeemed(Payload, frozen=True):
    SCHEMA = "shares.redeemed/1"
    STREAM = "membership"
    member: Pseudonym
    amount: Pence
    redeemed_on: dt.date
