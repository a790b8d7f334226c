"""Sign-in links and letters, and remembered devices, in the domain: single use,
expiry, a new letter revoking the last, only hashes stored; on every store."""

import dataclasses
import datetime as dt
from collections.abc import Iterator
from uuid import UUID

import pytest

from node.application import CoopNode
from node.auth import ADMIN, Principal
from node.errors import InvalidTransition
from node.rules import profile_named
from node.sessions import REMEMBERED_DAYS, SESSION_HOURS, WebSession
from node.sign_in import (
    CODE_ALPHABET,
    CODE_LENGTH,
    LETTER_DAYS,
    LINK_MINUTES,
    SignInRefused,
    grouped,
)
from toolkit.config import StoreConfig

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def app(store: StoreConfig) -> Iterator[CoopNode]:
    app = CoopNode("alpha", store.env())
    app.found_coop("Alpha Care", profile_named("uk_multi_stakeholder"), NOW.date())
    yield app
    app.close()


def member(app: CoopNode, name: str = "Rosa Bianchi", admit: bool = True) -> UUID:
    member_id = app.apply_for_membership(
        name=name,
        email="rosa@example.org",
        phone="",
        address="",
        member_class="worker",
        applied_on=NOW.date(),
    )
    if admit:
        app.admit_member(member_id, NOW.date())
    return member_id


def refusal(app: CoopNode, secret: str, now: dt.datetime = NOW) -> str:
    with pytest.raises(SignInRefused) as refused:
        app.sign_in_with(secret, now=now)
    return refused.value.reason


def test_a_link_signs_in_once(app: CoopNode) -> None:
    rosa = member(app)
    link = app.issue_sign_in_link(rosa, NOW)
    app.check_sign_in(link, NOW)  # looking (a GET, a mail scanner) uses nothing
    app.check_sign_in(link, NOW)
    session = app.sign_in_with(link, now=NOW)
    assert app.session_principal(session, NOW) == Principal("member", rosa, None)
    assert refusal(app, link) == "used"
    with pytest.raises(SignInRefused):
        app.check_sign_in(link, NOW)
    assert refusal(app, "cwl_made_up") == "unknown"


def test_a_link_expires(app: CoopNode) -> None:
    link = app.issue_sign_in_link(member(app), NOW)
    assert refusal(app, link, NOW + dt.timedelta(minutes=LINK_MINUTES)) == "expired"
    app.sign_in_with(link, now=NOW + dt.timedelta(minutes=LINK_MINUTES - 1))


def test_only_admitted_members_get_links_and_a_member_who_left_cannot_use_one(
    app: CoopNode,
) -> None:
    with pytest.raises(InvalidTransition):
        app.issue_sign_in_link(member(app, "Ann Plied", admit=False), NOW)
    leaving = member(app, "Lee Ving")
    link = app.issue_sign_in_link(leaving, NOW)
    app.withdraw_member(leaving, NOW.date())
    assert refusal(app, link) == "not_a_member"


def test_a_letter_code_is_typed_any_way_and_its_qr_link_goes_with_it(
    app: CoopNode,
) -> None:
    rosa = member(app)
    letter = app.issue_sign_in_letter(rosa, NOW)
    assert len(letter.code) == CODE_LENGTH
    assert set(letter.code) <= set(CODE_ALPHABET)
    assert letter.expires_at == NOW + dt.timedelta(days=LETTER_DAYS)
    typed = f"  {grouped(letter.code).lower().replace('0', 'o')} "
    session = app.sign_in_with(typed, now=NOW + dt.timedelta(days=3))
    assert app.session_principal(session, NOW + dt.timedelta(days=3)) is not None
    # Using the code used the letter: its QR link no longer works.
    assert refusal(app, letter.link_secret) == "used"
    assert refusal(app, letter.code) == "used"


