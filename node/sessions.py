"""Web sessions: what a browser holds after signing in, instead of the token.

Signing in starts a ``WebSession``: a fresh high-entropy secret goes in the
cookie, and the node stores only its sha256 (the session's id is derived from
it, so finding a session is one read by id). A session expires after
``SESSION_HOURS`` (``REMEMBERED_DAYS`` when the member ticked "remember this
device"), ends when its member signs out or ends it from their devices page,
and stops working the moment
the token it was started with is revoked or its member is no longer admitted
(both are checked on every request). Forms carry a CSRF token derived from the
session's secret, which a page of another origin cannot read.

None of these events is in the sharing allowlist: they never leave the node.
"""

import contextlib
import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any, NamedTuple
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError

from node.auth import ADMIN, AuthCommands, Principal
from toolkit.aggregates import events_with, get

SESSION_HOURS = 12
REMEMBERED_DAYS = 90
# "Last used" is recorded at most this often: not a write on every request.
TOUCH_EVERY = dt.timedelta(hours=1)


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
        # 2: ``remembered`` and ``device`` (a summary such as "Chrome on
        # Android", never the full user agent).
        class_version = 2
        secret_hash: str
        role: str
        member_id: UUID | None
        token_id: UUID | None
        expires_at: dt.datetime
        remembered: bool
        device: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["remembered"] = False
            state["device"] = ""

    class Used(Event):
        TOPIC = "commonweal.web_session.used"
        used_at: dt.datetime

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
        remembered: bool,
        device: str,
    ) -> None:
        self.role = role
        self.member_id = member_id
        self.token_id = token_id
        self.expires_at = expires_at
        self.remembered = remembered
        self.device = device
        self.last_used: dt.datetime | None = None
        self.ended = False

    def live(self, now: dt.datetime) -> bool:
        return not self.ended and now < self.expires_at

    @event(Used)
    def touch(self, used_at: dt.datetime) -> None:
        self.last_used = used_at

    @event(Ended)
    def end(self) -> None:
        self.ended = True


class NewSession(NamedTuple):
    secret: str  # for the cookie: shown once, never stored
    session: WebSession


class SessionCommands(AuthCommands):
    def start_session(
        self,
        who: Principal,
        now: dt.datetime | None = None,
        remember: bool = False,
        device: str = "",
    ) -> str:
        """Start a session for ``who`` (just authenticated); returns its secret,
        for the cookie: shown once, never stored."""
        started = self.new_session(
            who, now or dt.datetime.now(dt.UTC), remember, device
        )
        self.save(started.session)
        return started.secret

    def new_session(
        self, who: Principal, now: dt.datetime, remember: bool, device: str
    ) -> NewSession:
        """A session not yet saved, for a command that saves it with more."""
        secret = "cws_" + secrets.token_urlsafe(32)
        lasts = (
            dt.timedelta(days=REMEMBERED_DAYS)
            if remember
            else dt.timedelta(hours=SESSION_HOURS)
        )
        session = WebSession(
            secret_hash=secret_hash(secret),
            role=who.role,
            member_id=who.member_id,
            token_id=who.token_id,
            expires_at=now + lasts,
            remembered=remember,
            device=device,
        )
        return NewSession(secret, session)

    def session_principal(
        self, secret: str, now: dt.datetime | None = None
    ) -> Principal | None:
        """Who a session's secret stands for, or None: unknown, ended, expired,
        or its token revoked or its member gone since it started."""
        session = get(self, session_id(secret_hash(secret)), WebSession)
        now = now or dt.datetime.now(dt.UTC)
        if session is None or not session.live(now):
            return None
        if session.role == ADMIN.role:
            self._touch(session, now)
            return ADMIN
        if session.token_id is not None:
            if not self.token_still_valid(session.token_id):
                return None
        # Signed in by a link or letter holding no token: a member while admitted.
        elif (
            session.member_id is None or not self.member(session.member_id).is_admitted
        ):
            return None
        self._touch(session, now)
        return Principal(session.role, session.member_id, session.token_id)  # type: ignore[arg-type]

    def _touch(self, session: WebSession, now: dt.datetime) -> None:
        if session.last_used is not None and now - session.last_used < TOUCH_EVERY:
            return
        session.touch(now)
        # Another request of the same device may have recorded it just now.
        with contextlib.suppress(IntegrityError):
            self.save(session)

    def end_session(self, secret: str) -> None:
        session = get(self, session_id(secret_hash(secret)), WebSession)
        if session is not None and not session.ended:
            session.end()
            self.save(session)

    def sessions_of(
        self, who: Principal, now: dt.datetime | None = None
    ) -> list[WebSession]:
        """The live sessions (devices) of ``who``'s member, or the admin's; newest
        first."""
        now = now or dt.datetime.now(dt.UTC)
        ids = [
            e.originator_id
            for e in events_with(self, WebSession.Started.TOPIC)
            if isinstance(e, WebSession.Started) and _belongs(e.member_id, e.role, who)
        ]
        found = [get(self, i, WebSession) for i in ids]
        live = [s for s in found if s is not None and s.live(now)]
        return sorted(live, key=lambda s: s.created_on, reverse=True)

    def end_device(self, who: Principal, session_id: UUID) -> bool:
        """End one of ``who``'s own sessions; False if it is not theirs or over."""
        session = get(self, session_id, WebSession)
        if (
            session is None
            or session.ended
            or not _belongs(session.member_id, session.role, who)
        ):
            return False
        session.end()
        self.save(session)
        return True


def _belongs(member_id: UUID | None, role: str, who: Principal) -> bool:
    """Whether a session is ``who``'s: their member's, or any admin session for
    the admin (who has no member)."""
    if who.member_id is None:
        return member_id is None and role == ADMIN.role == who.role
    return member_id == who.member_id
