"""Payloads a consortium shares upward, to a federation of consortia.

A consortium sends a full snapshot of its *published* report: every person count
is already suppressed (an integer of at least 5, or ``"<5"``), so a federation
learns nothing the consortium would not print. No member pseudonym, no figure of
one person, no free text: only the consortium's network totals and the lineage of
its co-ops (organisations, not people), as its own growth tree shows them.

Each snapshot replaces the one before it (the federation keeps the latest by
seq), so a lost or repeated snapshot can never be counted twice.
"""

import datetime as dt
from typing import Annotated, Literal

import msgspec

from schemas.envelope import CoopId
from schemas.membership import ClassName
from schemas.payloads import Payload

# The subject word of the upward stream: ``cw.coop.<consortium id>.consortium`` at
# the federation's broker. Not one of a node's STREAMS: no node may share it.
UPWARD_STREAM = "consortium"

PublishedCount = Annotated[
    Annotated[int, msgspec.Meta(ge=5)] | Literal["<5"],
    msgspec.Meta(description='a count of people as published: at least 5, or "<5"'),
]
Minutes = Annotated[int, msgspec.Meta(ge=0, description="minutes")]
ServiceType = Annotated[str, msgspec.Meta(pattern=r"^[a-z_]{1,40}$")]
ProfileName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class CoopLineage(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One member co-op as the consortium's growth tree shows it."""

    coop_id: CoopId
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    parent: CoopId | None
    founded_on: dt.date | None
    members: PublishedCount
    runners_sent: Annotated[int, msgspec.Meta(ge=0)]


class ConsortiumReportPublished(Payload, frozen=True):
    """The consortium's published figures as of ``as_of``: a whole snapshot."""

    SCHEMA = "consortium.report_published/1"
    STREAM = UPWARD_STREAM
    as_of: dt.date
    coop_count: Annotated[int, msgspec.Meta(ge=0)]
    members: PublishedCount
    members_by_class: dict[ClassName, PublishedCount]
    share_capital_by_profile: dict[ProfileName, Annotated[int, msgspec.Meta(ge=0)]]
    care_minutes: Minutes
    care_minutes_by_service: dict[ServiceType, Minutes]
    visits_delivered: Annotated[int, msgspec.Meta(ge=0)]
    visits_missed: Annotated[int, msgspec.Meta(ge=0)]
    volunteer_minutes: Minutes
    active_volunteers: PublishedCount
    ballots: Annotated[int, msgspec.Meta(ge=0)]
    quorate: Annotated[int, msgspec.Meta(ge=0)]
    timebank_accounts: PublishedCount
    timebank_earned: Minutes
    timebank_spent: Minutes
    workforce_headcount: PublishedCount
    workforce_leavers_12m: PublishedCount
    coops: list[CoopLineage]
