"""Hours that travel: time-bank hours a member of one co-op spends on a service
from another, cleared through the consortium in two phases.

1. The payer's node holds the hours (the member's account to its transit
   account) and shares ``hours.sent``.
2. The consortium relays it to the payee as an ``HoursOffer``; the payee's node
   credits them (its clearing account of the payer to the account the reference
   names, or to its pool) or refuses, and shares ``hours.answered``.
3. The consortium relays the answer to the payer as an ``HoursAnswer``; the
   payer's node confirms (transit to its clearing account of the payee) or
   refunds (transit back to the member), and shares ``hours.settled``.

The transfer is named by a random id that is the same at both co-ops and the
consortium; no member, account or pseudonym of either co-op travels. A
reference is a code the payee co-op gave the person the hours are for, so that
it can credit them; it means nothing anywhere else.

Relayed messages go on ``cw.relay.<recipient>.<n>``, n dense per recipient from
1, each signed with the consortium's statement key in the node's signature
header. A node reads its own with a direct get renamed ``cw.own-relay.<subject>``
(the only relay subjects its broker user may ask for), in order, and keeps the
last n it applied.
"""

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from schemas.envelope import CoopId
from schemas.payloads import Payload

RELAY_STREAM = "CW_RELAY"
RELAY_SUBJECTS = "cw.relay.>"
OWN_RELAY_PREFIX = "cw.own-relay"

# At most a working week's hours in one transfer: a typo of 6000 for 60 minutes
# should not empty an account into another co-op.
MAX_MINUTES = 50 * 60
Minutes = Annotated[int, msgspec.Meta(ge=1, le=MAX_MINUTES)]
# "K7Q2-MX4P": letters and digits without the ones people misread (0/O, 1/I).
REFERENCE_PATTERN = r"^([A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4})?$"
Reference = Annotated[str, msgspec.Meta(pattern=REFERENCE_PATTERN)]

# Why hours were not taken: "" they were.
# - unknown_coop: the consortium has no such co-op (it answers for it);
# - unknown_reference: the payee co-op has no account with that reference;
# - over_limit: the account credited would go above its maximum;
# - not_taken: the payee co-op does not take hours from other co-ops.
RefusalReason = Literal[
    "", "unknown_coop", "unknown_reference", "over_limit", "not_taken"
]
Outcome = Literal["confirmed", "refunded"]


class HoursSent(Payload, frozen=True, kw_only=True):
    """The payer's node has held ``minutes`` of a member's hours for ``payee``."""

    SCHEMA = "hours.sent/1"
    STREAM = "timebank"
    transfer: UUID
    payee: CoopId
    minutes: Minutes
    reference: Reference = ""
    sent_on: dt.date


class HoursAnswered(Payload, frozen=True, kw_only=True):
    """The payee's node took the hours of ``transfer`` (``reason`` "") or
    refused them."""

    SCHEMA = "hours.answered/1"
    STREAM = "timebank"
    transfer: UUID
    payer: CoopId
    minutes: Minutes
    reason: RefusalReason = ""
    answered_on: dt.date

    @property
    def accepted(self) -> bool:
        return self.reason == ""


class HoursSettled(Payload, frozen=True, kw_only=True):
    """The payer's node has confirmed the transfer (the hours are now owed by
    the payee in its clearing account) or refunded the member."""

    SCHEMA = "hours.settled/1"
    STREAM = "timebank"
    transfer: UUID
    payee: CoopId
    minutes: Minutes
    outcome: Outcome
    settled_on: dt.date


class HoursOffer(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    forbid_unknown_fields=True,
    tag="hours.offer/1",
):
    """Relayed to the payee: hours sent to it by ``payer``."""

    n: Annotated[int, msgspec.Meta(ge=1)]
    recipient: CoopId  # the payee
    payer: CoopId
    transfer: UUID
    minutes: Minutes
    reference: Reference = ""
    sent_on: dt.date
    relayed_at: dt.datetime


class HoursAnswer(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    forbid_unknown_fields=True,
    tag="hours.answer/1",
):
    """Relayed to the payer: the payee's answer to its hours (or the
    consortium's, ``unknown_coop``, when there is no such payee)."""

    n: Annotated[int, msgspec.Meta(ge=1)]
    recipient: CoopId  # the payer
    payee: CoopId
    transfer: UUID
    minutes: Minutes
    reason: RefusalReason = ""
    answered_on: dt.date
    relayed_at: dt.datetime

    @property
    def accepted(self) -> bool:
        return self.reason == ""


Relayed = HoursOffer | HoursAnswer


def relay_subject(recipient: str, n: int) -> str:
    return f"cw.relay.{recipient}.{n}"


def encode_relayed(message: Relayed) -> bytes:
    return msgspec.json.encode(message)


_RELAYED = msgspec.json.Decoder(Relayed)


def decode_relayed(data: bytes) -> Relayed:
    """Raises msgspec.ValidationError / DecodeError naming what is wrong."""
    return _RELAYED.decode(data)
