"""The network's mirror of this co-op, as received from the consortium: every
mirror kept, one aggregate per month, so the board sees the history.

A mirror is stored only once its signature is the consortium's statement key's
and it is this co-op's: a forged one, or another co-op's, is refused and logged,
never stored. The same mirror received again (the node asks every so often) is
stored once. None of it leaves the node: no sharing rule names these events.
"""

import datetime as dt
import hashlib
import logging
from typing import Literal
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
import nacl.signing
from eventsourcing.domain import Aggregate, event

from node.coop import CoopBase
from schemas.mirror import NetworkMirror
from toolkit.aggregates import events_with, get
from toolkit.signing import is_signed_by

log = logging.getLogger(__name__)

Receipt = Literal["stored", "repeat", "forged", "unreadable", "not_ours"]


def mirror_month_id(coop_id: str, period: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"commonweal:mirror:{coop_id}:{period}")


class MirrorMonth(Aggregate):
    TOPIC = "commonweal.mirror_month"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.mirror_month.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.mirror_month.created"

    class Started(Created):
        TOPIC = "commonweal.mirror_month.started"
        coop_id: str
        period: str

    class Received(Event):
        TOPIC = "commonweal.mirror_month.received"
        # The mirror exactly as signed, so it can be checked again later.
        body: str
        signature: str
        digest: str

    @staticmethod
    def create_id(coop_id: str, period: str, **_: object) -> UUID:
        return mirror_month_id(coop_id, period)

    @event(Started)
    def __init__(self, coop_id: str, period: str) -> None:
        self.digests: set[str] = set()

    @event(Received)
    def receive(self, body: str, signature: str, digest: str) -> None:
        self.digests.add(digest)


class ReceivedMirror(msgspec.Struct, frozen=True):
    mirror: NetworkMirror
    received_at: dt.datetime


class NetworkMirrorCommands(CoopBase):
    def receive_mirror(
        self, data: bytes, signature: str, key: nacl.signing.VerifyKey
    ) -> Receipt:
        """Keep a mirror from the broker if ``key`` signed it and it is ours."""
        if not is_signed_by(key, data, signature):
            log.warning("refused a network mirror: not signed by the consortium")
            return "forged"
        try:
            mirror = msgspec.json.decode(data, type=NetworkMirror)
        except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError):
            log.warning("refused a network mirror: signed but unreadable")
            return "unreadable"
        if mirror.coop_id != self.coop_id:
            log.warning("refused the network mirror of co-op %s", mirror.coop_id)
            return "not_ours"
        digest = hashlib.sha256(data).hexdigest()
        month = get(self, mirror_month_id(self.coop_id, mirror.period), MirrorMonth)
        if month is not None and digest in month.digests:
            return "repeat"
        month = month or MirrorMonth(coop_id=self.coop_id, period=mirror.period)
        month.receive(data.decode(), signature, digest)
        self.save(month)
        return "stored"

    def mirrors_received(self) -> list[ReceivedMirror]:
        """The latest mirror of each month, newest month first."""
        latest: dict[str, ReceivedMirror] = {}
        for received in events_with(self, MirrorMonth.Received.TOPIC):
            assert isinstance(received, MirrorMonth.Received)
            mirror = msgspec.json.decode(received.body, type=NetworkMirror)
            kept = latest.get(mirror.period)
            if kept is None or mirror.issued_at >= kept.mirror.issued_at:
                latest[mirror.period] = ReceivedMirror(mirror, received.timestamp)
        return [latest[p] for p in sorted(latest, reverse=True)]
