"""Access tokens: who may use the node's HTTP interface, as what.

A token is a high-entropy secret shown once; the node stores only its sha256, as
an ``AccessToken`` aggregate whose id is derived from that hash, so checking a
token is one read by id. Tokens are issued to admitted members (a ``member`` token
on admission; ``board`` or ``coordinator`` tokens by an admin or a board member,
recorded as issued by them) and revoked by an event; a member who is no longer
admitted is refused whatever they hold.
The admin token is not stored here: its hash is in the node's config.

None of these events is in the sharing allowlist: they never leave the node.
"""

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Literal, NamedTuple, get_args
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from node.errors import InvalidTransition, UnknownToken
from node.membership_commands import MembershipCommands
from toolkit.aggregates import events_with, get

Role = Literal["admin", "board", "coordinator", "member"]
MemberRole = Literal["board", "coordinator", "member"]
ROLES: tuple[str, ...] = get_args(Role)

# Who may do what, by role; ownership checks come on top (see node.http.guard).
STAFF = frozenset({"admin", "board", "coordinator"})
BOARD = frozenset({"admin", "board"})
CARE = frozenset({"admin", "coordinator"})
ADMIN_ONLY = frozenset({"admin"})
# Whoever acts as a member of their own (every role but the admin token).
MEMBERS = frozenset({"board", "coordinator", "member"})
EVERYONE = frozenset(ROLES)


def new_token() -> str:
    return "cw_" + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_id(hashed: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"commonweal:token:{hashed}")


def is_admin_token(token: str, admin_token_sha256: str) -> bool:
    return bool(admin_token_sha256) and hmac.compare_digest(
        token_hash(token), admin_token_sha256
    )


class Principal(NamedTuple):
    """Who is calling: a role, and the member it belongs to (none for the admin)."""

    role: Role
    member_id: UUID | None = None
    token_id: UUID | None = None


ADMIN = Principal("admin")


class AccessToken(Aggregate):
    TOPIC = "commonweal.access_token"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.access_token.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.access_token.created"

    class Issued(Created):
        TOPIC = "commonweal.access_token.issued"
        token_hash: str
        role: str
        member_id: UUID
        issued_on: dt.date

    class IssuedBy(Event):
        """Which staff member issued it (none is the admin token)."""

        TOPIC = "commonweal.access_token.issued_by"
        issuer: UUID

    class Revoked(Event):
        TOPIC = "commonweal.access_token.revoked"
        revoked_on: dt.date

    @staticmethod
    def create_id(token_hash: str, **_: object) -> UUID:
        return token_id(token_hash)

    @event(Issued)
    def __init__(
        self, token_hash: str, role: str, member_id: UUID, issued_on: dt.date
    ) -> None:
        self.token_hash = token_hash
        self.role = role
        self.member_id = member_id
        self.issued_on = issued_on
        self.revoked_on: dt.date | None = None
        self.issued_by: UUID | None = None

    @event(IssuedBy)
    def record_issuer(self, issuer: UUID) -> None:
        self.issued_by = issuer

    @property
    def active(self) -> bool:
        return self.revoked_on is None

    def revoke(self, revoked_on: dt.date) -> None:
        if not self.active:
            raise InvalidTransition(f"token {self.id} is already revoked")
        self._revoked(revoked_on)

    @event(Revoked)
    def _revoked(self, revoked_on: dt.date) -> None:
        self.revoked_on = revoked_on


class IssuedToken(NamedTuple):
    token: str  # the secret: shown once, never stored
    access: AccessToken


class AuthCommands(MembershipCommands):
    def admit_with_token(
        self, member_id: UUID, admitted_on: dt.date | None = None
    ) -> IssuedToken:
        """Admit a member and issue their first token, in one write."""
        member = self._admit(member_id, admitted_on)
        issued = _issue(member_id, "member")
        self.save(member, issued.access)
        return issued

    def issue_token(
        self, member_id: UUID, role: MemberRole, issued_by: UUID | None = None
    ) -> IssuedToken:
        """A new token for an admitted member; ``issued_by`` is the staff member
        who issued it (None: the admin token)."""
        member = self.member(member_id)
        if not member.is_admitted:
            raise InvalidTransition(
                f"member {member_id} is {member.status}; only admitted members "
                "hold tokens"
            )
        issued = _issue(member_id, role)
        if issued_by is not None:
            issued.access.record_issuer(issued_by)
        self.save(issued.access)
        return issued

    def revoke_token(self, access_id: UUID) -> AccessToken:
        access = self.access_token(access_id)
        access.revoke(dt.date.today())
        self.save(access)
        return access

    def access_token(self, access_id: UUID) -> AccessToken:
        access = get(self, access_id, AccessToken)
        if access is None:
            raise UnknownToken(f"no token {access_id}")
        return access

    def tokens_of(self, member_id: UUID) -> list[AccessToken]:
        """Every token ever issued to a member, oldest first."""
        # The issued events say whose each token is: only the member's own tokens
        # are loaded, however many the co-op has issued.
        return [
            self.access_token(issued.originator_id)
            for issued in events_with(self, AccessToken.Issued.TOPIC)
            if isinstance(issued, AccessToken.Issued) and issued.member_id == member_id
        ]

    def authenticate(self, token: str) -> Principal | None:
        """The principal a member token stands for, or None if unknown or revoked."""
        access = get(self, token_id(token_hash(token)), AccessToken)
        if access is None or not self._usable(access):
            return None
        return Principal(access.role, access.member_id, access.id)  # type: ignore[arg-type]

    def token_still_valid(self, access_id: UUID) -> bool:
        access = get(self, access_id, AccessToken)
        return access is not None and self._usable(access)

    def _usable(self, access: AccessToken) -> bool:
        # A member who has left (by any path: withdrawal, a spin-off's runner
        # departing) can no longer act, whatever tokens they still hold.
        return access.active and self.member(access.member_id).is_admitted


def _issue(member_id: UUID, role: str) -> IssuedToken:
    token = new_token()
    access = AccessToken(
        token_hash=token_hash(token),
        role=role,
        member_id=member_id,
        issued_on=dt.date.today(),
    )
    return IssuedToken(token, access)
