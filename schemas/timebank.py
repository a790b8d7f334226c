"""Payloads of the ``timebank`` stream: the hours ledger, volunteer expenses and
the monthly counts of neighbourhood circles.

Accounts, transfers and claims appear only as keyed pseudonyms; no notes, no
descriptions, and a rejection is shared only as its category. Expenses travel here
because, like time credits, they are the volunteer's side of the co-op's books.
"""

import datetime as dt
from typing import Annotated, Literal

import msgspec

from schemas.membership import Pence, Pseudonym
from schemas.payloads import Payload

# A clearing account holds what one partner co-op owes this one in hours (or
# this one owes it, below zero); the transit account holds hours sent to another
# co-op until it answers (schemas.hours).
AccountKind = Literal["member", "pool", "clearing", "transit"]
Purpose = Literal["volunteering", "respite", "family_care", "gift", "adjustment"]
ExpenseCategory = Literal["travel", "childcare", "meals", "uniform"]
RejectionReason = Literal["not_eligible", "no_receipt", "duplicate", "late", "other"]


class AccountOpened(Payload, frozen=True):
    SCHEMA = "timebank.account_opened/1"
    STREAM = "timebank"
    account: Pseudonym
    kind: AccountKind
    opened_on: dt.date


class LedgerEntry(Payload, frozen=True):
    """One side of a transfer: minutes are negative for a debit, positive for a
    credit; the two sides share ``transfer``."""

    SCHEMA = "timebank.entry/1"
    STREAM = "timebank"
    account: Pseudonym
    kind: AccountKind
    transfer: Pseudonym
    minutes: Annotated[int, msgspec.Meta(ge=-1_000_000, le=1_000_000)]
    purpose: Purpose
    entered_on: dt.date

    def __post_init__(self) -> None:
        if self.minutes == 0:
            raise ValueError("a ledger entry moves a non-zero number of minutes")


class ExpenseClaimed(Payload, frozen=True):
    SCHEMA = "expense.claimed/1"
    STREAM = "timebank"
    claim: Pseudonym
    category: ExpenseCategory
    amount: Pence
    claimed_on: dt.date


class ExpenseApproved(Payload, frozen=True):
    SCHEMA = "expense.approved/1"
    STREAM = "timebank"
    claim: Pseudonym
    approved_on: dt.date


class ExpenseRejected(Payload, frozen=True):
    SCHEMA = "expense.rejected/1"
    STREAM = "timebank"
    claim: Pseudonym
    reason: RejectionReason
    rejected_on: dt.date


class ExpensePaid(Payload, frozen=True):
    SCHEMA = "expense.paid/1"
    STREAM = "timebank"
    claim: Pseudonym
    amount: Pence
    paid_on: dt.date


class CircleMonthSummarised(Payload, frozen=True):
    """A co-op's neighbourhood circles in one calendar month, counted in the node
    once the month is over: counts only, with no pseudonym, no name and no
    circle's id, so neither a person nor a circle can be followed from month to
    month."""

    SCHEMA = "circle.month_summarised/1"
    STREAM = "timebank"
    month: dt.date  # its first day
    # Circles with anyone in them on the month's last day, and how many members
    # each had then, largest first (one count per circle, nothing else).
    circles: Annotated[int, msgspec.Meta(ge=0)]
    members_per_circle: list[Annotated[int, msgspec.Meta(ge=1)]]
    # Meetings held in the month, and time-bank exchanges agreed on circles'
    # own boards that were settled in it.
    meetings: Annotated[int, msgspec.Meta(ge=0)]
    exchanges_settled: Annotated[int, msgspec.Meta(ge=0)]

    def __post_init__(self) -> None:
        if len(self.members_per_circle) != self.circles:
            raise ValueError("one count of members per circle")
