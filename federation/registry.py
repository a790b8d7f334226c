"""The consortium registry: its member co-ops, their lineage and broker credentials.

An eventsourcing application of the consortium with a store of its own (SQLite by
default, PostgreSQL by config). It is the authority on lineage: the consortium
records a co-op's parent when it provisions the spin-off, so a node cannot claim
another parent later. Only public keys are recorded; a co-op's nkey seed lives in
its own node config and nowhere else.
"""

import datetime as dt
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import JSONTranscoder

from federation.errors import (
    CoopSuspended,
    DuplicateCoop,
    RegistryTransitionRefused,
    ReservedCoopId,
    UnknownCoop,
)
from federation.keyring import CoopKeys
from schemas.envelope import is_valid_coop_id
from toolkit.aggregates import get, ids_with
from toolkit.transcodings import DateAsISO

# Words a co-op id may not be, so that no co-op can pass for a part of the
# federation or the broker: the consortium and its hub, the broker's own names
# (its system account, JetStream and its API, inboxes, leaf links), the accounts
# and subject words commonweal itself uses, and catch-all words an operator might
# read as "everyone". Ids are ASCII already (lower-case a-z, 0-9, -); a name in
# other scripts is folded with NFKC before an id is made from it, so a full-width
# "Consortium" is refused as "consortium".
RESERVED_COOP_IDS = frozenset(
    {
        "consortium", "federation", "registry", "dashboard", "hub", "leaf",
        "broker", "nats", "sys", "system", "js", "jsc", "jetstream", "api",
        "inbox", "coop", "coops", "cw", "all", "any", "everyone", "none",
        "admin", "root", "operator", "global", "default",
    }
)  # fmt: skip


def member_coop_id(coop_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"commonweal:consortium:coop:{coop_id}")


