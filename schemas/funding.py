"""Payloads about who pays for care, on the ``care`` stream.

An arrangement is shared as its funder's type and the minutes a week it
commissions, from a day, under a pseudonym of the arrangement: never the person,
the funder's name or its reference. Delivered minutes travel already, in
``visit.delivered``.
"""

import datetime as dt
from typing import Annotated, Literal

import msgspec

from schemas.membership import Pseudonym
from schemas.payloads import Payload

FunderType = Literal[
    "council_commission", "direct_payment", "independent_service_fund", "self_funded"
]
# A week has 10,080 minutes: no arrangement commissions more.
WeeklyMinutes = Annotated[int, msgspec.Meta(ge=0, le=7 * 24 * 60)]


class FundingArranged(Payload, frozen=True):
    """The arrangement in force from ``starts_on`` (a later one replaces it)."""

    SCHEMA = "funding.arranged/1"
    STREAM = "care"
    arrangement: Pseudonym
    funder: FunderType
    weekly_minutes: WeeklyMinutes
    starts_on: dt.date
