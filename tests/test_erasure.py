"""Erasure by key destruction (issue #17, item 3): after a person is erased, the
markers planted in their personal fields are in no file of the node's store,
while everyone else's data reads as before and every count stays the same."""

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import msgspec
import pytest

from node.application import CoopNode
from node.errors import AlreadyErased, StillAMember
from node.personal_fields import PERSONAL_FIELDS
from node.retention import RetentionConfig
from node.rules import profile_named
from node.sealing import ERASED
from tests.erasure_records import (
    CARE_DAY,
    a_carer,
    found_in_files,
    plant,
    what_is_counted,
)
from tests.postgres import Postgres
from toolkit.config import StoreConfig

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "node"


@pytest.fixture
def app(folder: Path) -> Iterator[CoopNode]:
    app = CoopNode("alpha", StoreConfig(path=str(folder / "node.db")).env())
    app.found_coop("Alpha Care", profile_named("uk_multi_stakeholder"))
    yield app
    app.close()


def test_personal_fields_are_sealed_in_the_store(app: CoopNode, folder: Path) -> None:
    planted = plant(app, "ZQXAMY", a_carer(app))
    assert app.member(planted.member).name == "ZQXAMYNAME"
    assert app.visit(planted.visit).notes == "ZQXAMYBOOKED"
    assert app.care_plan(planted.plan).goals == ["ZQXAMYGOAL"]
    assert found_in_files(folder, planted.markers) == {}


def test_an_erased_persons_markers_are_in_no_file_and_counts_stay(
    app: CoopNode, folder: Path
) -> None:
    carer = a_carer(app)
    amy = plant(app, "ZQXAMY", carer)
    bob = plant(app, "ZQXBOB", carer)
    app.withdraw_member(amy.member, CARE_DAY)
    app.retention = RetentionConfig(care_records_years=0, incidents_years=0)
    key_rows = raw_keys(folder / "node.db.keys.db", amy.member)
    assert len(key_rows) == 2  # personal and care
    counted = what_is_counted(app)

    erasure = app.erase_person(amy.member, None, "requested", TODAY)

    assert erasure.destroyed == ["personal", "care"] and erasure.kept == {}
    assert found_in_files(folder, amy.markers) == {}
    for path in folder.iterdir():  # the key file, its log, the store
        assert not any(key in path.read_bytes() for key in key_rows), path.name
    assert raw_keys(folder / "node.db.keys.db", amy.member) == []
    # Reopened, from the files alone: Amy's fields read as erased, Bob's as they were.
    app.close()
    again = CoopNode("alpha", StoreConfig(path=str(folder / "node.db")).env())
    try:
        member = again.member(amy.member)
        assert (member.name, member.email, member.phone) == (ERASED,) * 3
        assert again.visit(amy.visit).notes == ERASED
        assert again.visit(amy.visit).address == ERASED
        assert again.care_plan(amy.plan).goals == [ERASED]
        assert again.incident(amy.incident).description == ERASED
        assert again.member(bob.member).name == "ZQXBOBNAME"
        assert again.care_plan(bob.plan).goals == ["ZQXBOBGOAL"]
        assert again.incident(bob.incident).outcome == "ZQXBOBOUTCOME"
        assert again.visit(bob.visit).address == "ZQXBOBVISITAT"
        assert what_is_counted(again) == counted
        # Read back through the node: none of Amy's markers, all of Bob's.
        readable = readable_text(again)
        assert [m for m in amy.markers if m in readable] == []
        assert [m for m in bob.markers if m not in readable] == []
    finally:
        again.close()


def test_care_records_are_kept_until_their_retention_period_ends(
    app: CoopNode, folder: Path
) -> None:
    amy = plant(app, "ZQXAMY", a_carer(app))
    app.withdraw_member(amy.member, CARE_DAY)

    erasure = app.erase_person(amy.member, None, "requested", TODAY)

    # The default policy: 8 years after care ended, 10 after an incident: the
    # last is the concern about Amy herself, closed a year after her care.
    assert erasure.destroyed == ["personal"]
    assert erasure.kept == {"care": dt.date(2031, 6, 1)}
    assert app.member(amy.member).name == ERASED
    assert app.care_plan(amy.plan).goals == ["ZQXAMYGOAL"]
    assert app.expire_due_keys(dt.date(2031, 6, 1)) == []
    assert app.care_plan(amy.plan).goals == ["ZQXAMYGOAL"]
    assert app.expire_due_keys(dt.date(2031, 6, 2)) == [(amy.member, "care")]
    assert app.care_plan(amy.plan).goals == [ERASED]
    assert found_in_files(folder, amy.markers) == {}
    register = app.erasure_register()
    assert register.kept == {}
    assert register.destroyed[(amy.member, "care")] == dt.date(2031, 6, 2)