class MemberCoop(Aggregate):
    TOPIC = "commonweal.consortium.coop"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.consortium.coop.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.consortium.coop.created"

    class Registered(Created):
        TOPIC = "commonweal.consortium.coop.registered"
        coop_id: str
        name: str
        parent: str  # "" for a co-op that joined rather than spun off
        registered_on: dt.date

    class Provisioned(Event):
        TOPIC = "commonweal.consortium.coop.provisioned"
        provisioned_on: dt.date

    class Suspended(Event):
        TOPIC = "commonweal.consortium.coop.suspended"
        reason: str
        suspended_on: dt.date

    class Reinstated(Event):
        TOPIC = "commonweal.consortium.coop.reinstated"
        reinstated_on: dt.date

    class CredentialsIssued(Event):
        TOPIC = "commonweal.consortium.coop.credentials_issued"
        public_key: str
        issued_on: dt.date

    class CredentialsRevoked(Event):
        TOPIC = "commonweal.consortium.coop.credentials_revoked"
        public_key: str
        revoked_on: dt.date
        # When the key stopped signing; None in events of release 0.1.0, whose
        # keys signed nothing.
        revoked_at: dt.datetime | None = None

    class KeyRotated(Event):
        """A new key; the previous one still signs until ``previous_until``."""

        TOPIC = "commonweal.consortium.coop.key_rotated"
        public_key: str
        previous_key: str
        previous_until: dt.datetime

    class SigningAdopted(Event):
        """From here on the co-op signs: unsigned envelopes are taken only up to
        ``unsigned_until``, what it published before it had a key (0: none)."""

        TOPIC = "commonweal.consortium.coop.signing_adopted"
        unsigned_until: int

    @staticmethod
    def create_id(coop_id: str, **_: object) -> UUID:
        return member_coop_id(coop_id)

    @event(Registered)
    def __init__(
        self, coop_id: str, name: str, parent: str, registered_on: dt.date
    ) -> None:
        self.coop_id = coop_id
        self.name = name
        self.parent = parent
        self.registered_on = registered_on
        self.provisioned_on: dt.date | None = None
        self.suspended = False
        self.public_key = ""  # the live credentials; "" when none or revoked
        # Every key the co-op has held -> until when it signs (None: live).
        self.key_ends: dict[str, dt.datetime | None] = {}
        # The last seq published unsigned (SigningAdopted); None: not adopted yet.
        self.unsigned_until: int | None = None

    @event(Provisioned)
    def provision(self, provisioned_on: dt.date) -> None:
        self.provisioned_on = provisioned_on

    def suspend(self, reason: str, on: dt.date) -> None:
        if self.suspended:
            raise RegistryTransitionRefused(
                f"co-op {self.coop_id} is suspended already"
            )
        self._suspended(reason, on)

    @event(Suspended)
    def _suspended(self, reason: str, suspended_on: dt.date) -> None:
        self.suspended = True

    def reinstate(self, on: dt.date) -> None:
        if not self.suspended:
            raise RegistryTransitionRefused(f"co-op {self.coop_id} is not suspended")
        self._reinstated(on)

    @event(Reinstated)
    def _reinstated(self, reinstated_on: dt.date) -> None:
        self.suspended = False

    def issue_credentials(self, public_key: str, on: dt.date) -> None:
        if self.suspended:
            raise CoopSuspended(f"co-op {self.coop_id} is suspended")
        if self.public_key:
            # One live key per co-op: the old one goes first, so it stops at once.
            self._revoked(self.public_key, on)
        self._issued(public_key, on)

    @event(CredentialsIssued)
    def _issued(self, public_key: str, issued_on: dt.date) -> None:
        self.public_key = public_key
        self.key_ends[public_key] = None

    def revoke_credentials(self, on: dt.date) -> None:
        if not self.public_key:
            raise RegistryTransitionRefused(
                f"co-op {self.coop_id} holds no credentials"
            )
        self._revoked(self.public_key, on)

    def _revoked(self, public_key: str, on: dt.date) -> None:
        self._revoked_at(public_key, on, dt.datetime.now(dt.UTC))

    @event(CredentialsRevoked)
    def _revoked_at(
        self,
        public_key: str,
        revoked_on: dt.date,
        revoked_at: dt.datetime | None = None,
    ) -> None:
        self.public_key = ""
        if revoked_at is None:  # release 0.1.0: the day's start is all we know
            revoked_at = dt.datetime.combine(revoked_on, dt.time(), dt.UTC)
        self.key_ends[public_key] = revoked_at

    def rotate_key(self, public_key: str, overlap: dt.timedelta) -> None:
        if not self.public_key:
            raise RegistryTransitionRefused(
                f"co-op {self.coop_id} holds no key to rotate"
            )
        if public_key in self.key_ends:
            raise RegistryTransitionRefused(
                f"co-op {self.coop_id} has held key {public_key} already"
            )
        until = dt.datetime.now(dt.UTC) + overlap
        self._rotated(public_key, self.public_key, until)

    @event(KeyRotated)
    def _rotated(
        self, public_key: str, previous_key: str, previous_until: dt.datetime
    ) -> None:
        self.key_ends[previous_key] = previous_until
        self.key_ends[public_key] = None
        self.public_key = public_key

    def adopt_signing(self, unsigned_until: int) -> None:
        if self.unsigned_until is not None:
            raise RegistryTransitionRefused(
                f"co-op {self.coop_id} signs already (unsigned up to seq "
                f"{self.unsigned_until})"
            )
        self._adopted(unsigned_until)

    @event(SigningAdopted)
    def _adopted(self, unsigned_until: int) -> None:
        self.unsigned_until = unsigned_until

    @property
    def may_publish(self) -> bool:
        return bool(self.public_key) and not self.suspended


class Lineage(msgspec.Struct, frozen=True):
    """One registered co-op as the growth report sees it."""

    coop_id: str
    name: str
    parent: str | None
    registered_on: dt.date
    suspended: bool


