"""Reading, straight from a stored event's bytes, the fields its sharing Rule reads.

Catching up, the replicator turns every allowlisted stored event into an envelope.
Through eventsourcing's mapper that is a JSON decode with a Python hook on every
object, then a domain event object of which the Rule (node.sharing) reads a few
fields: the largest part of the node's side of catch-up. Here each allowlisted
topic has a msgspec Struct of just the fields its Rule reads (``SHARED_FIELDS``),
decoded from the notification's bytes in one call; the Rule reads it in place of
the domain event (same attribute names, same Python types, the topic as
``TOPIC``).

The bytes are those of eventsourcing's JSONTranscoder: UUIDs, dates and datetimes
as ``{"_type_": name, "_data_": text}``, the rest plain JSON. What this cannot read
exactly as the mapper would is left to the mapper: a topic not listed here, an
event stored by an older ``class_version`` (the mapper upcasts it), a mapper that
compresses or encrypts whole states or whose transcoder writes other tags, and
bytes that do not decode as expected (the mapper then reads them, or says why it
cannot). Fields the Rule does not read, personal data among them
(node.personal_fields may seal some), are skipped unread.

tests/test_shared_fields.py checks that both ways give byte-identical envelopes
for every allowlisted topic; a Rule that comes to read another field must list it
here, or that test fails (the Struct has no such attribute).
"""

import datetime as dt
import types
import typing
from collections.abc import Iterable
from typing import Any, Literal
from uuid import UUID

import msgspec
from eventsourcing.persistence import JSONTranscoder, Mapper, Notification
from eventsourcing.utils import resolve_topic

LEDGER_ENTRY = ("kind", "transfer", "minutes", "purpose", "entered_on")
ARRANGEMENT = ("funder", "weekly_minutes", "starts_on")
# The fields each allowlisted event's Rule reads, besides the originator's id and
# version and the timestamp (which every Rule's envelope takes).
SHARED_FIELDS: dict[str, tuple[str, ...]] = {
    # node.membership
    "commonweal.coop.founded": ("name", "profile", "founded_on"),
    "commonweal.member.admitted": ("member_class", "admitted_on"),
    "commonweal.member.class_changed": ("from_class", "to_class", "changed_on"),
    "commonweal.member.withdrawn": ("member_class", "withdrawn_on"),
    "commonweal.member.shares_bought": ("amount", "bought_on"),
    "commonweal.member.shares_redeemed": ("amount", "redeemed_on"),
    # node.governance
    "commonweal.ballot.closed": ("kind", "secret", "result", "closed_on"),
    "commonweal.coop.board_elected": (
        "ballot_id",
        "board",
        "board_rules",
        "elected_on",
    ),
    "commonweal.coop.rules_amended": ("profile", "amended_on"),
    # node.meetings
    "commonweal.meeting.held": (
        "held_on",
        "attending",
        "electorate",
        "quorum",
        "quorate",
    ),
    # node.care, node.visits, node.care_months, node.incidents
    "commonweal.care_plan.opened": ("goals", "opened_on"),
    "commonweal.care_plan.reviewed": ("scores", "reviewed_on"),
    "commonweal.care_plan.closed": ("reason", "closed_on"),
    "commonweal.visit.delivered": (
        "worker",
        "worker_class",
        "minutes_by_service",
        "started_at",
    ),
    "commonweal.visit.missed": ("reason", "missed_on"),
    "commonweal.visit.cancelled": ("reason", "cancelled_on"),
    "commonweal.care_month.summarised": (
        "month",
        "service_users",
        "carer_links",
        "seen_by_few",
        "carers",
        "compliant_carers",
    ),
    "commonweal.incident.raised": ("kind", "raised_on"),
    "commonweal.incident.acknowledged": ("kind", "acknowledged_on"),
    "commonweal.incident.closed": ("kind", "closed_on"),
    # node.workforce
    "commonweal.worker.joined": ("disadvantaged", "type_b", "joined_on"),
    "commonweal.worker.left": ("disadvantaged", "type_b", "left_on"),
    # node.timebank, node.expenses, node.funding
    "commonweal.time_account.opened": ("kind", "opened_on"),
    "commonweal.time_account.debited": LEDGER_ENTRY,
    "commonweal.time_account.credited": LEDGER_ENTRY,
    # node.hours_exchange
    "commonweal.hours_out.sent": ("payee", "minutes", "reference", "sent_on"),
    "commonweal.hours_in.answered": (
        "transfer",
        "payer",
        "minutes",
        "reason",
        "answered_on",
    ),
    "commonweal.hours_out.settled": ("payee", "minutes", "outcome", "settled_on"),
    "commonweal.expense_claim.claimed": ("category", "amount", "claimed_on"),
    "commonweal.expense_claim.approved": ("approved_on",),
    "commonweal.expense_claim.rejected": ("reason", "rejected_on"),
    "commonweal.expense_claim.paid": ("amount", "paid_on"),
    "commonweal.funding.arranged": ARRANGEMENT,
    "commonweal.funding.rearranged": ARRANGEMENT,
    # node.circle_months
    "commonweal.circle_month.summarised": (
        "month",
        "members_per_circle",
        "meetings",
        "exchanges_settled",
    ),
}


