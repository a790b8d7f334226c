"""The replicator reads allowlisted stored events by the fields their Rules read
(node.shared_fields), straight from the stored bytes: the envelopes must be
byte for byte those the domain events give, for every allowlisted topic."""

import contextlib
import datetime as dt
import typing
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID, uuid4

import msgspec
import pytest
from eventsourcing.compressor import ZlibCompressor
from eventsourcing.persistence import Mapper, Notification
from eventsourcing.utils import resolve_topic

from commonweal.sample_activity import (
    generate_care,
    generate_governance,
    generate_membership,
)
from node.application import ALLOWLIST, CoopNode
from node.errors import InvalidTransition
from node.incidents import Incident
from node.replicator import ChainHead, build_envelopes
from node.rules import profile_named
from node.shared_fields import SHARED_FIELDS, SharedFieldReader
from node.sharing import SharingPolicy
from schemas import GENESIS_HASH
from schemas.hours import HoursAnswer, HoursOffer
from tests.carried import carried_motion
from toolkit.config import StoreConfig

SECRET = b"s" * 32
START = dt.date(2024, 1, 1)


def one_of_each(app: CoopNode) -> None:
    """A co-op's history with every allowlisted event type in it."""
    generate_membership(app, members=60, seed=3, start=START, days=120)
    generate_care(app, seed=3, start=dt.date(2024, 5, 1), days=60)
    generate_governance(app, seed=3, day=dt.date(2024, 7, 1))
    members = [m.id for m in app.members() if m.is_admitted]
    user, volunteer = members[:2]
    plan = app.open_care_plan(user, [("Walk to the shop", 2, 3)])
    app.review_care_plan(plan, [(3, 4)], "Better", dt.date(2024, 8, 1))
    claim = app.claim_expense(volunteer, "travel", 480, "Bus", dt.date(2024, 8, 1))
    app.reject_expense(claim, "no_receipt", "Ask again", dt.date(2024, 8, 2))
    app.arrange_funding(user, "direct_payment", 300, dt.date(2024, 8, 1))
    app.arrange_funding(user, "council_commission", 420, dt.date(2024, 9, 1))
    concern = app.raise_incident("safeguarding", "A bruise", dt.date(2024, 8, 3))
    app.acknowledge_incident(concern, None, dt.date(2024, 8, 4))
    app.close_incident(concern, "Resolved", dt.date(2024, 8, 5))
    app.summarise_care_months(dt.date(2024, 9, 1))
    circle = app.form_circle("Mill Lane", "Northside", user, dt.date(2024, 8, 1))
    app.join_circle(circle, volunteer, dt.date(2024, 8, 2))
    app.record_circle_meeting(circle, volunteer, dt.date(2024, 8, 3), "Tea at Ann's")
    app.summarise_circle_months(dt.date(2024, 9, 8))
    meeting = app.call_meeting(
        "AGM", dt.date(2024, 9, 3), "18:00", "Hall", [], "board", dt.date(2024, 9, 1)
    )
    app.record_attendance(meeting, members[:3], members[3:4], "chair")
    app.adopt_minutes(meeting, "Accounts adopted.", "Sec", "Chair", dt.date(2024, 9, 4))
    hours_between_coops(app, volunteer)
    fewer = msgspec.structs.replace(app.coop().profile, proxies_per_holder=1)
    app.amend_rules(
        fewer, dt.date(2024, 9, 2), motion_id=carried_motion(app, "rules_amendment")
    )


def hours_between_coops(app: CoopNode, member: UUID) -> None:
    """Hours sent to beta and refunded, and hours from beta answered."""
    with contextlib.suppress(InvalidTransition):
        app.open_time_account(member, opened_on=dt.date(2024, 8, 1))
    day, at = dt.date(2024, 8, 6), dt.datetime(2024, 8, 6, 9, tzinfo=dt.UTC)
    transfer = app.send_hours(member, "beta", 30, on=day)
    app.receive_answer(
        HoursAnswer(
            n=1,
            recipient="alpha",
            payee="beta",
            transfer=transfer,
            minutes=30,
            reason="not_taken",
            answered_on=day,
            relayed_at=at,
        )
    )
    app.receive_offer(
        HoursOffer(
            n=2,
            recipient="alpha",
            payer="beta",
            transfer=uuid4(),
            minutes=20,
            sent_on=day,
            relayed_at=at,
        )
    )


@pytest.fixture
def history(store: StoreConfig) -> Iterator[CoopNode]:
    app = CoopNode("alpha", store.env())
    app.found_coop("Alpha Care", profile_named("uk_multi_stakeholder"), START)
    one_of_each(app)
    yield app
    app.close()


