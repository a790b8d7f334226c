"""Volunteer expenses, so that no volunteer is out of pocket: claimed, approved or
rejected, then paid. Descriptions and notes stay in the node."""

import datetime as dt
from collections.abc import Iterator
from typing import get_args
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from node.coop import CoopBase
from node.corrections import Correctable, Corrected
from node.errors import (
    ExpenseNotApproved,
    InvalidAmount,
    InvalidTransition,
    OwnClaim,
    UnknownExpenseClaim,
    UnknownReason,
)
from node.membership import admitted_member
from node.records import load
from node.sharing import Rule
from schemas import timebank as shared
from toolkit.aggregates import ids_with

CATEGORIES: tuple[str, ...] = get_args(shared.ExpenseCategory)
REJECTION_REASONS: tuple[str, ...] = get_args(shared.RejectionReason)


class ExpenseClaim(Aggregate, Correctable):
    TOPIC = "commonweal.expense_claim"
    CORRECTABLE = frozenset({"description"})

    class Event(Aggregate.Event):
        TOPIC = "commonweal.expense_claim.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.expense_claim.created"

    class Claimed(Created):
        TOPIC = "commonweal.expense_claim.claimed"
        claimant: UUID
        category: str
        amount: int
        description: str
        claimed_on: dt.date

    class FieldCorrected(Corrected, Event):
        TOPIC = "commonweal.expense_claim.field_corrected"
        field: str
        value: str
        by: UUID | None

    class Approved(Event):
        TOPIC = "commonweal.expense_claim.approved"
        approved_on: dt.date

    class Rejected(Event):
        TOPIC = "commonweal.expense_claim.rejected"
        reason: str
        note: str
        rejected_on: dt.date

    class Paid(Event):
        TOPIC = "commonweal.expense_claim.paid"
        amount: int
        paid_on: dt.date

    @event(Claimed)
    def __init__(
        self,
        claimant: UUID,
        category: str,
        amount: int,
        description: str,
        claimed_on: dt.date,
    ) -> None:
        self.claimant = claimant
        self.category = category
        self.amount = amount
        self.description = description
        self.claimed_on = claimed_on
        self.status = "claimed"
        self.decided_on: dt.date | None = None
        self.paid_on: dt.date | None = None
        self.reason: str | None = None
        self.note = ""

    def approve(self, approved_on: dt.date) -> None:
        self._require("claimed", "approved")
        self._approved(approved_on)

    @event(Approved)
    def _approved(self, approved_on: dt.date) -> None:
        self.status = "approved"
        self.decided_on = approved_on

    def reject(self, reason: str, note: str, rejected_on: dt.date) -> None:
        self._require("claimed", "rejected")
        if reason not in REJECTION_REASONS:
            raise UnknownReason(
                f"{reason!r} is not a reason to reject a claim; reasons are: "
                f"{', '.join(REJECTION_REASONS)}"
            )
        self._rejected(reason, note, rejected_on)

    @event(Rejected)
    def _rejected(self, reason: str, note: str, rejected_on: dt.date) -> None:
        self.status = "rejected"
        self.decided_on = rejected_on
        self.reason = reason
        self.note = note

    def pay(self, paid_on: dt.date) -> None:
        if self.status in ("claimed", "rejected"):
            raise ExpenseNotApproved(
                f"expense claim {self.id} is {self.status}; only an approved claim "
                "can be paid"
            )
        self._require("approved", "paid")
        self._paid(self.amount, paid_on)

    @event(Paid)
    def _paid(self, amount: int, paid_on: dt.date) -> None:
        self.status = "paid"
        self.paid_on = paid_on

    def _require(self, status: str, action: str) -> None:
        if self.status != status:
            raise InvalidTransition(
                f"expense claim {self.id} is {self.status}; only a {status} claim "
                f"can be {action}"
            )


class ExpenseCommands(CoopBase):
    def claim_expense(
        self,
        claimant: UUID,
        category: str,
        amount: int,
        description: str = "",
        claimed_on: dt.date | None = None,
    ) -> UUID:
        """A claim by a volunteer (or any admitted member); amount in minor units."""
        admitted_member(self, claimant, "claimant")
        if category not in CATEGORIES:
            raise UnknownReason(
                f"{category!r} is not an expense category; categories are: "
                f"{', '.join(CATEGORIES)}"
            )
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise InvalidAmount(f"amount must be a positive whole number: {amount!r}")
        claim = ExpenseClaim(
            claimant=claimant,
            category=category,
            amount=amount,
            description=description,
            claimed_on=claimed_on or dt.date.today(),
        )
        self.save(claim)
        return claim.id

    def approve_expense(
        self, claim_id: UUID, on: dt.date | None = None, *, by: UUID | None = None
    ) -> None:
        """``by``: the member deciding (None for the co-op's admin token)."""
        claim = self._decidable_claim(claim_id, by, "approve")
        claim.approve(on or dt.date.today())
        self.save(claim)

    def reject_expense(
        self,
        claim_id: UUID,
        reason: str,
        note: str = "",
        on: dt.date | None = None,
        *,
        by: UUID | None = None,
    ) -> None:
        claim = self._decidable_claim(claim_id, by, "reject")
        claim.reject(reason, note, on or dt.date.today())
        self.save(claim)

    def pay_expense(
        self, claim_id: UUID, on: dt.date | None = None, *, by: UUID | None = None
    ) -> None:
        claim = self._decidable_claim(claim_id, by, "pay")
        claim.pay(on or dt.date.today())
        self.save(claim)

    def _decidable_claim(
        self, claim_id: UUID, by: UUID | None, action: str
    ) -> ExpenseClaim:
        """Separation of duties: nobody decides or pays their own claim."""
        claim = self.expense_claim(claim_id)
        if by is not None and by == claim.claimant:
            raise OwnClaim(f"nobody may {action} their own expense claim")
        return claim

    def expense_claim(self, claim_id: UUID) -> ExpenseClaim:
        return load(self, claim_id, ExpenseClaim, UnknownExpenseClaim)

    def expense_claims(self) -> Iterator[ExpenseClaim]:
        for claim_id in ids_with(self, ExpenseClaim.Claimed.TOPIC):
            yield self.expense_claim(claim_id)


EXPENSE_SHARING: dict[str, Rule] = {
    ExpenseClaim.Claimed.TOPIC: Rule(
        shared.ExpenseClaimed,
        lambda p, e: shared.ExpenseClaimed(
            claim=p.pseudonym(e.originator_id),
            category=e.category,
            amount=e.amount,
            claimed_on=e.claimed_on,
        ),
    ),
    ExpenseClaim.Approved.TOPIC: Rule(
        shared.ExpenseApproved,
        lambda p, e: shared.ExpenseApproved(
            claim=p.pseudonym(e.originator_id), approved_on=e.approved_on
        ),
    ),
    ExpenseClaim.Rejected.TOPIC: Rule(
        shared.ExpenseRejected,
        lambda p, e: shared.ExpenseRejected(
            claim=p.pseudonym(e.originator_id),
            reason=e.reason,
            rejected_on=e.rejected_on,
        ),
    ),
    ExpenseClaim.Paid.TOPIC: Rule(
        shared.ExpensePaid,
        lambda p, e: shared.ExpensePaid(
            claim=p.pseudonym(e.originator_id), amount=e.amount, paid_on=e.paid_on
        ),
    ),
}
