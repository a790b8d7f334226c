"""Subject access: everything the node holds about one person, in one answer.

The node walks its whole event log once, so a record kind added later is found
without anyone remembering to list it here. A record (aggregate) is about the
person when the event that created it names them in a field that says whose it
is (``SUBJECT_FIELDS``: a care plan's ``service_user``, an account's ``owner``),
or when it was created about such a record (an incident about their visit);
every event of such a record is theirs to see. Elsewhere, an event that merely
names them (a vote marked on a roll, a visit they delivered as a carer) is shown
without its free text, which is about someone else; unless the text is their own
words (``AUTHORED``: notes they wrote of their circle's meeting).

What is never given: a secret ballot's choice (the ballot box does not know
whose it is), secrets (token and session hashes), and who raised a concern
about them (a third party; UK GDPR Sch. 2 para 16).
"""

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, DomainEventProtocol, event

from node.membership_commands import MembershipCommands

# Fields of a record's first event that say whose record it is.
SUBJECT_FIELDS = frozenset(
    {
        "service_user",
        "owner",
        "claimant",
        "member",
        "member_id",
        "subject",
        "recipient",
        "person",
    }
)
# Fields that hold a reference to another record, through which a record about
# one of the person's records is theirs too (an incident about their visit).
RECORD_FIELDS = frozenset({"visit", "plan", "care_plan"})
# Never shown: secrets, and who raised a concern about them.
WITHHELD_FIELDS = frozenset(
    {"secret_hash", "token_hash", "hashed", "raised_by", "by_member", "reporter"}
)
# Events of someone else's record in the person's own words, and the field that
# says they wrote them: given in full, like their own records (a circle's
# meeting notes are the circle's record, written by the member who recorded
# them). Only where the words are the writer's own: a carer's visit notes are
# about the person visited, and stay out of the carer's copy.
AUTHORED = {"commonweal.circle.meeting_recorded": "recorded_by"}
# On an event that only names the person, the fields that are theirs to see.
OWN_FIELDS = frozenset(
    {"choice", "role", "kind", "purpose", "member_class", "worker_class", "minutes"}
)
ENVELOPE_FIELDS = frozenset(
    {"originator_id", "originator_version", "originator_topic", "timestamp"}
)


class Entry(msgspec.Struct, frozen=True):
    """One thing that happened to a record: when, what, and its details."""

    at: dt.datetime
    what: str  # the event's topic, e.g. "commonweal.visit.delivered"
    details: dict[str, Any]


class Record(msgspec.Struct, frozen=True):
    kind: str  # the record's kind, e.g. "commonweal.visit"
    id: UUID
    entries: list[Entry]
    theirs: bool  # a record about the person (else: entries that name them)


class SubjectAccess(msgspec.Struct, frozen=True):
    subject: UUID
    name: str
    generated_at: dt.datetime
    records: list[Record]


class SubjectAccessRequest(Aggregate):
    """A request for a copy of what is held about someone: who asked, when.
    It is about the person (``subject``), so it is in their next copy too."""

    TOPIC = "commonweal.subject_access_request"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.subject_access_request.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.subject_access_request.created"

    class Made(Created):
        TOPIC = "commonweal.subject_access_request.made"
        subject: UUID
        requested_by: UUID | None  # None: the admin
        role: str

    @event(Made)
    def __init__(self, subject: UUID, requested_by: UUID | None, role: str) -> None:
        self.subject = subject
        self.requested_by = requested_by
        self.role = role


class SubjectAccessCommands(MembershipCommands):
    def subject_access(
        self,
        member_id: UUID,
        requested_by: UUID | None,
        role: str,
        also: Sequence[Application[UUID]] = (),
    ) -> SubjectAccess:
        """Record the request, then everything held about the member at
        ``member_id`` here and in the applications ``also`` (the outbox)."""
        member = self.member(member_id)  # an unknown member is refused here
        self.save(SubjectAccessRequest(member_id, requested_by, role))
        names = {m.id: m.name for m in self.members()}
        records = [
            record
            for app in (self, *also)
            for record in records_about(app, member_id, names)
        ]
        return SubjectAccess(
            subject=member_id,
            name=member.name,
            generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            records=records,
        )