def envelopes(app: CoopNode, reader: SharedFieldReader, policy: SharingPolicy) -> bytes:
    notifications = app.recorder.select_notifications(start=1, limit=1_000_000)
    outgoing, _ = build_envelopes(
        app.coop_id, reader, policy, ChainHead(0, 0, GENESIS_HASH), notifications, 0
    )
    return b"\n".join(msgspec.json.encode(o.envelope) for o in outgoing)


def test_every_allowlisted_event_gives_the_same_envelope_both_ways(
    history: CoopNode,
) -> None:
    policy = SharingPolicy(SECRET, ALLOWLIST)
    fast = SharedFieldReader(history.mapper, policy.topics)
    through_mapper = SharedFieldReader(history.mapper, ())  # decodes nothing itself
    stored = history.recorder.select_notifications(start=1, limit=1_000_000)
    assert {n.topic for n in stored} >= set(ALLOWLIST), "one of each, please"
    # Each allowlisted event is read from its bytes, not handed to the mapper.
    for notification in stored:
        if notification.topic in policy.topics:
            assert fast.decode(notification) is not None, notification.topic
            assert through_mapper.decode(notification) is None
    by_fields = envelopes(history, fast, policy)
    by_events = envelopes(history, through_mapper, policy)
    assert by_fields == by_events
    assert by_fields.count(b"\n") + 1 == sum(n.topic in policy.topics for n in stored)
    # The time bank's debits are negative: the Rule tells them apart by topic.
    assert b'"minutes":-' in by_fields


def test_every_allowlisted_topic_names_fields_its_event_has() -> None:
    assert set(SHARED_FIELDS) == set(ALLOWLIST)
    for topic, fields in SHARED_FIELDS.items():
        hints = typing.get_type_hints(resolve_topic(topic))
        assert set(fields) <= set(hints), topic


def test_an_event_stored_by_an_older_version_is_upcast_by_the_mapper(
    tmp_path: Path,
) -> None:
    app = CoopNode("alpha", StoreConfig(path=str(tmp_path / "store.db")).env())
    policy = SharingPolicy(SECRET, ALLOWLIST)
    reader = SharedFieldReader(app.mapper, policy.topics)
    # Incident.Raised before class_version 2: no raised_by, person, someone.
    state = (
        b'{"timestamp":{"_type_":"datetime_iso","_data_":"2024-03-01T10:00:00+00:00"},'
        b'"originator_topic":"commonweal.incident","kind":"incident",'
        b'"visit":null,"description":"A fall",'
        b'"raised_on":{"_type_":"date_iso","_data_":"2024-03-01"}}'
    )
    old = Notification(
        id=1,
        originator_id=uuid4(),
        originator_version=1,
        topic=Incident.Raised.TOPIC,
        state=state,
    )
    assert reader.decode(old) is None
    event = reader.read(old)
    assert isinstance(event, Incident.Raised) and event.someone == ""
    shared = policy.share(event)
    assert shared is not None and shared.occurred_at == dt.date(2024, 3, 1)
    app.close()


def test_bytes_not_as_expected_are_left_to_the_mapper(tmp_path: Path) -> None:
    app = CoopNode("alpha", StoreConfig(path=str(tmp_path / "store.db")).env())
    reader = SharedFieldReader(app.mapper, SharingPolicy(SECRET, ALLOWLIST).topics)
    # A date under another tag than the one the transcoder writes for dates.
    state = (
        b'{"timestamp":{"_type_":"datetime_iso","_data_":"2024-03-01T10:00:00+00:00"},'
        b'"member_class":"worker",'
        b'"admitted_on":{"_type_":"datetime_iso","_data_":"2024-03-01T00:00:00"}}'
    )
    odd = Notification(
        id=1,
        originator_id=UUID(int=1),
        originator_version=2,
        topic="commonweal.member.admitted",
        state=state,
    )
    assert reader.decode(odd) is None
    assert reader.read(odd).admitted_on == dt.datetime(2024, 3, 1)
    app.close()


def test_a_compressed_store_is_read_through_the_mapper(history: CoopNode) -> None:
    compressing = Mapper[UUID](history.mapper.transcoder, ZlibCompressor())
    policy = SharingPolicy(SECRET, ALLOWLIST)
    reader = SharedFieldReader(compressing, policy.topics)
    assert reader.decoders == {}
    admitted = next(
        n
        for n in history.recorder.select_notifications(start=1, limit=1_000)
        if n.topic == "commonweal.member.admitted"
    )
    stored = compressing.to_stored_event(history.mapper.to_domain_event(admitted))
    compressed = Notification(
        id=admitted.id,
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=stored.state,
    )
    assert policy.share(reader.read(compressed)) == policy.share(
        history.mapper.to_domain_event(admitted)
    )
