"""Personal fields sealed in the store: the mapper that encrypts each field
node.personal_fields declares with its person's key (node.personal_keys) as the
event is stored, and opens it as the event is read.

A sealed field is stored as a token naming the key (the person's id and the
category: ids are in the store anyway) and holding the ciphertext; once the key
is destroyed the field reads as ``ERASED`` (a text) or None (anything else). A
field stored before sealing existed is plain and reads as it is. An empty field
(None, "", []) holds nothing to erase and is left as it is.

PyNaCl's SecretBox (XSalsa20-Poly1305) with a random nonce per field: a changed
token fails to open rather than reading as something else.
"""

import base64
from typing import Any
from uuid import UUID

import nacl.exceptions
from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic

from node.personal_fields import ORIGINATOR, PERSONAL_FIELDS, Personal
from node.personal_keys import KeyTable, keys_path

PREFIX = "cw-sealed:1:"
# What an erased text reads as; pages show it as "erased" (node.labels).
ERASED = "[erased]"
TEXT = "s"  # a sealed str, stored as its UTF-8
VALUE = "j"  # anything else, stored as the transcoder's JSON


class SealingMapper(Mapper[UUID]):
    def __init__(self, transcoder: Transcoder, keys: KeyTable) -> None:
        super().__init__(transcoder)
        self.keys = keys

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        personal = PERSONAL_FIELDS.get(get_topic(type(domain_event)))
        if personal is not None:
            domain_event = self._sealed(domain_event, personal)
        return super().to_stored_event(domain_event)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        domain_event = super().to_domain_event(stored_event)
        personal = PERSONAL_FIELDS.get(stored_event.topic)
        if personal is None:
            return domain_event
        state = dict(vars(domain_event))
        for path in personal.fields:
            _replace(state, path.split("."), self._open)
        object.__setattr__(domain_event, "__dict__", state)
        return domain_event

    def _sealed(
        self, domain_event: DomainEventProtocol[UUID], personal: Personal
    ) -> DomainEventProtocol[UUID]:
        """A copy of ``domain_event`` with its personal fields sealed (the event
        itself stays as it is: the aggregate holds and reads it)."""
        state = dict(vars(domain_event))
        record: UUID = state[ORIGINATOR]
        named = state.get(personal.subject) or record
        if not isinstance(named, UUID):
            named = UUID(named)  # some aggregates keep member ids as text
        subject = self.keys.subject_of(named)
        if personal.owns:
            self.keys.record_subject(record, subject)
        if personal.fields:
            box = self.keys.box_for_sealing(subject, personal.category)
            tag = f"{PREFIX}{personal.category}:{subject.hex}:"

            def seal(value: Any) -> Any:
                if box is None:  # erased before it arrived
                    return ERASED if isinstance(value, str) else None
                if isinstance(value, str):
                    kind, plain = TEXT, value.encode("utf-8")
                else:
                    kind, plain = VALUE, self.transcoder.encode(value)
                sealed = base64.b64encode(bytes(box.encrypt(plain))).decode("ascii")
                return f"{tag}{kind}:{sealed}"

            for path in personal.fields:
                _replace(state, path.split("."), seal)
        copy = object.__new__(type(domain_event))
        object.__setattr__(copy, "__dict__", state)
        return copy

    def _open(self, value: Any) -> Any:
        if not isinstance(value, str) or not value.startswith(PREFIX):
            return value  # stored before sealing: plain
        category, subject, kind, sealed = value[len(PREFIX) :].split(":", 3)
        erased = ERASED if kind == TEXT else None
        box = self.keys.box(UUID(hex=subject), category)
        if box is None:
            return erased
        try:
            plain = box.decrypt(base64.b64decode(sealed))
        except nacl.exceptions.CryptoError:
            return erased
        return plain.decode("utf-8") if kind == TEXT else self.transcoder.decode(plain)


def _replace(container: Any, path: list[str], change: Any) -> None:
    """Apply ``change`` to each non-empty value at ``path`` in ``container``,
    copying the lists and dicts on the way (the event's own are not touched)."""
    name, rest = path[0], path[1:]
    if name == "*":
        if isinstance(container, list):
            for index, item in enumerate(container):
                container[index] = _changed(item, rest, change)
        return
    if isinstance(container, dict) and name in container:
        container[name] = _changed(container[name], rest, change)


def _changed(value: Any, rest: list[str], change: Any) -> Any:
    if not rest:
        return change(value) if value not in (None, "", [], {}) else value
    if isinstance(value, list):
        value = [dict(v) if isinstance(v, dict) else v for v in value]
    elif isinstance(value, dict):
        value = dict(value)
    else:
        return value
    _replace(value, rest, change)
    return value


class SealedPersonalData(Application[UUID]):
    """An application whose store seals personal fields; mix in before
    ``Application``. ``keys`` is the store's key table."""

    keys: KeyTable

    def construct_mapper(self) -> Mapper[UUID]:
        self.keys = KeyTable.at(keys_path(self.env))
        return SealingMapper(self.construct_transcoder(), self.keys)

    def close(self) -> None:
        super().close()
        self.keys.close()