def test_a_new_letter_revokes_the_last_and_letters_expire(app: CoopNode) -> None:
    rosa = member(app)
    first = app.issue_sign_in_letter(rosa, NOW)
    second = app.issue_sign_in_letter(rosa, NOW)
    assert refusal(app, first.code) == "revoked"
    assert refusal(app, first.link_secret) == "revoked"
    late = NOW + dt.timedelta(days=LETTER_DAYS)
    assert refusal(app, second.link_secret, late) == "expired"
    app.sign_in_with(second.link_secret, now=NOW)
    # An emailed link is not a letter: a new letter leaves it alone.
    link = app.issue_sign_in_link(rosa, NOW)
    app.issue_sign_in_letter(rosa, NOW)
    app.sign_in_with(link, now=NOW)


def test_admission_prints_the_first_letter_in_the_same_write(app: CoopNode) -> None:
    una = member(app, "Una Plied", admit=False)
    before = app.recorder.max_notification_id() or 0
    letter = app.admit_with_letter(una, NOW)
    assert app.member(una).is_admitted
    assert (app.recorder.max_notification_id() or 0) == before + 3
    app.sign_in_with(letter.code, now=NOW)
    with pytest.raises(InvalidTransition):
        app.admit_with_letter(una, NOW)


def test_only_hashes_of_the_secrets_are_stored(app: CoopNode) -> None:
    rosa = member(app)
    link = app.issue_sign_in_link(rosa, NOW)
    letter = app.issue_sign_in_letter(rosa, NOW)
    session = app.sign_in_with(letter.code, now=NOW)
    stored = b"".join(
        n.state for n in app.recorder.select_notifications(start=1, limit=1000)
    )
    for secret in (link, letter.code, letter.link_secret, session):
        assert secret.encode() not in stored
    assert b"sign_in" in stored  # the events are there, as hashes


def test_a_link_signs_a_board_member_in_as_board_until_that_token_is_revoked(
    app: CoopNode,
) -> None:
    ann = member(app, "Ann Board")
    board = app.issue_token(ann, "board")
    session = app.sign_in_with(app.issue_sign_in_link(ann, NOW), now=NOW)
    assert app.session_principal(session, NOW) == Principal(
        "board", ann, board.access.id
    )
    app.revoke_token(board.access.id)
    assert app.session_principal(session, NOW) is None


def test_a_remembered_device_lasts_and_is_listed_and_ended(app: CoopNode) -> None:
    rosa = member(app)
    phone = app.sign_in_with(
        app.issue_sign_in_link(rosa, NOW),
        remember=True,
        device="Chrome on Android",
        now=NOW,
    )
    laptop = app.sign_in_with(app.issue_sign_in_link(rosa, NOW), now=NOW)
    day_later = NOW + dt.timedelta(hours=SESSION_HOURS)
    assert app.session_principal(laptop, day_later) is None
    assert app.session_principal(phone, day_later) is not None
    gone = NOW + dt.timedelta(days=REMEMBERED_DAYS)
    assert app.session_principal(phone, gone) is None

    who = Principal("member", rosa, None)
    devices = app.sessions_of(who, day_later)
    assert [(d.device, d.remembered) for d in devices] == [("Chrome on Android", True)]
    assert devices[0].last_used == day_later
    # Another member cannot end it; its owner can.
    other = Principal("member", member(app, "Omar Haddad"), None)
    assert not app.end_device(other, devices[0].id)
    assert not app.end_device(ADMIN, devices[0].id)
    assert app.end_device(who, devices[0].id)
    assert app.session_principal(phone, day_later) is None
    assert app.sessions_of(who, day_later) == []


def test_sessions_stored_before_devices_still_read(app: CoopNode) -> None:
    """A ``Started`` event of version 1 (no ``remembered``, no ``device``), as
    nodes stored it before, reads as a session that is not remembered."""
    secret = app.start_session(ADMIN, NOW)
    started = next(
        n
        for n in app.recorder.select_notifications(start=1, limit=1000)
        if n.topic == WebSession.Started.TOPIC
    )
    state = app.mapper.transcoder.decode(started.state)
    for new in ("class_version", "remembered", "device"):
        del state[new]
    old = dataclasses.replace(started, state=app.mapper.transcoder.encode(state))
    event = app.mapper.to_domain_event(old)
    assert isinstance(event, WebSession.Started)
    assert (event.remembered, event.device) == (False, "")
    assert app.session_principal(secret, NOW) == ADMIN
