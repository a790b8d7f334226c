"""Web sessions: what a browser holds after signing in, instead of the token.

Signing in starts a ``WebSession``: a fresh high-entropy secret goes in the
cookie, and the node stores only its sha256 (the session's id is derived from
it, so finding a session is one read by id). A session expires after
``SESSION_HOURS``, ends when its member signs out, and stops working the moment
the token it was started with is revoked or its member is no longer admitted
(both are checked on every request). Forms carry a CSRF token derived from the
session's secret, which a page of another origin cannot read.

None of these events is in the sharing allowlist: they never leave the node.
"""

import datetime as dt
import hashlib
import hmac
import secrets
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from node.auth import ADMIN, AuthCommands, Principal
from toolkit.aggregates import get

SESSION_HOURS = 12


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def session_id(hashed: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"commonweal:session:{hashed}")


def csrf_token(secret: str) -> str:
    """The token every form of this session posts back."""
    return hmac.new(secret.encode(), b"csrf", hashlib.sha256).hexdigest()[:32]


def is_csrf_token(secret: str, presented: str) -> bool:
    return hmac.compare_digest(csrf_token(secret), presented)


class WebSession(Aggregate):
    TOPIC = "commonweal.web_session"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.web_session.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.web_session.created"

    class Started(Created):
        TOPIC = "commonweal.web_session.started"
        secret_hash: str
        role: str
        member_id: UUID | None
        token_id: UUID | None
        expires_at: dt.datetime

    class Ended(Event):
        TOPIC = "commonweal.web_session.ended"

    @staticmethod
    def create_id(secret_hash: str, **_: object) -> UUID:
        return session_id(secret_hash)

    @event(Started)
    def __init__(
        self,
        secret_hash: str,
        role: str,
        member_id: UUID | None,
        token_id: UUID | None,
        expires_at: dt.datetime,
    ) -> None:
        self.role = role
        self.member_id = member_id
        self.token_id = token_id
        self.expires_at = expires_at
        self.ended = False

    @event(Ended)
    def end(self) -> None:
        self.ended = True


class SessionCommands(AuthCommands):
    def start_session(self, who: Principal, now: dt.datetime | None = None) -> str:
        """Start a session for ``who`` (just authenticated); returns its secret,
        for the cookie: shown once, never stored."""
        secret = "cws_" + secrets.token_urlsafe(32)
        now = now or dt.datetime.now(dt.UTC)
        session = WebSession(
            secret_hash=secret_hash(secret),
            role=who.role,
            member_id=who.member_id,
            token_id=who.token_id,
            expires_at=now + dt.timedelta(hours=SESSION_HOURS),
        )
        self.save(session)
        return secret

    def session_principal(
        self, secret: str, now: dt.datetime | None = None
    ) -> Principal | None:
        """Who a session's secret stands for, or None: unknown, ended, expired,
        or its token revoked or its member gone since it started."""
        session = get(self, session_id(secret_hash(secret)), WebSession)
        now = now or dt.datetime.now(dt.UTC)
        if session is None or session.ended or now >= session.expires_at:
            return None
        if session.role == ADMIN.role:
            return ADMIN
        if session.token_id is None or not self.token_still_valid(session.token_id):
            return None
        return Principal(session.role, session.member_id, session.token_id)  # type: ignore[arg-type]

    def end_session(self, secret: str) -> None:
        session = get(self, session_id(secret_hash(secret)), WebSession)
        if session is not None and not session.ended:
            session.end()
            self.save(session)
