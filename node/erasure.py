"""Erasing a person by destroying their keys, and the erasure register.

``erase_person`` destroys the key of the person's personal data at once (their
name, contact details, what they wrote), and the key of their care records at
once if none is still within its retention period (node.retention), else on
the day the last one ends: the node's clock destroys keys that fall due
(``expire_due_keys``, run by node.notifier) and records each.

Only someone who is not an admitted member can be erased: a member still in the
co-op must withdraw first (their membership is in the register of members the
co-op keeps by law, and a member with no name could not be told of meetings).

The register (``ErasureRegister``: who was erased, which key went when, which is
kept until when) holds ids and dates, no personal data. It has two more copies
out of the store, because a store restored from a backup made before an erasure
holds neither the register's events nor the erasure: the key file's own list
(node.personal_keys), and the register file in the node's folder
(node.erasure_file), which ``commonweal node restore`` reads to destroy the same
keys again before the restored node starts.
"""

import datetime as dt
from collections.abc import Callable
from typing import Literal, NamedTuple, cast, get_args
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from node.care import CareCommands
from node.errors import AlreadyErased, StillAMember, UnknownReason
from node.incidents import IncidentCommands
from node.membership_commands import MembershipCommands
from node.personal_keys import Category, DestroyedKey
from node.retention import RetentionConfig, kept_until
from node.visits import VisitCommands
from toolkit.aggregates import get

ErasureReason = Literal["requested", "consent_withdrawn", "no_longer_needed"]
ERASURE_REASONS: tuple[str, ...] = get_args(ErasureReason)


def register_id(coop_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"commonweal:erasure-register:{coop_id}")


class ErasureRegister(Aggregate):
    TOPIC = "commonweal.erasure_register"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.erasure_register.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.erasure_register.created"

    class Started(Created):
        TOPIC = "commonweal.erasure_register.started"
        coop_id: str

    class Erased(Event):
        TOPIC = "commonweal.erasure_register.erased"
        subject: UUID
        requested_by: UUID | None  # None: the admin
        reason: str
        erased_on: dt.date

    class KeyDestroyed(Event):
        TOPIC = "commonweal.erasure_register.key_destroyed"
        subject: UUID
        category: str
        destroyed_on: dt.date

    class KeyKept(Event):
        TOPIC = "commonweal.erasure_register.key_kept"
        subject: UUID
        category: str
        until: dt.date

    @staticmethod
    def create_id(coop_id: str, **_: object) -> UUID:
        return register_id(coop_id)

    @event(Started)
    def __init__(self, coop_id: str) -> None:
        self.erased: dict[UUID, dt.date] = {}
        self.destroyed: dict[tuple[UUID, str], dt.date] = {}
        self.kept: dict[tuple[UUID, str], dt.date] = {}

    @event(Erased)
    def record_erased(
        self, subject: UUID, requested_by: UUID | None, reason: str, erased_on: dt.date
    ) -> None:
        self.erased[subject] = erased_on

    @event(KeyDestroyed)
    def record_destroyed(
        self, subject: UUID, category: str, destroyed_on: dt.date
    ) -> None:
        self.destroyed[(subject, category)] = destroyed_on
        self.kept.pop((subject, category), None)

    @event(KeyKept)
    def record_kept(self, subject: UUID, category: str, until: dt.date) -> None:
        self.kept[(subject, category)] = until


class Erasure(NamedTuple):
    """What erasing a person did: the keys destroyed, and the one kept until when."""

    subject: UUID
    erased_on: dt.date
    destroyed: list[str]
    kept: dict[str, dt.date]


class ErasureCommands(
    MembershipCommands, CareCommands, VisitCommands, IncidentCommands
):
    retention = RetentionConfig()
    # Called with each key destroyed (node.service writes the register file).
    on_destroyed: Callable[[DestroyedKey], None] | None = None

    def erase_person(
        self,
        member_id: UUID,
        requested_by: UUID | None,
        reason: str,
        on: dt.date | None = None,
    ) -> Erasure:
        """Erase the person ``member_id``, no longer an admitted member, at the
        request recorded as ``requested_by`` (None: the admin) for ``reason``."""
        if reason not in ERASURE_REASONS:
            raise UnknownReason(
                f"{reason!r} is not a reason for erasure; reasons are: "
                f"{', '.join(ERASURE_REASONS)}"
            )
        member = self.member(member_id)
        if member.is_admitted:
            raise StillAMember(
                f"member {member_id} is admitted: they must withdraw before they "
                "can be erased"
            )
        register = self.erasure_register()
        if member_id in register.erased:
            raise AlreadyErased(f"member {member_id} was erased already")
        today = on or dt.date.today()
        care_until = self._care_kept_until(member_id)
        destroyed: list[str] = []
        kept: dict[str, dt.date] = {}
        # Keys first, the register after: a crash between leaves the key file's
        # own register, and asking again completes this one.
        self._destroy(register, member_id, "personal", today)
        destroyed.append("personal")
        if care_until is None or care_until < today:
            self._destroy(register, member_id, "care", today)
            destroyed.append("care")
        else:
            register.record_kept(member_id, "care", care_until)
            kept["care"] = care_until
        register.record_erased(member_id, requested_by, reason, today)
        self.save(register)
        return Erasure(member_id, today, destroyed, kept)

    def expire_due_keys(self, today: dt.date) -> list[tuple[UUID, str]]:
        """Destroy every kept key whose retention period ended before ``today``;
        the (person, category) of each destroyed now."""
        register = self._find_register()
        if register is None:
            return []
        due = [where for where, until in register.kept.items() if until < today]
        for subject, category in due:
            self._destroy(register, subject, cast(Category, category), today)
        if due:
            self.save(register)
        return due

    def erasure_register(self) -> ErasureRegister:
        return self._find_register() or ErasureRegister(coop_id=self.coop_id)

    def is_erased(self, member_id: UUID) -> bool:
        register = self._find_register()
        return register is not None and member_id in register.erased

    def _destroy(
        self, register: ErasureRegister, subject: UUID, category: Category, on: dt.date
    ) -> None:
        self.keys.destroy(subject, category, on)
        if self.on_destroyed is not None:
            self.on_destroyed(DestroyedKey(subject, category, on))
        register.record_destroyed(subject, category, on)

    def _find_register(self) -> ErasureRegister | None:
        return get(self, register_id(self.coop_id), ErasureRegister)

    def _care_kept_until(self, subject: UUID) -> dt.date | None:
        """The last day a care record about ``subject`` must be kept; None if
        there is none. A record still open ends today."""
        today = dt.date.today()
        care: list[dt.date] = []
        visits: set[UUID] = set()
        for plan in self.care_plans():
            if plan.service_user == subject:
                care.append(plan.closed_on or today)
        for visit in self.visits():
            if visit.service_user == subject:
                visits.add(visit.id)
                care.append(visit.ended_on or visit.scheduled_for.date())
        incidents = [
            incident.closed_on or today
            for incident in self.incidents()
            if incident.person == subject or incident.visit in visits
        ]
        return kept_until(care, incidents, self.retention)
