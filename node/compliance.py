"""Compliance: what each carer (employed worker or enrolled volunteer) holds to
be allowed to care, and what the co-op requires of them per service type.

One ``ComplianceRecord`` per carer keeps their background checks (kind, day done,
certificate reference, expiry), their induction and their trainings (day done,
expiry); recording an item again corrects it, and a removal is an event too.
The ``Requirements`` (node.compliance_requirements) keep, per service type of
the co-op's profile, the checks and trainings a visit of that type needs: a
visit is not assigned to a carer who does not hold them on its day
(node.visits).

All of it stays in the node: certificate references are personal data, and the
consortium's compliance rate is the lead's to compute from
``is_fully_compliant``.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Literal, NamedTuple, get_args
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from node.compliance_requirements import Requirement, Requirements, requirements_id
from node.errors import (
    ComplianceGap,
    InvalidTransition,
    UnknownComplianceItem,
    UnknownServiceType,
)
from node.membership import admitted_member
from node.volunteers import VolunteerCommands
from node.workforce import WorkforceCommands
from toolkit.aggregates import get

CheckKind = Literal["dbs_enhanced", "dbs_basic", "right_to_work"]
CHECK_KINDS: tuple[str, ...] = get_args(CheckKind)
Training = Literal[
    "moving_and_handling",
    "medication",
    "first_aid",
    "safeguarding",
    "food_hygiene",
    "dementia_awareness",
]
TRAININGS: tuple[str, ...] = get_args(Training)
Item = Literal["check", "training", "induction"]
ITEMS: tuple[str, ...] = get_args(Item)
# How an API message names a missing check (a training is "<name> training").
CHECK_WORDS = {
    "dbs_enhanced": "an enhanced DBS check",
    "dbs_basic": "a basic DBS check",
    "right_to_work": "a right to work check",
}


class Held(NamedTuple):
    """A check or training as recorded: done on a day, valid until its expiry."""

    done_on: dt.date
    expires_on: dt.date | None
    certificate: str = ""  # a check's certificate reference; "" for a training

    def held_on(self, day: dt.date) -> bool:
        return self.done_on <= day and (
            self.expires_on is None or day <= self.expires_on
        )


def record_id(member: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"commonweal:compliance:{member}")


class ComplianceRecord(Aggregate):
    """One carer's checks, induction and trainings."""

    TOPIC = "commonweal.compliance"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.compliance.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.compliance.created"

    class Opened(Created):
        TOPIC = "commonweal.compliance.opened"
        member: UUID

    class CheckRecorded(Event):
        TOPIC = "commonweal.compliance.check_recorded"
        kind: str
        done_on: dt.date
        certificate: str
        expires_on: dt.date | None

    class InductionRecorded(Event):
        TOPIC = "commonweal.compliance.induction_recorded"
        done_on: dt.date

    class TrainingRecorded(Event):
        TOPIC = "commonweal.compliance.training_recorded"
        name: str
        done_on: dt.date
        expires_on: dt.date | None

    class Removed(Event):
        """Recorded by mistake: taken off the record (the event keeps it was)."""

        TOPIC = "commonweal.compliance.removed"
        item: str
        kind: str  # "" for the induction
        reason: str

    class ReminderSent(Event):
        """The carer and the coordinators were reminded that an item expires
        ``days_before`` days after ``sent_on`` or sooner (node.notifications)."""

        TOPIC = "commonweal.compliance.reminder_sent"
        item: str
        kind: str
        expires_on: dt.date
        days_before: int
        sent_on: dt.date

    @staticmethod
    def create_id(member: UUID, **_: object) -> UUID:
        return record_id(member)

    @event(Opened)
    def __init__(self, member: UUID) -> None:
        self.member = member
        self.checks: dict[str, Held] = {}
        self.trainings: dict[str, Held] = {}
        self.inducted_on: dt.date | None = None
        self.reminded: set[tuple[str, str, dt.date, int]] = set()

    @event(CheckRecorded)
    def record_check(
        self, kind: str, done_on: dt.date, certificate: str, expires_on: dt.date | None
    ) -> None:
        self.checks[kind] = Held(done_on, expires_on, certificate)

    @event(InductionRecorded)
    def record_induction(self, done_on: dt.date) -> None:
        self.inducted_on = done_on

    @event(TrainingRecorded)
    def record_training(
        self, name: str, done_on: dt.date, expires_on: dt.date | None
    ) -> None:
        self.trainings[name] = Held(done_on, expires_on)

    def remove(self, item: str, kind: str, reason: str) -> None:
        held = {
            "check": kind in self.checks,
            "training": kind in self.trainings,
            "induction": self.inducted_on is not None and not kind,
        }
        if not held.get(item):
            raise UnknownComplianceItem(
                f"{item} {kind!r} is not on the record of member {self.member}"
            )
        self._removed(item, kind, reason)

    @event(Removed)
    def _removed(self, item: str, kind: str, reason: str) -> None:
        if item == "check":
            del self.checks[kind]
        elif item == "training":
            del self.trainings[kind]
        else:
            self.inducted_on = None

    @event(ReminderSent)
    def remind(
        self,
        item: str,
        kind: str,
        expires_on: dt.date,
        days_before: int,
        sent_on: dt.date,
    ) -> None:
        self.reminded.add((item, kind, expires_on, days_before))

    def holds(self, item: str, kind: str) -> Held | None:
        return (self.checks if item == "check" else self.trainings).get(kind)


