"""The sharing policy: which node events leave the node, and in what form.

Only allowlisted event types are shared, one translation (a ``Rule``) each; every
area of the node declares its rules beside its aggregates, and node.application
puts them together into the allowlist. A translation names
the fields it copies, so nothing else (names, contact details, free text) can leak
by accident; member ids are replaced by a keyed pseudonym (HMAC under the node's
secret), which the consortium can count but not reverse or link across co-ops.
"""

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple
from uuid import UUID

from schemas import STREAMS, Payload


class SharedEvent(NamedTuple):
    stream: str
    payload: Payload
    occurred_at: dt.date
    event_id: str


class KeyedHash:
    """HMAC-SHA256 under one key, with the padded key hashed once.

    ``hmac.digest`` sets the key up in OpenSSL again on every call: in a
    catch-up's profile that was the largest single cost of sharing an event (two
    HMACs each). Copying the two keyed sha256 states gives the same bytes (RFC
    2104) in well under half the time.
    """

    BLOCK = 64  # sha256's block size in bytes

    def __init__(self, key: bytes) -> None:
        if len(key) > self.BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(self.BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def digest(self, message: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


# Pseudonyms kept for the members seen lately: a catch-up shares several events
# of each member in a row. Bounded, as a node's history may hold many people.
PSEUDONYMS_KEPT = 65_536

Translation = Callable[["SharingPolicy", Any], Payload]


class Rule(NamedTuple):
    """How one domain event type is shared: as which payload, built how."""

    payload_type: type[Payload]
    translate: Translation


class SharingPolicy:
    """Turns domain events into shareable payloads, for the streams a co-op shares."""

    def __init__(
        self,
        secret: bytes,
        allowlist: Mapping[str, Rule],
        streams: Iterable[str] = STREAMS,
        carried: Iterable[str] = (),
    ) -> None:
        """``carried``: topics of the allowlist shared whatever the streams (the
        hours a co-op sends through its consortium, node.consortia)."""
        if len(secret) < 16:
            raise ValueError("the node secret must be at least 16 bytes")
        self.streams = frozenset(streams)
        unknown = self.streams - set(STREAMS)
        if unknown:
            raise ValueError(f"unknown streams {sorted(unknown)}; known: {STREAMS}")
        self._keyed = KeyedHash(secret)
        self._pseudonyms: dict[UUID, str] = {}
        self.allowlist = allowlist
        self.topics = frozenset(
            topic
            for topic, rule in allowlist.items()
            if rule.payload_type.STREAM in self.streams
        ) | (frozenset(carried) & set(allowlist))

    def pseudonym(self, member_id: UUID) -> str:
        """A stable, keyed stand-in for a member (or any person's) id."""
        pseudonym = self._pseudonyms.get(member_id)
        if pseudonym is None:
            if len(self._pseudonyms) >= PSEUDONYMS_KEPT:
                self._pseudonyms.clear()
            pseudonym = self._keyed.digest(member_id.bytes).hex()[:32]
            self._pseudonyms[member_id] = pseudonym
        return pseudonym

    def share(self, domain_event: Any) -> SharedEvent | None:
        topic = type(domain_event).TOPIC
        if topic not in self.topics:
            return None
        payload = self.allowlist[topic].translate(self, domain_event)
        # Keyed like the pseudonyms, so event ids do not reveal aggregate ids.
        event_key = domain_event.originator_id.bytes + b"%d" % (
            domain_event.originator_version
        )
        return SharedEvent(
            stream=payload.STREAM,
            payload=payload,
            occurred_at=domain_event.timestamp.date(),
            event_id=self._keyed.digest(event_key).hex()[:32],
        )
