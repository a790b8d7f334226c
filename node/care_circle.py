"""The person's care circle: the family members and advocates a service user lets
see their care, by consent that they (or the coordinator on their behalf, noting
how it was given) record, and may take back at any time.

One ``CareConsent`` aggregate per grant: who lets whom see what, from when, and
its revocation. Whether a viewer may see someone's care is read from the store on
every request, so a revocation is refused at the very next one. None of these
events is in a sharing allowlist: who trusts whom with their care never leaves
the node.
"""

import datetime as dt
from collections.abc import Iterator
from typing import Literal, get_args
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from node.errors import InvalidCareConsent, InvalidTransition, UnknownCareConsent
from node.membership import admitted_member
from node.membership_commands import MembershipCommands
from node.records import load
from toolkit.aggregates import ids_with

# What a viewer sees: the plan (goals, scores, reviews) and the visits, or the
# visits alone (who is coming and when).
Scope = Literal["plan_and_visits", "visits"]
SCOPES: tuple[str, ...] = get_args(Scope)
MAX_HOW_GIVEN = 500


class CareConsent(Aggregate):
    TOPIC = "commonweal.care_consent"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.care_consent.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.care_consent.created"

    class Granted(Created):
        TOPIC = "commonweal.care_consent.granted"
        service_user: UUID
        viewer: UUID
        scope: str
        # The service user themselves, the coordinator who recorded it on their
        # behalf, or None for the admin token.
        recorded_by: UUID | None
        # How consent was given when recorded on the person's behalf ("in person,
        # witnessed by ..."); blank when the person recorded it themselves.
        how_given: str
        granted_on: dt.date

    class Revoked(Event):
        TOPIC = "commonweal.care_consent.revoked"
        revoked_by: UUID | None
        revoked_on: dt.date

    @event(Granted)
    def __init__(
        self,
        service_user: UUID,
        viewer: UUID,
        scope: str,
        recorded_by: UUID | None,
        how_given: str,
        granted_on: dt.date,
    ) -> None:
        self.service_user = service_user
        self.viewer = viewer
        self.scope = scope
        self.recorded_by = recorded_by
        self.how_given = how_given
        self.granted_on = granted_on
        self.revoked_on: dt.date | None = None

    @property
    def is_active(self) -> bool:
        return self.revoked_on is None

    @property
    def on_behalf(self) -> bool:
        return self.recorded_by != self.service_user

    def revoke(self, revoked_by: UUID | None, revoked_on: dt.date) -> None:
        if self.revoked_on is not None:
            raise InvalidTransition(
                f"care consent {self.id} was already revoked on {self.revoked_on}"
            )
        self._revoked(revoked_by, revoked_on)

    @event(Revoked)
    def _revoked(self, revoked_by: UUID | None, revoked_on: dt.date) -> None:
        self.revoked_on = revoked_on


class CareCircleCommands(MembershipCommands):
    def grant_care_consent(
        self,
        service_user: UUID,
        viewer: UUID,
        scope: Scope = "plan_and_visits",
        recorded_by: UUID | None = None,
        how_given: str = "",
        granted_on: dt.date | None = None,
    ) -> UUID:
        """Let ``viewer`` see ``service_user``'s care. Recorded by the person
        themselves (``recorded_by`` is the service user), or on their behalf with
        a note of ``how_given``."""
        admitted_member(self, service_user, "service user")
        admitted_member(self, viewer, "family member or advocate")
        if scope not in SCOPES:
            raise InvalidCareConsent(f"{scope!r} is not a scope; scopes: {SCOPES}")
        if viewer == service_user:
            raise InvalidCareConsent("a person sees their own care already")
        how_given = how_given.strip()
        if recorded_by != service_user and not how_given:
            raise InvalidCareConsent(
                "consent recorded on the person's behalf needs a note of how it "
                "was given"
            )
        if len(how_given) > MAX_HOW_GIVEN:
            raise InvalidCareConsent(
                f"the note of how consent was given is over {MAX_HOW_GIVEN} characters"
            )
        if self.care_consent_between(service_user, viewer) is not None:
            raise InvalidCareConsent(
                f"member {viewer} already sees {service_user}'s care; revoke that "
                "consent first to change what they see"
            )
        consent = CareConsent(
            service_user=service_user,
            viewer=viewer,
            scope=scope,
            recorded_by=recorded_by,
            how_given=how_given,
            granted_on=granted_on or dt.date.today(),
        )
        self.save(consent)
        return consent.id

    def revoke_care_consent(
        self,
        consent_id: UUID,
        revoked_by: UUID | None,
        revoked_on: dt.date | None = None,
    ) -> None:
        consent = self.care_consent(consent_id)
        consent.revoke(revoked_by, revoked_on or dt.date.today())
        self.save(consent)

    def care_consent(self, consent_id: UUID) -> CareConsent:
        return load(self, consent_id, CareConsent, UnknownCareConsent, "care consent")

    def care_consents(self) -> Iterator[CareConsent]:
        """Every consent ever granted, oldest first, revoked ones too."""
        for consent_id in ids_with(self, CareConsent.Granted.TOPIC):
            yield self.care_consent(consent_id)

    def care_circle(self, service_user: UUID) -> list[CareConsent]:
        """Who ``service_user`` has let see their care, now or before."""
        return [c for c in self.care_consents() if c.service_user == service_user]

    def care_consent_between(
        self, service_user: UUID, viewer: UUID
    ) -> CareConsent | None:
        """The consent in force that lets ``viewer`` see ``service_user``'s care:
        none once revoked, or once the viewer is no longer an admitted member."""
        for consent in self.care_consents():
            if (
                consent.is_active
                and consent.service_user == service_user
                and consent.viewer == viewer
            ):
                return consent if self.member(viewer).is_admitted else None
        return None

    def cared_for_by_consent(self, viewer: UUID) -> list[CareConsent]:
        """The consents in force that let ``viewer`` see someone's care."""
        if not self.member(viewer).is_admitted:
            return []
        return [c for c in self.care_consents() if c.is_active and c.viewer == viewer]
