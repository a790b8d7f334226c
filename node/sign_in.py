"""Signing in without a token: an emailed link, or a printed letter.

A member signs in with a single-use secret instead of a 46-character token:

- a **link** (``/signin/<secret>``), sent by email, good for ``LINK_MINUTES``;
- a **letter**, printed by the office, good for ``LETTER_DAYS``: a short code to
  type at /login (``CODE_LENGTH`` characters of Crockford's base 32, which has no
  I, L, O or U, so nothing looks like something else; case and dashes ignored)
  and a QR code of a link. The letter's code and link are one letter: using
  either uses both. Issuing a member a new letter revokes the one before.

The node stores only each secret's sha256 (a ``SignInSecret`` aggregate whose id
is derived from it, so checking one is one read by id). Using a secret starts a
web session (node.sessions) in the same write, so a secret is used exactly once.
The session's role is the best one the member holds a live token for (a board
member's link signs them in as board); a member with no token signs in as a
member.

None of these events is in the sharing allowlist: they never leave the node.
"""

import datetime as dt
import hashlib
import secrets
from typing import Literal, NamedTuple
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from node.auth import MemberRole, Principal
from node.errors import DomainError, InvalidTransition
from node.sessions import NewSession, SessionCommands
from toolkit.aggregates import events_with, get

LINK_MINUTES = 30
LETTER_DAYS = 30
CODE_LENGTH = 10
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32
# What people may type for a character the alphabet leaves out.
CODE_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
# Who signs in as what, best first, when a member holds several tokens.
ROLE_ORDER: tuple[MemberRole, ...] = ("board", "coordinator", "member")

Kind = Literal["link", "letter_link", "letter_code"]
Refusal = Literal["unknown", "used", "expired", "revoked", "not_a_member"]


class SignInRefused(DomainError):
    """A sign-in secret that cannot be used; ``reason`` says why, for people."""

    code = "sign_in_refused"

    def __init__(self, reason: Refusal) -> None:
        super().__init__(f"sign-in refused: {reason}")
        self.reason = reason


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def sign_in_id(hashed: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"commonweal:sign_in:{hashed}")


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalized_code(typed: str) -> str:
    """A code as typed (any case, dashes, spaces, O for 0) as it was issued."""
    kept = "".join(c for c in typed.upper() if c.isalnum())
    return kept.translate(CODE_LOOKALIKES)


def grouped(code: str) -> str:
    """A code as printed: ``ABCDE-FGHJK``, easier to read out and to type."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def looks_like_code(typed: str) -> bool:
    return len(normalized_code(typed)) == CODE_LENGTH


class SignInSecret(Aggregate):
    TOPIC = "commonweal.sign_in"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.sign_in.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.sign_in.created"

    class Issued(Created):
        TOPIC = "commonweal.sign_in.issued"
        secret_hash: str
        member_id: UUID
        kind: str
        expires_at: dt.datetime
        pair_id: UUID | None  # a letter's other half: its code, or its link

    class Used(Event):
        TOPIC = "commonweal.sign_in.used"
        used_at: dt.datetime

    class Revoked(Event):
        TOPIC = "commonweal.sign_in.revoked"

    @staticmethod
    def create_id(secret_hash: str, **_: object) -> UUID:
        return sign_in_id(secret_hash)

    @event(Issued)
    def __init__(
        self,
        secret_hash: str,
        member_id: UUID,
        kind: str,
        expires_at: dt.datetime,
        pair_id: UUID | None,
    ) -> None:
        self.member_id = member_id
        self.kind = kind
        self.expires_at = expires_at
        self.pair_id = pair_id
        self.used_at: dt.datetime | None = None
        self.revoked = False

    def refusal(self, now: dt.datetime) -> Refusal | None:
        """Why this secret cannot be used at ``now``, or None if it can."""
        if self.used_at is not None:
            return "used"
        if self.revoked:
            return "revoked"
        if now >= self.expires_at:
            return "expired"
        return None

    @event(Used)
    def use(self, used_at: dt.datetime) -> None:
        self.used_at = used_at

    @event(Revoked)
    def revoke(self) -> None:
        self.revoked = True


class LinkRequest(Aggregate):
    """A member asked for a sign-in link by email: the outbox sends one. The link's
    secret is made only when the email is sent, so it is never stored."""

    TOPIC = "commonweal.sign_in_request"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.sign_in_request.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.sign_in_request.created"

    class Made(Created):
        TOPIC = "commonweal.sign_in_request.made"
        member_id: UUID

    @event(Made)
    def __init__(self, member_id: UUID) -> None:
        self.member_id = member_id


class Letter(NamedTuple):
    """A printed letter's secrets: shown once, never stored."""

    code: str  # as issued; print it ``grouped``
    link_secret: str  # for /signin/<link_secret>, in the QR code
    expires_at: dt.datetime