class ConsortiumRegistry(Application[UUID]):
    name = "ConsortiumRegistry"

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def register(
        self,
        coop_id: str,
        name: str,
        *,
        parent: str | None = None,
        public_key: str = "",
        unsigned_until: int | None = None,
        provisioned: bool = False,
        on: dt.date | None = None,
    ) -> MemberCoop:
        """Register a co-op (with its first credentials, if given) in one save.
        ``unsigned_until``: it signs what it publishes after that seq."""
        on = on or dt.date.today()
        self.check_new(coop_id, name)
        if parent is not None:
            self.require(parent)
        coop = MemberCoop(
            coop_id=coop_id, name=name, parent=parent or "", registered_on=on
        )
        if public_key:
            coop.issue_credentials(public_key, on)
        if unsigned_until is not None:
            coop.adopt_signing(unsigned_until)
        if provisioned:
            coop.provision(on)
        self.save(coop)
        return coop

    def check_new(self, coop_id: str, name: str) -> None:
        if not is_valid_coop_id(coop_id):
            raise ValueError(f"co-op id {coop_id!r} is not lower-case a-z, 0-9, -")
        if coop_id in RESERVED_COOP_IDS:
            raise ReservedCoopId(
                f"co-op id {coop_id!r} is reserved (the consortium or the broker "
                "uses the word); give the co-op another id or name"
            )
        if self.find(coop_id) is not None:
            raise DuplicateCoop(f"co-op id {coop_id!r} is registered already")
        folded = name.strip().casefold()
        if not folded:
            raise ValueError("a co-op needs a name")
        for other in self.coops():
            if other.name.strip().casefold() == folded:
                raise DuplicateCoop(
                    f"a co-op named {other.name!r} is registered already "
                    f"(as {other.coop_id})"
                )

    def issue_credentials(
        self, coop_id: str, public_key: str, on: dt.date | None = None
    ) -> None:
        coop = self.require(coop_id)
        coop.issue_credentials(public_key, on or dt.date.today())
        self.save(coop)

    def revoke_credentials(self, coop_id: str, on: dt.date | None = None) -> None:
        coop = self.require(coop_id)
        coop.revoke_credentials(on or dt.date.today())
        self.save(coop)

    def rotate_key(
        self, coop_id: str, public_key: str, overlap: dt.timedelta
    ) -> dt.datetime:
        """Make ``public_key`` the co-op's key; the old one still signs for
        ``overlap`` (messages the broker stores until then). Returns that end."""
        coop = self.require(coop_id)
        previous = coop.public_key
        coop.rotate_key(public_key, overlap)
        self.save(coop)
        end = coop.key_ends[previous]
        assert end is not None
        return end

    def adopt_signing(self, coop_id: str, unsigned_until: int) -> None:
        coop = self.require(coop_id)
        coop.adopt_signing(unsigned_until)
        self.save(coop)

    def suspend(self, coop_id: str, reason: str, on: dt.date | None = None) -> None:
        coop = self.require(coop_id)
        coop.suspend(reason, on or dt.date.today())
        self.save(coop)

    def reinstate(self, coop_id: str, on: dt.date | None = None) -> None:
        coop = self.require(coop_id)
        coop.reinstate(on or dt.date.today())
        self.save(coop)

    def find(self, coop_id: str) -> MemberCoop | None:
        return get(self, member_coop_id(coop_id), MemberCoop)

    def require(self, coop_id: str) -> MemberCoop:
        coop = self.find(coop_id)
        if coop is None:
            raise UnknownCoop(f"no co-op {coop_id!r} in the consortium registry")
        return coop

    def coops(self) -> list[MemberCoop]:
        """Every registered co-op, in the order they were registered."""
        return [
            self.repository.get(i) for i in ids_with(self, MemberCoop.Registered.TOPIC)
        ]

    def lineage(self) -> list[Lineage]:
        return [
            Lineage(c.coop_id, c.name, c.parent or None, c.registered_on, c.suspended)
            for c in self.coops()
        ]

    def signing_keys(self) -> dict[str, CoopKeys]:
        """What the ingest verifies against: each co-op's keys, with when each
        stops signing, and how far its unsigned envelopes go. Suspension is the
        broker's business: what a suspended co-op signed before stays its own."""
        return {
            c.coop_id: CoopKeys(tuple(c.key_ends.items()), c.unsigned_until or 0)
            for c in self.coops()
        }

    def publishing_keys(self) -> dict[str, str]:
        """co-op id -> public key, for every co-op the broker should let publish."""
        return {c.coop_id: c.public_key for c in self.coops() if c.may_publish}
