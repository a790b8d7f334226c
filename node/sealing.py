"""Personal fields sealed in the store: the mapper that encrypts each field
node.personal_fields declares with its person's key (node.personal_keys) as the
event is stored, and opens it as the event is read.

A sealed field is stored as a token naming the key (the person's id and the
category: ids are in the store anyway) and holding the ciphertext; once the key
is destroyed the field reads as ``ERASED`` (a text) or None (anything else). A
text about two people (a transfer's note) is sealed with both keys, one inside
the other: erasing either erases it. A
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
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    Mapper,
    StoredEvent,
    Transcoder,
)
from eventsourcing.utils import get_topic

from node.personal_fields import ORIGINATOR, PERSONAL_FIELDS, Personal
from node.personal_keys import KeyTable, keys_path

PREFIX = "cw-sealed:1:"
# What an erased text reads as; pages show it as "erased" (node.labels).
ERASED = "[erased]"
# Records whose owner is kept in memory (a visit's service user), at most.
OWNERS_KEPT = 100_000
TEXT = "s"  # a sealed str, stored as its UTF-8
VALUE = "j"  # anything else, stored as the transcoder's JSON


class SealingMapper(Mapper[UUID]):
    def __init__(self, transcoder: Transcoder, keys: KeyTable) -> None:
        super().__init__(transcoder)
        self.keys = keys
        # Where the first events of records are read (set once the application
        # has its recorder), and whose each record seen lately is.
        self.store: AggregateRecorder | None = None
        self._owners: dict[UUID, UUID] = {}

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
        subject = self._person(_uuid(_named(state, personal) or record))
        if personal.owns:
            self._owners[record] = subject
        subjects = [subject]
        if personal.shared_with and (other := state.get(personal.shared_with)):
            subjects.append(
                self._person(other if isinstance(other, UUID) else UUID(other))
            )
        if personal.fields:
            boxes = [self.keys.box_for_sealing(s, personal.category) for s in subjects]
            names = "+".join(s.hex for s in subjects)
            tag = f"{PREFIX}{personal.category}:{names}:"

            def seal(value: Any) -> Any:
                if None in boxes:  # someone it is about was erased before it came
                    return ERASED if isinstance(value, str) else None
                if isinstance(value, str):
                    kind, sealed = TEXT, value.encode("utf-8")
                else:
                    kind, sealed = VALUE, self.transcoder.encode(value)
                for box in boxes:  # each person's key around the last
                    sealed = bytes(box.encrypt(sealed))  # type: ignore[union-attr]
                return f"{tag}{kind}:{base64.b64encode(sealed).decode('ascii')}"

            for path in personal.fields:
                _replace(state, path.split("."), seal)
        copy = object.__new__(type(domain_event))
        object.__setattr__(copy, "__dict__", state)
        return copy

    def _person(self, named: UUID) -> UUID:
        """The person ``named`` is, or whose record it is: the subject the first
        event of the aggregate ``named`` declares, if it owns it (a visit's service
        user; an incident's visit's); else ``named`` itself (a member)."""
        known = self._owners.get(named)
        if known is not None:
            return known
        person = named
        first = self.store.select_events(named, lte=1) if self.store else []
        if first:
            personal = PERSONAL_FIELDS.get(first[0].topic)
            if personal is not None and personal.owns:
                state = self.transcoder.decode(first[0].state)
                owner = _named(state, personal)
                if owner is not None and _uuid(owner) != named:
                    person = self._person(_uuid(owner))
        if len(self._owners) >= OWNERS_KEPT:
            self._owners.clear()
        self._owners[named] = person
        return person

    def _open(self, value: Any) -> Any:
        if not isinstance(value, str) or not value.startswith(PREFIX):
            return value  # stored before sealing: plain
        category, names, kind, sealed = value[len(PREFIX) :].split(":", 3)
        erased = ERASED if kind == TEXT else None
        plain = base64.b64decode(sealed)
        for name in reversed(names.split("+")):
            box = self.keys.box(UUID(hex=name), category)
            if box is None:
                return erased
            try:
                plain = box.decrypt(plain)
            except nacl.exceptions.CryptoError:
                return erased
        return plain.decode("utf-8") if kind == TEXT else self.transcoder.decode(plain)


def _named(state: dict[str, Any], personal: Personal) -> UUID | str | None:
    """Whom the event names as its subject: the first of the fields that does."""
    for field in personal.subject.split("|"):
        if named := state.get(field):
            return named  # type: ignore[no-any-return]
    return None


def _uuid(value: UUID | str) -> UUID:
    # Some aggregates keep member ids as text (node.motions, node.nominations).
    return value if isinstance(value, UUID) else UUID(value)


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

    def construct_recorder(self) -> ApplicationRecorder:
        recorder = super().construct_recorder()
        if isinstance(self.mapper, SealingMapper):
            self.mapper.store = recorder
        return recorder

    def close(self) -> None:
        super().close()
        # eventsourcing closes an application again when it is collected: the
        # key table must be let go of once, or another user's file is closed.
        if not getattr(self, "_keys_let_go", False):
            self._keys_let_go = True
            self.keys.close()
