"""Who read whose records: every read of a care record or of personal data is
recorded (who read, whose it was, what kind of record, when), never what it said.

Stored as events, so the log is backed up, restored and exported with the rest of
the node. One ``AccessLog`` aggregate per person per month (its id derived from
both), one event per read: a log stays small however long the co-op runs, a
person's reads are found without walking anyone else's, and a month's log is
found by its id.

A read appends without loading the log: the next version comes from the last
stored event of that log (one indexed query), so recording costs the same on the
thousandth read of a month as on the first. Two reads of the same person at the
same moment collide on that version; the later one tries again. Nothing is kept
in memory to be written later: a read the node answered is on disk.

None of this is in a sharing rule: it never leaves the node.
"""

import datetime as dt
import threading
from collections.abc import Iterable, Iterator
from typing import NamedTuple
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, DomainEventProtocol, event
from eventsourcing.persistence import IntegrityError

from node.auth import Principal
from node.coop import CoopBase
from toolkit.aggregates import events_with, get

# Tries at appending a read when another read of the same person took the version.
ATTEMPTS = 20
NOBODY = "nobody"  # the log of reads of records about no named person


class AccessRead(NamedTuple):
    """One read: who (role, and member unless the admin token), whose, what."""

    at: dt.datetime
    reader_role: str
    reader: UUID | None
    subject: UUID | None
    what: str
    record_id: UUID | None


class Reading(NamedTuple):
    """A read to record: whose record (None: about no named person), what kind,
    and which record if it has an id."""

    subject: UUID | None
    what: str
    record_id: UUID | None = None


_APPENDING = threading.Lock()


def month_of(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m")


def access_log_id(subject: UUID | None, month: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"commonweal:access-log:{subject or NOBODY}:{month}")


class AccessLog(Aggregate):
    """The reads of one person's records in one month (UTC)."""

    TOPIC = "commonweal.access_log"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.access_log.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.access_log.created"

    class Opened(Created):
        TOPIC = "commonweal.access_log.opened"
        subject: UUID | None
        month: str

    class Read(Event):
        TOPIC = "commonweal.access_log.read"
        reader_role: str
        reader: UUID | None
        what: str
        record_id: UUID | None
        at: dt.datetime

    @staticmethod
    def create_id(subject: UUID | None, month: str, **_: object) -> UUID:
        return access_log_id(subject, month)

    @event(Opened)
    def __init__(self, subject: UUID | None, month: str) -> None:
        self.subject = subject
        self.month = month
        self.reads: list[AccessRead] = []

    @event(Read)
    def read(
        self,
        reader_role: str,
        reader: UUID | None,
        what: str,
        record_id: UUID | None,
        at: dt.datetime,
    ) -> None:
        self.reads.append(
            AccessRead(at, reader_role, reader, self.subject, what, record_id)
        )


class AccessAuditCommands(CoopBase):
    def record_read(
        self,
        reader: Principal,
        subject: UUID | None,
        what: str,
        record_id: UUID | None = None,
        at: dt.datetime | None = None,
    ) -> None:
        """Record that ``reader`` read ``what`` (a kind: "care_plan",
        "contact_details" ...) of ``subject``'s records (None: a record about no
        named person), ``record_id`` if it has one."""
        self.record_reads(reader, [Reading(subject, what, record_id)], at)

    def record_reads(
        self,
        reader: Principal,
        readings: Iterable[Reading],
        at: dt.datetime | None = None,
    ) -> None:
        """Record several reads of one answer (a list of records) in one write:
        all of them are stored, or none and the answer is not given."""
        readings = list(readings)
        if not readings:
            return
        moment = at or dt.datetime.now(dt.UTC)
        if moment.tzinfo is None:
            raise ValueError("a read's time needs its timezone")
        month = month_of(moment)
        # Readers in this process take turns (a page's reads never wait long);
        # the retries are for another process writing to the same store.
        with _APPENDING:
            for attempt in range(ATTEMPTS):
                try:
                    self.save(*self._read_events(reader, readings, moment, month))
                    return
                except IntegrityError:
                    if attempt == ATTEMPTS - 1:
                        raise

    def _read_events(
        self,
        reader: Principal,
        readings: list[Reading],
        at: dt.datetime,
        month: str,
    ) -> list[DomainEventProtocol[UUID]]:
        """The events that append ``readings``, each after the last stored event
        of its person's log for the month (the log opened first if it is new)."""
        versions: dict[UUID, int] = {}
        events: list[DomainEventProtocol[UUID]] = []
        for subject, what, record_id in readings:
            log_id = access_log_id(subject, month)
            if log_id not in versions:
                versions[log_id] = self._last_version(log_id)
                if versions[log_id] == 0:
                    opened = AccessLog(subject=subject, month=month)
                    events.extend(opened.collect_events())
                    versions[log_id] = opened.version
            versions[log_id] += 1
            events.append(
                AccessLog.Read(  # type: ignore[call-arg]
                    originator_id=log_id,
                    originator_version=versions[log_id],
                    timestamp=AccessLog.Event.create_timestamp(),
                    reader_role=reader.role,
                    reader=reader.member_id,
                    what=what,
                    record_id=record_id,
                    at=at,
                )
            )
        return events

    def _last_version(self, log_id: UUID) -> int:
        last = self.recorder.select_events(log_id, desc=True, limit=1)
        return last[0].originator_version if last else 0

    def access_reads(
        self,
        subject: UUID | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        *,
        everyone: bool = False,
    ) -> list[AccessRead]:
        """The reads of ``subject``'s records (of everyone's with
        ``everyone=True``), from ``since`` to ``until`` (days inclusive, in the
        node's own time), latest first."""
        # A day in the node's time may begin or end in the next or previous month
        # in UTC: the month either side is read too, then the days filtered.
        first = _month_beside(since, -1, "")
        last = _month_beside(until, 1, "9999-12")
        reads = [
            read
            for log in self._logs(subject, everyone, first, last)
            for read in log.reads
            if _within(read.at, since, until)
        ]
        reads.sort(key=lambda read: read.at, reverse=True)
        return reads

    def _logs(
        self, subject: UUID | None, everyone: bool, first: str, last: str
    ) -> Iterator[AccessLog]:
        for opened in events_with(self, AccessLog.Opened.TOPIC):
            assert isinstance(opened, AccessLog.Opened)
            if not everyone and opened.subject != subject:
                continue
            if first <= opened.month <= last:
                log = get(self, opened.originator_id, AccessLog)
                if log is not None:
                    yield log


def _month_beside(day: dt.date | None, days: int, default: str) -> str:
    """The month of the day ``days`` from ``day``, at noon in the node's time;
    ``default`` for no day, or one at the calendar's ends (a query may ask from
    the year 1)."""
    if day is None:
        return default
    try:
        return month_of(_noon(day + dt.timedelta(days=days)))
    except (OverflowError, ValueError):
        return default


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12)).astimezone()


def _within(at: dt.datetime, since: dt.date | None, until: dt.date | None) -> bool:
    day = at.astimezone().date()
    return (since is None or day >= since) and (until is None or day <= until)
