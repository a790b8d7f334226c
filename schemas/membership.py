"""Payloads of the ``membership`` stream.

Members appear only as keyed pseudonyms; no name, contact detail or free text.
"""

import datetime as dt
from typing import Annotated

import msgspec

from schemas.payloads import Payload

Pseudonym = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{32}$")]
ClassName = Annotated[str, msgspec.Meta(pattern=r"^[a-z_]{1,40}$")]
Pence = Annotated[int, msgspec.Meta(gt=0, description="an amount in minor units")]


class CoopFounded(Payload, frozen=True):
    SCHEMA = "coop.founded/1"
    STREAM = "membership"
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    profile: str
    member_classes: list[ClassName]
    founded_on: dt.date


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
