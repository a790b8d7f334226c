"""Payloads of the ``governance`` stream: results, turnout and boards only.

No vote, voter, candidate or ballot title ever leaves a node: a closed ballot is
shared as turnout by class and its outcome; a board as seats held by class, with the
board rules it must meet; a general meeting as the day, counts attending and whether
it was quorate.
"""

import datetime as dt
from typing import Annotated, Literal

import msgspec

from schemas.membership import (
    ClassName,
    MembershipCaps,
    Pseudonym,
    ShareText,
    caps_unknown,
)
from schemas.payloads import UPCASTERS, Payload

Count = Annotated[int, msgspec.Meta(ge=0)]


class BoardRules(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    board_size: Count
    seats: dict[ClassName, Count]  # seats each class elects
    board_max: dict[ClassName, Count]  # the most seats a class's members may hold


BallotKind = Literal["proposal", "election"]


class BallotClosed(Payload, frozen=True):
    SCHEMA = "ballot.closed/1"
    STREAM = "governance"
    ballot: Pseudonym
    kind: BallotKind
    secret: bool
    threshold: str | None  # proposals: the threshold it needed
    electorate_by_class: dict[ClassName, Count]
    voted_by_class: dict[ClassName, Count]
    quorate: bool
    passed: bool | None  # proposals only
    closed_on: dt.date


class BoardElected(Payload, frozen=True):
    SCHEMA = "board.elected/1"
    STREAM = "governance"
    ballot: Pseudonym
    board_by_class: dict[ClassName, Count]  # seats held, by the holders' class
    rules: BoardRules
    elected_on: dt.date


class RulesAmended(Payload, frozen=True, kw_only=True):
    SCHEMA = "rules.amended/2"
    STREAM = "governance"
    profile: str
    member_classes: list[ClassName]
    rules: BoardRules
    proxies_per_holder: Count
    quorum: str
    amended_on: dt.date
    membership_caps: MembershipCaps = None


UPCASTERS["rules.amended/1"] = ("rules.amended/2", caps_unknown)


class MeetingHeld(Payload, frozen=True):
    """A general meeting whose minutes were adopted: when it was held and
    whether enough members were there (in person or by proxy), as counts."""

    SCHEMA = "meeting.held/1"
    STREAM = "governance"
    meeting: Pseudonym
    held_on: dt.date
    attending: Count  # present in person or represented by a proxy holder
    electorate: Count  # admitted members when the minutes were adopted
    quorum: ShareText  # of the electorate, from the co-op's rules
    quorate: bool
