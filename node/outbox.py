"""The outbox: every notification the node owes someone, as an event-sourced
``Message`` (queued, then sent, printed or failed).

The outbox is an eventsourcing application of its own over the node's database,
with a process recorder: a message is queued in the same transaction as the
tracked position of the node's notification log it was made from, and recorded
sent in the same transaction as the sender's tracked position in the outbox. So a
crash loses no message and queues none twice; a message is sent twice only if the
node died after the mail server accepted it and before it was recorded sent, and
then with the same Message-ID.

A message keeps its ``Notice``: message ids and their parameters, rendered in the
recipient's language when it is sent or printed (node.notifications). A message
queued before notices were kept holds its English text instead, sent as it is.
"""

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import (
    ApplicationRecorder,
    JSONTranscoder,
    ProcessRecorder,
    Tracking,
)

from node.sealing import ERASED, SealedPersonalData
from toolkit.aggregates import ids_with
from toolkit.transcodings import DateAsISO

# Tracking names: the composer's position in the node's log, the sender's in ours.
COMPOSER = "outbox-composer"
SENDER = "outbox-sender"


def message_id(source: str, recipient: UUID, kind: str) -> UUID:
    """The same message id whenever the same event gives the same recipient the same
    kind of message: composing an event again can only conflict, never duplicate."""
    return uuid5(NAMESPACE_URL, f"commonweal:message:{source}:{recipient}:{kind}")


class Notice(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What a message says, before it is in anyone's language: a subject and
    paragraphs, each a message id (marked ``N_``) with named parameters."""

    subject: str
    body: list[str]
    texts: dict[str, str] = {}  # shown as they are: names, titles, links
    phrases: dict[str, str] = {}  # message ids, translated too
    days: dict[str, dt.date] = {}
    moments: dict[str, dt.datetime] = {}
    money: dict[str, int] = {}  # minor units of the co-op's currency


class Message(Aggregate):
    TOPIC = "commonweal.message"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.message.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.message.created"

    class Queued(Created):
        TOPIC = "commonweal.message.queued"
        source: str  # the event it tells of: "<aggregate id>:<version>"
        recipient: UUID  # the member
        channel: str  # "email" or "letter"
        address: str  # the email address; the postal address for a letter
        name: str
        kind: str
        subject: str  # the English text of a message queued before notices
        body: str
        notice: dict[str, Any] | None = None  # a Notice, as builtins

    class Sent(Event):
        TOPIC = "commonweal.message.sent"

    class Printed(Event):
        TOPIC = "commonweal.message.printed"
        printed_on: dt.date

    class Failed(Event):
        TOPIC = "commonweal.message.failed"
        reason: str

    @staticmethod
    def create_id(source: str, recipient: UUID, kind: str, **_: Any) -> UUID:
        return message_id(source, recipient, kind)

    @event(Queued)
    def __init__(
        self,
        source: str,
        recipient: UUID,
        channel: str,
        address: str,
        name: str,
        kind: str,
        subject: str = "",
        body: str = "",
        notice: dict[str, Any] | None = None,
    ) -> None:
        self.source = source
        self.recipient = recipient
        self.channel = channel
        self.address = address
        self.name = name
        self.kind = kind
        self.subject = subject
        self.body = body
        self.notice = None if notice is None else msgspec.convert(notice, Notice)
        self.status = "queued"

    @event(Sent)
    def sent(self) -> None:
        self.status = "sent"

    @event(Printed)
    def printed(self, printed_on: dt.date) -> None:
        self.status = "printed"

    @event(Failed)
    def failed(self, reason: str) -> None:
        self.status = "failed"


class Outbox(SealedPersonalData):
    """The messages, in the node's database (on PostgreSQL, tables of their own)."""

    name = "Outbox"

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def construct_recorder(self) -> ApplicationRecorder:
        # A process recorder writes events and a tracking record in one transaction.
        return self.factory.process_recorder()

    @property
    def process_recorder(self) -> ProcessRecorder:
        assert isinstance(self.recorder, ProcessRecorder)
        return self.recorder

    def position(self, name: str) -> int:
        return self.process_recorder.max_tracking_id(name) or 0

    def queue(self, messages: Sequence[Message], position: int) -> None:
        """Queue ``messages``, made from the node's log up to ``position``."""
        self._save_tracked(messages, Tracking(COMPOSER, position))

    def record_sent(self, message: Message, position: int) -> None:
        message.sent()
        self._save_tracked([message], Tracking(SENDER, position))

    def record_failed(self, message: Message, reason: str, position: int) -> None:
        message.failed(reason)
        self._save_tracked([message], Tracking(SENDER, position))

    def _save_tracked(self, messages: Sequence[Message], tracking: Tracking) -> None:
        """The messages' new events and ``tracking`` in one transaction (also with
        no events: the position still moves on)."""
        events = [e for m in messages for e in m.collect_events()]
        self.events.put(events, tracking=tracking)

    def message(self, message_id: UUID) -> Message | None:
        try:
            message: object = self.repository.get(message_id)
        except AggregateNotFoundError:
            return None
        return message if isinstance(message, Message) else None

    def queued_after(self, position: int, limit: int) -> list[tuple[int, UUID]]:
        """(position, message id) of messages queued after ``position``."""
        notifications = self.process_recorder.select_notifications(
            start=position + 1, limit=limit, topics=[Message.Queued.TOPIC]
        )
        return [(n.id, _uuid(n.originator_id)) for n in notifications]

    def messages(self) -> Iterator[Message]:
        """Every message, oldest first."""
        for message_id in ids_with(self, Message.Queued.TOPIC):
            message = self.message(message_id)
            if message is not None:
                yield message

    def letters_to_print(self) -> list[Message]:
        # A letter to someone erased before it was printed: no name, no address.
        return [
            m
            for m in self.messages()
            if m.channel == "letter" and m.status == "queued" and m.name != ERASED
        ]

    def mark_printed(
        self, message_id: UUID, on: dt.date | None = None
    ) -> Message | None:
        message = self.message(message_id)
        if message is None or message.channel != "letter":
            return None
        if message.status == "queued":
            message.printed(on or dt.date.today())
            self.save(message)
        return message


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)