def _known(values: Iterable[str], allowed: tuple[str, ...], what: str) -> list[str]:
    values = list(values)
    unknown = [v for v in values if v not in allowed]
    if unknown or len(set(values)) != len(values):
        raise UnknownComplianceItem(
            f"{values} are not distinct {what} of this co-op's: {', '.join(allowed)}"
        )
    return values


class Lack(NamedTuple):
    """A check or training a carer lacks on a day: never held (or done only
    later), or expired on ``expired_on``."""

    item: str
    kind: str
    expired_on: dt.date | None


def gap_words(lack: Lack) -> str:
    """What a carer lacks, in the API's words: "an enhanced DBS check",
    "safeguarding training (expired on 2026-10-01)"."""
    if lack.item == "check":
        name = CHECK_WORDS[lack.kind]
    else:
        name = f"{lack.kind.replace('_', ' ')} training"
    if lack.expired_on is not None:
        return f"{name} (expired on {lack.expired_on.isoformat()})"
    return name


def and_joined(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


class ComplianceCommands(VolunteerCommands, WorkforceCommands):
    def record_check(
        self,
        member_id: UUID,
        kind: str,
        done_on: dt.date,
        certificate: str = "",
        expires_on: dt.date | None = None,
    ) -> None:
        """Record (or correct) a background check of ``kind`` for a member."""
        _known([kind], CHECK_KINDS, "kinds of check")
        _require_order(done_on, expires_on)
        record = self._record_for(member_id)
        record.record_check(kind, done_on, certificate, expires_on)
        self.save(record)

    def record_induction(self, member_id: UUID, done_on: dt.date) -> None:
        record = self._record_for(member_id)
        record.record_induction(done_on)
        self.save(record)

    def record_training(
        self,
        member_id: UUID,
        name: str,
        done_on: dt.date,
        expires_on: dt.date | None = None,
    ) -> None:
        """Record (or correct) a training from the co-op's list for a member."""
        _known([name], TRAININGS, "trainings")
        _require_order(done_on, expires_on)
        record = self._record_for(member_id)
        record.record_training(name, done_on, expires_on)
        self.save(record)

    def remove_compliance_item(
        self, member_id: UUID, item: Item, kind: str = "", reason: str = ""
    ) -> None:
        """Take a check, training or the induction recorded by mistake off a
        member's record."""
        record = self.compliance_record(member_id)
        if record is None or item not in ITEMS:
            raise UnknownComplianceItem(
                f"{item} {kind!r} is not on {member_id}'s record"
            )
        record.remove(item, kind, reason)
        self.save(record)

    def set_requirements(
        self,
        service_type: str,
        checks: Iterable[str],
        trainings: Iterable[str],
        set_on: dt.date | None = None,
    ) -> None:
        """What a visit of ``service_type`` requires of its carer from now on."""
        if service_type not in self.coop().profile.service_types:
            raise UnknownServiceType(f"{service_type!r} is not a service of this co-op")
        wanted = Requirement(
            tuple(_known(checks, CHECK_KINDS, "kinds of check")),
            tuple(_known(trainings, TRAININGS, "trainings")),
        )
        requirements = self._requirements() or Requirements(coop_id=self.coop_id)
        if requirements.by_service.get(service_type, Requirement()) != wanted:
            requirements.set(
                service_type,
                list(wanted.checks),
                list(wanted.trainings),
                set_on or dt.date.today(),
            )
            self.save(requirements)

    def requirements(self) -> dict[str, Requirement]:
        """Each of the co-op's service types and what it requires (nothing unless
        set)."""
        found = self._requirements()
        chosen = found.by_service if found else {}
        return {
            t: chosen.get(t, Requirement()) for t in self.coop().profile.service_types
        }

    def compliance_record(self, member_id: UUID) -> ComplianceRecord | None:
        return get(self, record_id(member_id), ComplianceRecord)

    def carers(self) -> list[UUID]:
        """The members who care now (employed or enrolled), each once."""
        employed = [w.member for w in self.workers() if w.is_employed]
        enrolled = [v.member for v in self.volunteers() if v.is_enrolled]
        return list(dict.fromkeys(employed + enrolled))

    def compliance_gaps(
        self, member_id: UUID, service_types: Iterable[str], day: dt.date
    ) -> list[str]:
        """What the member lacks on ``day`` that ``service_types`` require, in
        the API's words (never recorded, done after that day, or expired by then)."""
        return [
            gap_words(lack)
            for lack in self.compliance_lacks(member_id, service_types, day)
        ]

    def compliance_lacks(
        self, member_id: UUID, service_types: Iterable[str], day: dt.date
    ) -> list[Lack]:
        """``compliance_gaps`` for a page to put in words."""
        requirements = self.requirements()
        wanted = [requirements.get(t, Requirement()) for t in service_types]
        return self._lacks(member_id, wanted, day)

    def require_compliant(
        self, member_id: UUID, service_types: Iterable[str], day: dt.date
    ) -> None:
        gaps = self.compliance_gaps(member_id, service_types, day)
        if gaps:
            raise ComplianceGap(
                f"member {member_id} needs {and_joined(gaps)} on {day.isoformat()}"
            )

    def is_fully_compliant(self, member_id: UUID, day: dt.date) -> bool:
        """Whether the member holds, unexpired on ``day``, every check and
        training that any of the co-op's service types requires (so with no
        requirements set, everyone does). The induction is shown on the pages
        but not counted here: no service requires it by name."""
        return not self._lacks(member_id, list(self.requirements().values()), day)

    def _lacks(
        self, member_id: UUID, wanted: Iterable[Requirement], day: dt.date
    ) -> list[Lack]:
        record = self.compliance_record(member_id)
        needed = [("check", c) for r in wanted for c in r.checks]
        needed += [("training", t) for r in wanted for t in r.trainings]
        lacks = []
        for item, kind in dict.fromkeys(needed):
            held = record.holds(item, kind) if record else None
            if held is None or not held.held_on(day):
                # Done by then, so not held on the day: it had expired.
                expired_on = held.expires_on if held and held.done_on <= day else None
                lacks.append(Lack(item, kind, expired_on))
        return lacks

    def _record_for(self, member_id: UUID) -> ComplianceRecord:
        admitted_member(self, member_id, "carer")
        return self.compliance_record(member_id) or ComplianceRecord(member=member_id)

    def _requirements(self) -> Requirements | None:
        return get(self, requirements_id(self.coop_id), Requirements)


def _require_order(done_on: dt.date, expires_on: dt.date | None) -> None:
    if expires_on is not None and expires_on < done_on:
        raise InvalidTransition(
            f"it cannot expire ({expires_on}) before it was done ({done_on})"
        )
