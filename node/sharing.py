"""The sharing policy: which node events leave the node, and in what form.

Only allowlisted event types are shared, one translation (a ``Rule``) each; every
area of the node declares its rules beside its aggregates, and node.application
puts them together into the allowlist. A translation names
the fields it copies, so nothing else (names, contact details, free text) can leak
by accident; member ids are replaced by a keyed pseudonym (HMAC under the node's
secret), which the consortium can count but not reverse or link across co-ops.
"""

import datetime as dt
import hmac
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple
from uuid import UUID

from schemas import STREAMS, Payload


class SharedEvent(NamedTuple):
    stream: str
    payload: Payload
    occurred_at: dt.date
    event_id: str


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
    ) -> None:
        if len(secret) < 16:
            raise ValueError("the node secret must be at least 16 bytes")
        self.streams = frozenset(streams)
        unknown = self.streams - set(STREAMS)
        if unknown:
            raise ValueError(f"unknown streams {sorted(unknown)}; known: {STREAMS}")
        self._secret = secret
        self.allowlist = allowlist
        self.topics = frozenset(
            topic
            for topic, rule in allowlist.items()
            if rule.payload_type.STREAM in self.streams
        )

    def pseudonym(self, member_id: UUID) -> str:
        """A stable, keyed stand-in for a member (or any person's) id."""
        return hmac.digest(self._secret, member_id.bytes, "sha256").hex()[:32]

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
            event_id=hmac.digest(self._secret, event_key, "sha256").hex()[:32],
        )
