"""Hours that travel, as the consortium's tests see them from outside: the
hours.* envelopes a node would share, and the relay stream read by a plain
JetStream direct get (``schemas.hours``)."""

import datetime as dt
import uuid

import msgspec
from nats.aio.client import Client as NATS
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from schemas import Payload
from schemas import hours as h
from tests.streams import ChainWriter, publish_signed
from toolkit.signing import SIGNATURE_HEADER

DAY = dt.date(2026, 11, 30)


def sent(payee: str, minutes: int, reference: str = "") -> h.HoursSent:
    return h.HoursSent(
        transfer=uuid.uuid4(),
        payee=payee,
        minutes=minutes,
        reference=reference,
        sent_on=DAY,
    )


def answered(
    offer: h.HoursSent, payer: str, reason: h.RefusalReason = "", **changed: object
) -> h.HoursAnswered:
    answer = h.HoursAnswered(
        transfer=offer.transfer,
        payer=payer,
        minutes=offer.minutes,
        reason=reason,
        answered_on=DAY,
    )
    return msgspec.structs.replace(answer, **changed)


def settled(
    offer: h.HoursSent, outcome: h.Outcome, **changed: object
) -> h.HoursSettled:
    settlement = h.HoursSettled(
        transfer=offer.transfer,
        payee=offer.payee,
        minutes=offer.minutes,
        outcome=outcome,
        settled_on=DAY,
    )
    return msgspec.structs.replace(settlement, **changed)


class CoopWire:
    """One co-op's timebank stream as its node publishes it, signed with the
    co-op's test key; keeps what it sent, to replay it."""

    def __init__(self, coop_id: str, url: str) -> None:
        self.chain = ChainWriter(coop_id)
        self.url = url
        self.sent: list[bytes] = []

    @property
    def subject(self) -> str:
        return f"cw.coop.{self.chain.coop_id}.timebank"

    async def share(self, *payloads: Payload) -> None:
        for payload in payloads:
            data = msgspec.json.encode(self.chain.next(payload))
            self.sent.append(data)
            await publish_signed(self.url, self.subject, data)

    async def replay(self) -> None:
        for data in self.sent:
            await publish_signed(self.url, self.subject, data)


async def relayed(
    nc: NATS, recipient: str, n: int, *, own: bool = False, timeout: float = 2.0
) -> tuple[bytes, str] | None:
    """Message n relayed to ``recipient`` and its signature, None if there is
    none; ``own``: through the co-op's renamed direct get on a secured hub."""
    subject = h.relay_subject(recipient, n)
    request = (
        f"{h.OWN_RELAY_PREFIX}.{subject}"
        if own
        else f"$JS.API.DIRECT.GET.{h.RELAY_STREAM}.{subject}"
    )
    try:
        reply = await nc.request(request, b"", timeout=timeout)
    except (NoRespondersError, NatsTimeout):
        return None
    headers = reply.headers or {}
    if headers.get("Status"):
        return None
    return bytes(reply.data), headers.get(SIGNATURE_HEADER, "")


async def all_relayed(nc: NATS, recipient: str) -> list[h.Relayed]:
    """Every message relayed to ``recipient``, n = 1, 2, ... until one is
    missing."""
    messages: list[h.Relayed] = []
    while (found := await relayed(nc, recipient, len(messages) + 1)) is not None:
        messages.append(h.decode_relayed(found[0]))
    return messages
