"""The records of hours that travel between co-ops (schemas.hours): a transfer
out (held, then confirmed or refunded), a transfer in (credited or refused,
once), and how far the node has read the relay the consortium keeps for it.

None of these names a member outside the node: the sharing rules
(node.hours_exchange) send the transfer's random id, the partner co-op and the
minutes, never the member or the account.
"""

import datetime as dt
import hmac
from typing import Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

OutState = Literal["held", "confirmed", "refunded"]
# Letters and digits that cannot be misread (schemas.hours.REFERENCE_PATTERN):
# 32 of them, so each takes five bits of the code's HMAC.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_CONTEXT = b"commonweal hours reference\x00"
RELAY_INBOX = uuid5(NAMESPACE_URL, "commonweal:relay_inbox")


def reference_code(secret: bytes, account_id: UUID) -> str:
    """The code a member gives another co-op so that hours sent to this co-op
    reach their account: keyed, so nobody outside the node can work one out
    from an account id or guess another member's from their own."""
    digest = hmac.digest(secret, REFERENCE_CONTEXT + account_id.bytes, "sha256")
    letters = "".join(REFERENCE_ALPHABET[b % 32] for b in digest[:8])
    return f"{letters[:4]}-{letters[4:]}"


def hours_in_id(payer: str, transfer: UUID) -> UUID:
    """One incoming transfer per payer and transfer id: an offer relayed twice
    finds it there. The payer is part of it so that one co-op cannot answer for
    another's transfer by reusing its id."""
    return uuid5(NAMESPACE_URL, f"commonweal:hours_in:{payer}:{transfer}")


def settlement_id(transfer: UUID) -> UUID:
    """The ledger transfer that confirms or refunds ``transfer`` (the hold is
    entered under the transfer's own id)."""
    return uuid5(NAMESPACE_URL, f"commonweal:hours_out:{transfer}:settled")


class HoursOut(Aggregate):
    """Hours a member sent to another co-op; its id is the transfer's."""

    TOPIC = "commonweal.hours_out"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.hours_out.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.hours_out.created"

    class Sent(Created):
        TOPIC = "commonweal.hours_out.sent"
        transfer: UUID
        member: UUID
        payee: str
        minutes: int
        reference: str
        sent_on: dt.date

    class Settled(Event):
        TOPIC = "commonweal.hours_out.settled"
        # Again the transfer's, so that what is shared of it stands alone.
        payee: str
        minutes: int
        outcome: str  # schemas.hours.Outcome
        reason: str  # schemas.hours.RefusalReason
        settled_on: dt.date

    @staticmethod
    def create_id(transfer: UUID, **_: object) -> UUID:
        return transfer

    @event(Sent)
    def __init__(
        self,
        transfer: UUID,
        member: UUID,
        payee: str,
        minutes: int,
        reference: str,
        sent_on: dt.date,
    ) -> None:
        self.member = member
        self.payee = payee
        self.minutes = minutes
        self.reference = reference
        self.sent_on = sent_on
        self.state: OutState = "held"
        self.reason = ""
        self.settled_on: dt.date | None = None

    @event(Settled)
    def settle(
        self, payee: str, minutes: int, outcome: str, reason: str, settled_on: dt.date
    ) -> None:
        self.state = "confirmed" if outcome == "confirmed" else "refunded"
        self.reason = reason
        self.settled_on = settled_on


class HoursIn(Aggregate):
    """Hours another co-op sent to this one, and this node's answer, recorded in
    one event: credited (``reason`` "") or refused."""

    TOPIC = "commonweal.hours_in"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.hours_in.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.hours_in.created"

    class Answered(Created):
        TOPIC = "commonweal.hours_in.answered"
        payer: str
        transfer: UUID
        minutes: int
        reference: str
        account: UUID | None  # the account credited; None when refused
        reason: str  # schemas.hours.RefusalReason
        sent_on: dt.date
        answered_on: dt.date

    @staticmethod
    def create_id(payer: str, transfer: UUID, **_: object) -> UUID:
        return hours_in_id(payer, transfer)

    @event(Answered)
    def __init__(
        self,
        payer: str,
        transfer: UUID,
        minutes: int,
        reference: str,
        account: UUID | None,
        reason: str,
        sent_on: dt.date,
        answered_on: dt.date,
    ) -> None:
        self.payer = payer
        self.transfer = transfer
        self.minutes = minutes
        self.reference = reference
        self.account = account
        self.reason = reason
        self.sent_on = sent_on
        self.answered_on = answered_on

    @property
    def accepted(self) -> bool:
        return self.reason == ""


class RelayInbox(Aggregate):
    """The last relayed message (``cw.relay.<own id>.<n>``) the node applied:
    saved with what applying it wrote, so each is applied exactly once."""

    TOPIC = "commonweal.relay_inbox"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.relay_inbox.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.relay_inbox.created"

    class Started(Created):
        TOPIC = "commonweal.relay_inbox.started"

    class Read(Event):
        TOPIC = "commonweal.relay_inbox.read"
        n: int

    @staticmethod
    def create_id(**_: object) -> UUID:
        return RELAY_INBOX

    @event(Started)
    def __init__(self) -> None:
        self.position = 0

    @event(Read)
    def read(self, n: int) -> None:
        self.position = n