def records_about(
    app: Application[UUID], member_id: UUID, names: dict[UUID, str]
) -> list[Record]:
    """The records of ``app`` about the member, and the entries that name them,
    oldest first."""
    events = list(_every_event(app))
    theirs = _records_about(member_id, events)
    records: dict[UUID, Record] = {}
    for domain_event in events:
        record_id = domain_event.originator_id
        assert isinstance(record_id, UUID)
        state = _fields(domain_event)
        author = AUTHORED.get(_topic(domain_event))
        if record_id in theirs or (author and state.get(author) == member_id):
            details = {
                k: _shown(v, names)
                for k, v in state.items()
                if k not in WITHHELD_FIELDS
            }
        elif member_id in _ids_in(state.values()):
            details = {
                k: _shown(v, names)
                for k, v in state.items()
                if k in OWN_FIELDS or _as_uuid(v) == member_id
            }
        else:
            continue
        entry = Entry(_moment(domain_event), _topic(domain_event), details)
        record = records.get(record_id)
        if record is None:
            kind = _topic(domain_event).rsplit(".", 1)[0]
            record = Record(kind, record_id, [], record_id in theirs)
            records[record_id] = record
        record.entries.append(entry)
    return list(records.values())


def _every_event(app: Application[UUID]) -> Iterator[DomainEventProtocol[Any]]:
    start, page = 1, 500
    while True:
        notifications = app.recorder.select_notifications(start, page)
        for notification in notifications:
            yield app.mapper.to_domain_event(notification)
        if len(notifications) < page:
            return
        start = notifications[-1].id + 1


def _records_about(subject: UUID, events: list[DomainEventProtocol[Any]]) -> set[UUID]:
    """The ids of the records about ``subject``: theirs by a subject field of
    their first event, and records first made about one of those."""
    theirs = {subject}
    for domain_event in events:
        if domain_event.originator_version != 1:
            continue
        state = _fields(domain_event)
        by_subject = any(
            state.get(f) in (subject, str(subject)) for f in SUBJECT_FIELDS
        )
        by_record = any(_as_uuid(state.get(f)) in theirs for f in RECORD_FIELDS)
        if by_subject or by_record:
            originator = domain_event.originator_id
            assert isinstance(originator, UUID)
            theirs.add(originator)
    return theirs


def _fields(domain_event: DomainEventProtocol[Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in vars(domain_event).items()
        if k not in ENVELOPE_FIELDS and not k.startswith("_")
    }


def _topic(domain_event: DomainEventProtocol[Any]) -> str:
    return str(getattr(type(domain_event), "TOPIC", type(domain_event).__qualname__))


def _moment(domain_event: DomainEventProtocol[Any]) -> dt.datetime:
    moment = getattr(domain_event, "timestamp", None)
    assert isinstance(moment, dt.datetime)
    return moment.replace(microsecond=0)


def _as_uuid(value: Any) -> UUID | None:
    if isinstance(value, UUID):
        return value
    if isinstance(value, str) and len(value) == 36:
        try:
            return UUID(value)
        except ValueError:
            return None
    return None


def _ids_in(values: Any) -> set[UUID]:
    """Every id among ``values``, looking into lists and mappings."""
    found: set[UUID] = set()
    for value in values:
        if isinstance(value, dict):
            found |= _ids_in(value.keys()) | _ids_in(value.values())
        elif isinstance(value, list | tuple | set):
            found |= _ids_in(value)
        elif (as_id := _as_uuid(value)) is not None:
            found.add(as_id)
    return found


def _shown(value: Any, names: dict[UUID, str]) -> Any:
    """A value as the person reads it: a member's id as their name."""
    as_id = _as_uuid(value)
    if as_id is not None:
        return names.get(as_id, str(as_id))
    if isinstance(value, list | tuple):
        return [_shown(v, names) for v in value]
    if isinstance(value, dict):
        return {str(_shown(k, names)): _shown(v, names) for k, v in value.items()}
    return value
