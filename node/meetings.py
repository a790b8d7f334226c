"""The general meeting: called by the board with its agenda of ballots, the
members present recorded by name, votes taken in the room entered by the chair
as totals per class, and the minutes adopted with it.

- Attendance is the members present in person and the members represented by a
  proxy holder present, both by member id; a later record replaces an earlier
  one (the register is corrected, not added to).
- In-room totals are for a proposal on the agenda: for / against / abstain per
  member class, anonymous. They are saved twice in one write: on the meeting
  (who entered them, the audit) and on the ballot (``Ballot.InRoomTotalsEntered``,
  what the count at close reads, see ``node.tally.in_room_votes``). A class's
  totals may not exceed the members of that class recorded present (or by proxy)
  who have not voted online or by post, so no one present is counted twice by
  the node's own records. A later entry from the same meeting replaces the
  earlier one. Those present of a class the totals count are marked on the
  ballot's roll as counted in the room (``Roll.CountedInRoom``): from then on
  they vote no other way, online, by post or through a proxy.
- Minutes are written by the secretary and adopted by the board: each adoption
  is an event with a version number. Adopted minutes are never changed; an
  amendment is a new adopted version, and every version is kept.

- A meeting is recorded as held when its first minutes are adopted
  (``Meeting.Held``, in the same save): how many members attended in person or
  by proxy, how many members there were, and whether that met the quorum of
  the co-op's rules. Only that leaves the node (``meeting.held``), as counts, so
  the consortium can attest that a quorate general meeting was held; who
  attended, the agenda, the place and the minutes stay.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from node.errors import (
    InRoomTotalsRefused,
    InvalidMeeting,
    NotOnAgenda,
    UnknownMeeting,
)
from node.governance import GovernanceCommands
from node.records import load
from node.sharing import Rule
from node.tally import CHOICES
from schemas import governance as shared
from toolkit.aggregates import ids_with

# Totals entered for one ballot: member class -> choice -> headcount.
Totals = dict[str, dict[str, int]]


class Meeting(Aggregate):
    TOPIC = "commonweal.meeting"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.meeting.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.meeting.created"

    class Called(Created):
        TOPIC = "commonweal.meeting.called"
        title: str
        held_on: dt.date
        starts_at: str  # "HH:MM", the co-op's local time
        place: str
        agenda: list[str]  # ballot ids, in the order they will be taken
        called_by: str
        called_on: dt.date

    class AttendanceRecorded(Event):
        TOPIC = "commonweal.meeting.attendance_recorded"
        present: list[str]  # member ids, in person
        proxies: list[str]  # member ids represented by a proxy holder present
        recorded_by: str

    class InRoomTotalsEntered(Event):
        TOPIC = "commonweal.meeting.in_room_totals_entered"
        ballot_id: str
        totals: Totals
        entered_by: str

    class Held(Event):
        TOPIC = "commonweal.meeting.held"
        held_on: dt.date  # the meeting's day, so the shared record needs no other
        attending: int
        electorate: int
        quorum: str
        quorate: bool

    class MinutesAdopted(Event):
        TOPIC = "commonweal.meeting.minutes_adopted"
        version: int
        text: str
        written_by: str  # the secretary, by name
        adopted_by: str  # the board member who recorded the adoption
        adopted_on: dt.date

    @event(Called)
    def __init__(
        self,
        title: str,
        held_on: dt.date,
        starts_at: str,
        place: str,
        agenda: list[str],
        called_by: str,
        called_on: dt.date,
    ) -> None:
        self.title = title
        self.held_on = held_on
        self.starts_at = starts_at
        self.place = place
        self.agenda = agenda
        self.called_by = called_by
        self.called_on = called_on
        self.present: list[str] = []
        self.proxies: list[str] = []
        self.in_room: dict[str, Totals] = {}  # ballot id -> totals
        self.in_room_log: list[tuple[str, str, Totals]] = []  # ballot, by, totals
        self.minutes: list[dict[str, Any]] = []  # every adopted version
        self.quorate: bool | None = None  # known once the first minutes are adopted

    @event(AttendanceRecorded)
    def record_attendance(
        self, present: list[str], proxies: list[str], recorded_by: str
    ) -> None:
        self.present = present
        self.proxies = proxies

    @event(InRoomTotalsEntered)
    def enter_in_room(self, ballot_id: str, totals: Totals, entered_by: str) -> None:
        self.in_room[ballot_id] = totals
        self.in_room_log.append((ballot_id, entered_by, totals))

    @event(MinutesAdopted)
    def adopt_minutes(
        self,
        version: int,
        text: str,
        written_by: str,
        adopted_by: str,
        adopted_on: dt.date,
    ) -> None:
        self.minutes.append(
            {
                "version": version,
                "text": text,
                "written_by": written_by,
                "adopted_by": adopted_by,
                "adopted_on": adopted_on,
            }
        )

    @event(Held)
    def record_held(
        self,
        held_on: dt.date,
        attending: int,
        electorate: int,
        quorum: str,
        quorate: bool,
    ) -> None:
        self.quorate = quorate

    @property
    def current_minutes(self) -> dict[str, Any] | None:
        return self.minutes[-1] if self.minutes else None

    def attending(self) -> set[str]:
        return set(self.present) | set(self.proxies)


def checked_totals(totals: Mapping[str, Mapping[str, int]]) -> Totals:
    """``totals`` with every choice present, or refused if a choice is unknown or
    a count negative."""
    clean: Totals = {}
    for member_class, counts in totals.items():
        unknown = set(counts) - set(CHOICES)
        if unknown:
            raise InRoomTotalsRefused(f"unknown choices {sorted(unknown)}")
        if any(n < 0 for n in counts.values()):
            raise InRoomTotalsRefused("a total cannot be below zero")
        clean[member_class] = {c: int(counts.get(c, 0)) for c in CHOICES}
    return clean


class MeetingCommands(GovernanceCommands):
    """The board calls meetings, records who came, enters the room's votes and
    adopts the minutes; anyone signed in reads them (the HTTP layer checks roles)."""

    def meeting(self, meeting_id: UUID) -> Meeting:
        return load(self, meeting_id, Meeting, UnknownMeeting)

    def meetings(self) -> list[Meeting]:
        """Every meeting called, in the order called."""
        return [self.meeting(i) for i in ids_with(self, Meeting.Called.TOPIC)]

    def call_meeting(
        self,
        title: str,
        held_on: dt.date,
        starts_at: str,
        place: str,
        agenda: Sequence[UUID],
        called_by: str,
        called_on: dt.date | None = None,
    ) -> UUID:
        if not title.strip() or not place.strip():
            raise InvalidMeeting("a meeting needs a title and a place")
        day = called_on or dt.date.today()
        if held_on < day:
            raise InvalidMeeting(f"the meeting day {held_on} is before today, {day}")
        for ballot_id in agenda:
            self.ballot(ballot_id)  # refused if there is no such ballot
        meeting = Meeting(
            title=title.strip(),
            held_on=held_on,
            starts_at=require_time(starts_at),
            place=place.strip(),
            agenda=distinct(agenda),
            called_by=called_by,
            called_on=day,
        )
        self.save(meeting)
        return meeting.id

    def record_attendance(
        self,
        meeting_id: UUID,
        present: Sequence[UUID],
        proxies: Sequence[UUID],
        recorded_by: str,
    ) -> None:
        """Who is in the room (replacing any earlier record): members present
        in person, and members whose proxy holder is present."""
        meeting = self.meeting(meeting_id)
        for member_id in [*present, *proxies]:
            if not self.member(member_id).is_admitted:
                raise InvalidMeeting(f"member {member_id} is not an admitted member")
        both = set(distinct(present)) & set(distinct(proxies))
        if both:
            raise InvalidMeeting(
                f"members {sorted(both)} cannot be both present "
                "and represented by proxy"
            )
        meeting.record_attendance(distinct(present), distinct(proxies), recorded_by)
        self.save(meeting)

    def enter_in_room_totals(
        self,
        meeting_id: UUID,
        ballot_id: UUID,
        totals: Mapping[str, Mapping[str, int]],
        entered_by: str,
    ) -> None:
        """The chair's count of the room's votes on ``ballot_id``, per class;
        counted with the online and postal votes when the ballot closes."""
        clean = checked_totals(totals)

        def attempt() -> None:
            meeting = self.meeting(meeting_id)
            require_agenda(meeting, ballot_id)
            ballot = self.ballot(ballot_id)
            ballot.require_open()
            if ballot.kind != "proposal":
                raise InRoomTotalsRefused("only a proposal takes totals in the room")
            roll = self._roll(ballot_id)
            room: dict[str, int] = {}
            counted: list[str] = []  # in the room, of a class the totals count
            # (Those counted here before may be counted again: new totals for
            # this meeting replace its earlier ones.)
            for member in sorted(meeting.attending() - roll.voted):
                entry = roll.electorate.get(member)
                if entry is not None:
                    room[entry[0]] = room.get(entry[0], 0) + 1
                    if entry[0] in clean:
                        counted.append(member)
            for member_class, counts in clean.items():
                if sum(counts.values()) > room.get(member_class, 0):
                    raise InRoomTotalsRefused(
                        f"{sum(counts.values())} votes in class {member_class}, "
                        f"but {room.get(member_class, 0)} of its electors are in "
                        "the room and have not voted otherwise"
                    )
            meeting.enter_in_room(str(ballot_id), clean, entered_by)
            ballot.enter_in_room(str(meeting_id), clean)
            # So that nobody counted in the room votes again online or by post.
            roll.count_in_room(counted)
            self.save(meeting, ballot, roll)

        with self._pool().lock:
            self._retrying(attempt)

    def adopt_minutes(
        self,
        meeting_id: UUID,
        text: str,
        written_by: str,
        adopted_by: str,
        adopted_on: dt.date | None = None,
    ) -> int:
        """Adopt the secretary's minutes; a second adoption amends the first
        (both are kept). Returns the version adopted."""
        if not text.strip() or not written_by.strip():
            raise InvalidMeeting("minutes need their text and who wrote them")
        meeting = self.meeting(meeting_id)
        version = len(meeting.minutes) + 1
        if version == 1:
            self._record_held(meeting)
        meeting.adopt_minutes(
            version,
            text.strip(),
            written_by.strip(),
            adopted_by,
            adopted_on or dt.date.today(),
        )
        self.save(meeting)
        return version

    def _record_held(self, meeting: Meeting) -> None:
        attending = len(meeting.present) + len(meeting.proxies)
        electorate = sum(1 for m in self.members() if m.is_admitted)
        quorum = self.coop().profile.quorum
        quorate = attending > 0 and attending >= Fraction(quorum) * electorate
        meeting.record_held(meeting.held_on, attending, electorate, quorum, quorate)


def require_agenda(meeting: Meeting, ballot_id: UUID) -> None:
    if str(ballot_id) not in meeting.agenda:
        raise NotOnAgenda(f"ballot {ballot_id} is not on the agenda of {meeting.id}")


def require_time(starts_at: str) -> str:
    try:
        dt.time.fromisoformat(starts_at)
    except ValueError:
        raise InvalidMeeting(f"{starts_at!r} is not a time (HH:MM)") from None
    return starts_at


def distinct(ids: Sequence[UUID]) -> list[str]:
    return list(dict.fromkeys(str(i) for i in ids))


MEETING_SHARING: dict[str, Rule] = {
    Meeting.Held.TOPIC: Rule(
        shared.MeetingHeld,
        lambda p, e: shared.MeetingHeld(
            meeting=p.pseudonym(e.originator_id),
            held_on=e.held_on,
            attending=e.attending,
            electorate=e.electorate,
            quorum=e.quorum,
            quorate=e.quorate,
        ),
    ),
}