# A value of a registered type as the transcoder stores it; msgspec parses the
# text in C, and the tag must be the one the transcoder writes for that type.
class StoredUUID(msgspec.Struct, forbid_unknown_fields=True):
    tag: Literal["uuid_hex"] = msgspec.field(name="_type_")
    data: UUID = msgspec.field(name="_data_")


class StoredDate(msgspec.Struct, forbid_unknown_fields=True):
    tag: Literal["date_iso"] = msgspec.field(name="_type_")
    data: dt.date = msgspec.field(name="_data_")


class StoredDatetime(msgspec.Struct, forbid_unknown_fields=True):
    tag: Literal["datetime_iso"] = msgspec.field(name="_type_")
    data: dt.datetime = msgspec.field(name="_data_")


STORED_AS: dict[type, tuple[type[msgspec.Struct], str]] = {
    # datetime before date: a datetime is a date too.
    dt.datetime: (StoredDatetime, "datetime_iso"),
    dt.date: (StoredDate, "date_iso"),
    UUID: (StoredUUID, "uuid_hex"),
}
# Values msgspec decodes exactly as Python's json module does.
PLAIN = (str, int, bool, type(None))


def _optional(annotation: Any) -> tuple[Any, bool]:
    """``X | None`` as (X, True); anything else as (it, False)."""
    args = typing.get_args(annotation)
    is_union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    if is_union and len(args) == 2 and type(None) in args:
        return next(a for a in args if a is not type(None)), True
    return annotation, False


class Decoder:
    """One topic's Struct, and what to do to its fields once decoded."""

    def __init__(self, topic: str, fields: tuple[str, ...]) -> None:
        event_class = resolve_topic(topic)
        hints = typing.get_type_hints(event_class)
        self.class_version: int = getattr(event_class, "class_version", 1)
        self.tagged: list[str] = ["timestamp"]  # unwrapped after decoding
        self.nested: list[str] = []  # containers: decoded by the transcoder
        spec: list[tuple[str, Any] | tuple[str, Any, Any]] = [
            ("timestamp", StoredDatetime),
            ("class_version", int, 1),
            ("originator_id", UUID | None, None),  # from the notification
            ("originator_version", int, 0),
        ]
        for name in fields:
            inner, optional = _optional(hints[name])
            if inner in STORED_AS:
                stored: Any = STORED_AS[inner][0]
                spec.append((name, stored | None if optional else stored))
                self.tagged.append(name)
            elif inner in PLAIN:
                spec.append((name, hints[name]))
            else:
                # A list or a mapping may hold tagged values anywhere: unless its
                # bytes hold none, the transcoder decodes it, hooks and all.
                spec.append((name, msgspec.Raw))
                self.nested.append(name)
        struct = msgspec.defstruct(
            f"Stored{event_class.__qualname__.replace('.', '')}",
            spec,
            namespace={"TOPIC": topic},
            kw_only=True,
        )
        self.decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(struct)


class SharedFieldReader:
    """Reads stored events for the sharing policy: by the fields its Rules read
    where it can, through the mapper where it cannot."""

    def __init__(self, mapper: Mapper[UUID], topics: Iterable[str]) -> None:
        self.mapper = mapper
        self.transcoder = mapper.transcoder
        self.decoders: dict[str, Decoder] = {}
        if _writes_tags_known_here(mapper):
            self.decoders = {
                topic: Decoder(topic, SHARED_FIELDS[topic])
                for topic in topics
                if topic in SHARED_FIELDS
            }

    def read(self, notification: Notification) -> Any:
        """The event as the Rule reads it: decoded here, or by the mapper."""
        event = self.decode(notification)
        if event is None:
            return self.mapper.to_domain_event(notification)
        return event

    def decode(self, notification: Notification) -> Any | None:
        """The Rule's fields of ``notification``, or None: the mapper must read it."""
        decoder = self.decoders.get(notification.topic)
        if decoder is None:
            return None
        try:
            event = decoder.decoder.decode(notification.state)
        except msgspec.MsgspecError:
            return None
        if event.class_version != decoder.class_version:
            return None  # stored by an older version: the mapper upcasts it
        for name in decoder.tagged:
            value = getattr(event, name)
            if value is not None:
                setattr(event, name, value.data)
        for name in decoder.nested:
            raw = bytes(getattr(event, name))
            nested = (
                self.transcoder.decode(raw)
                if b'"_type_"' in raw
                else msgspec.json.decode(raw)
            )
            setattr(event, name, nested)
        event.originator_id = notification.originator_id
        event.originator_version = notification.originator_version
        return event


def _writes_tags_known_here(mapper: Mapper[UUID]) -> bool:
    """Whether the mapper stores states as plain JSONTranscoder JSON with the
    tags this module decodes."""
    transcoder = mapper.transcoder
    if mapper.cipher is not None or mapper.compressor is not None:
        return False
    if not isinstance(transcoder, JSONTranscoder):
        return False
    return all(
        type_ in transcoder.types and transcoder.types[type_].name == tag
        for type_, (_, tag) in STORED_AS.items()
    )