class SignInCommands(SessionCommands):
    def issue_sign_in_link(
        self, member_id: UUID, now: dt.datetime | None = None
    ) -> str:
        """A single-use secret for ``/signin/<secret>``, to email to the member."""
        self._require_admitted(member_id)
        now = now or dt.datetime.now(dt.UTC)
        secret = _link_secret()
        expires_at = now + dt.timedelta(minutes=LINK_MINUTES)
        self.save(_secret(secret, member_id, "link", expires_at, None))
        return secret

    def request_sign_in_link(self, email: str) -> bool:
        """An admitted member with this email address asked for a link by email;
        False (and nothing written) when no admitted member has it. Callers answer
        the same either way, so nobody learns who is a member."""
        wanted = email.strip().casefold()
        for member in self.members():
            if member.is_admitted and member.email.strip().casefold() == wanted:
                self.save(LinkRequest(member_id=member.id))
                return True
        return False

    def issue_sign_in_letter(
        self, member_id: UUID, now: dt.datetime | None = None
    ) -> Letter:
        """A new letter for the member; any letter issued before stops working."""
        self._require_admitted(member_id)
        letter, parts = self._letter(member_id, now)
        self.save(*parts)
        return letter

    def admit_with_letter(
        self, member_id: UUID, now: dt.datetime | None = None
    ) -> Letter:
        """Admit a member and print their first letter, in one write."""
        now = now or dt.datetime.now(dt.UTC)
        member = self._admit(member_id, now.date())
        letter, parts = self._letter(member_id, now)
        self.save(member, *parts)
        return letter

    def check_sign_in(self, secret: str, now: dt.datetime | None = None) -> None:
        """Raise ``SignInRefused`` if the secret (a link's, or a typed code)
        cannot be used; uses nothing (a GET, or a mail scanner, may ask)."""
        self._redeemable(secret, now or dt.datetime.now(dt.UTC))

    def sign_in_with(
        self,
        secret: str,
        *,
        remember: bool = False,
        device: str = "",
        now: dt.datetime | None = None,
    ) -> str:
        """Use a link's secret or a letter's code and start a web session, in one
        write; returns the session's secret, for the cookie."""
        now = now or dt.datetime.now(dt.UTC)
        used, who = self._redeemable(secret, now)
        spent = [used]
        if used.pair_id is not None:
            pair = get(self, used.pair_id, SignInSecret)
            if pair is not None and pair.refusal(now) is None:
                spent.append(pair)
        for part in spent:
            part.use(now)
        started: NewSession = self.new_session(who, now, remember, device)
        self.save(*spent, started.session)
        return started.secret

    def _redeemable(
        self, secret: str, now: dt.datetime
    ) -> tuple[SignInSecret, Principal]:
        found = _find(self, secret)
        if found is None:
            raise SignInRefused("unknown")
        refusal = found.refusal(now)
        if refusal is not None:
            raise SignInRefused(refusal)
        who = self._sign_in_principal(found.member_id)
        if who is None:
            raise SignInRefused("not_a_member")
        return found, who

    def _sign_in_principal(self, member_id: UUID) -> Principal | None:
        """The member, in the best role they hold a live token for."""
        if not self.member(member_id).is_admitted:
            return None
        live = [t for t in self.tokens_of(member_id) if t.active]
        for role in ROLE_ORDER:
            for access in live:
                if access.role == role:
                    return Principal(role, member_id, access.id)
        return Principal("member", member_id, None)

    def _letter(
        self, member_id: UUID, now: dt.datetime | None
    ) -> tuple[Letter, list[SignInSecret]]:
        """A new letter, and what to save: its two halves, and the member's
        earlier letters revoked."""
        now = now or dt.datetime.now(dt.UTC)
        expires_at = now + dt.timedelta(days=LETTER_DAYS)
        code, link = new_code(), _link_secret()
        code_id, link_id = sign_in_id(secret_hash(code)), sign_in_id(secret_hash(link))
        earlier = self._live_letters(member_id, now)
        for old in earlier:
            old.revoke()
        parts = [
            _secret(code, member_id, "letter_code", expires_at, link_id),
            _secret(link, member_id, "letter_link", expires_at, code_id),
        ]
        return Letter(code, link, expires_at), earlier + parts

    def _live_letters(self, member_id: UUID, now: dt.datetime) -> list[SignInSecret]:
        issued = [
            e.originator_id
            for e in events_with(self, SignInSecret.Issued.TOPIC)
            if isinstance(e, SignInSecret.Issued)
            and e.member_id == member_id
            and e.kind != "link"
        ]
        found = [get(self, i, SignInSecret) for i in issued]
        return [s for s in found if s is not None and s.refusal(now) is None]

    def _require_admitted(self, member_id: UUID) -> None:
        member = self.member(member_id)
        if not member.is_admitted:
            raise InvalidTransition(
                f"member {member_id} is {member.status}; only admitted members sign in"
            )


def _link_secret() -> str:
    return "cwl_" + secrets.token_urlsafe(32)


def _secret(
    secret: str, member_id: UUID, kind: Kind, expires_at: dt.datetime, pair: UUID | None
) -> SignInSecret:
    return SignInSecret(
        secret_hash=secret_hash(secret),
        member_id=member_id,
        kind=kind,
        expires_at=expires_at,
        pair_id=pair,
    )


def _find(app: SessionCommands, typed: str) -> SignInSecret | None:
    """The secret a link carries, or a code as typed."""
    typed = typed.strip()
    key = typed if typed.startswith("cwl_") else normalized_code(typed)
    return get(app, sign_in_id(secret_hash(key)), SignInSecret)