def test_only_someone_no_longer_admitted_can_be_erased_and_only_once(
    app: CoopNode,
) -> None:
    amy = plant(app, "ZQXAMY", a_carer(app))
    before = app.recorder.max_notification_id()
    with pytest.raises(StillAMember):
        app.erase_person(amy.member, None, "requested", TODAY)
    assert app.recorder.max_notification_id() == before
    assert app.member(amy.member).name == "ZQXAMYNAME"
    app.withdraw_member(amy.member, CARE_DAY)
    app.erase_person(amy.member, None, "requested", TODAY)
    with pytest.raises(AlreadyErased):
        app.erase_person(amy.member, None, "requested", TODAY)


def test_what_arrives_for_an_erased_person_is_erased_on_arrival(
    app: CoopNode, folder: Path
) -> None:
    applicant = app.apply_for_membership(
        name="ZQXLATENAME", email="late@example.org", member_class="worker"
    )
    app.retention = RetentionConfig(care_records_years=0, incidents_years=0)
    app.erase_person(applicant, None, "consent_withdrawn", TODAY)
    app.correct_contact_details(
        applicant, email="ZQXLATEMAIL@example.org", phone="", address=""
    )
    assert app.member(applicant).email == ERASED
    assert found_in_files(folder, ["ZQXLATENAME", "ZQXLATEMAIL"]) == {}


def test_every_declared_field_is_a_field_of_its_event() -> None:
    """A misspelt topic or field would leave personal data in plain text."""
    import node.outbox  # noqa: F401  (its events too)

    classes = {getattr(cls, "TOPIC", None): cls for cls in all_event_classes()}
    for topic, personal in PERSONAL_FIELDS.items():
        cls = classes.get(topic)
        assert cls is not None, topic
        fields = {n for c in cls.__mro__ for n in getattr(c, "__annotations__", {})}
        for path in personal.fields:
            assert path.split(".")[0] in fields, (topic, path)
        for subject in (*personal.subject.split("|"), personal.shared_with):
            if subject not in ("originator_id", ""):
                assert subject in fields, (topic, subject)


def all_event_classes() -> list[type]:
    from eventsourcing.domain import DomainEvent

    found: list[type] = []
    queue: list[type] = [DomainEvent]
    while queue:
        cls = queue.pop()
        found.append(cls)
        queue += cls.__subclasses__()
    return found


def readable_text(app: CoopNode) -> str:
    """Every stored event as the node reads it, as one text."""
    notifications = app.recorder.select_notifications(start=1, limit=10_000)
    return "\n".join(repr(vars(app.mapper.to_domain_event(n))) for n in notifications)


def raw_keys(path: Path, subject: object) -> list[bytes]:
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT key FROM personal_keys WHERE subject = ?", (str(subject),)
        ).fetchall()
    return [bytes(row[0]) for row in rows]


@pytest.mark.postgres
def test_on_postgresql_no_table_holds_an_erased_persons_markers(
    pg_store_factory: Callable[[], StoreConfig],
    postgres: Postgres,
    tmp_path: Path,
) -> None:
    store = msgspec.structs.replace(
        pg_store_factory(), keys_path=str(tmp_path / "keys.db")
    )
    app = CoopNode("alpha", store.env(str(tmp_path)))
    try:
        app.found_coop("Alpha Care", profile_named("uk_multi_stakeholder"))
        carer = a_carer(app)
        amy = plant(app, "ZQXAMY", carer)
        bob = plant(app, "ZQXBOB", carer)
        app.withdraw_member(amy.member, CARE_DAY)
        app.retention = RetentionConfig(care_records_years=0, incidents_years=0)
        keys = raw_keys(tmp_path / "keys.db", amy.member)
        app.erase_person(amy.member, None, "requested", TODAY)
        # What a pg_dump of the schema would hold: every row of every table.
        with postgres.connect() as db:
            tables = [
                row[0]
                for row in db.execute(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = %s",
                    (store.schema,),
                )
            ]
            dump = "".join(
                repr(row)
                for table in tables
                for row in db.execute(f'SELECT * FROM "{store.schema}"."{table}"')
            )
        assert tables and "ZQXAMY" not in dump and "ZQXBOB" not in dump
        assert found_in_files(tmp_path, amy.markers) == {}
        for path in tmp_path.iterdir():
            assert not any(key in path.read_bytes() for key in keys), path.name
        assert app.member(amy.member).name == ERASED
        assert app.member(bob.member).name == "ZQXBOBNAME"
    finally:
        app.close()


def test_an_application_closed_twice_lets_go_of_the_key_file_once(
    folder: Path,
) -> None:
    """eventsourcing closes an application again when it is collected: the other
    application on the same store must still read its keys afterwards."""
    env = StoreConfig(path=str(folder / "node.db")).env()
    first, second = CoopNode("alpha", env), CoopNode("alpha", env)
    second.found_coop("Alpha Care", profile_named("uk_multi_stakeholder"))
    rosa = second.apply_for_membership(
        name="Rosa Bianchi", email="rosa@example.org", member_class="worker"
    )
    first.close()
    first.close()  # as eventsourcing's __del__ does
    del first
    assert second.member(rosa).name == "Rosa Bianchi"
    assert second.keys.destroyed() == []
    second.close()
