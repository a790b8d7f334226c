"""Notifications by mail, read back from a real SMTP server process (tests.smtp).

What is sent when, by each member's chosen channel, and that no message carries
more than its recipient may see.
"""

import asyncio
import datetime as dt
from email.message import EmailMessage
from pathlib import Path
from uuid import UUID

import msgspec
import pytest

from node.config import MailConfig, NodeConfig
from node.mail import email_for
from node.outbox import Message
from node.service import NodeService
from tests.configs import node_config
from tests.smtp import SmtpServer
from tests.waiting import wait_for
from toolkit.config import StoreConfig

NO_BROKER = ["nats://127.0.0.1:9"]  # nothing listens: the replicator just waits


def mail_config(port: int) -> MailConfig:
    return MailConfig(
        host="127.0.0.1",
        port=port,
        from_address="office@alpha.example",
        site_url="https://alpha.example",
        timeout=5,
    )


def config_with_mail(tmp_path: Path, port: int) -> NodeConfig:
    config = node_config("alpha", StoreConfig(path=str(tmp_path / "n.db")), NO_BROKER)
    return msgspec.structs.replace(config, mail=mail_config(port))


def body(message: EmailMessage) -> str:
    part = message.get_body()
    assert part is not None
    return str(part.get_content())


def to(messages: list[EmailMessage], address: str) -> list[EmailMessage]:
    return [m for m in messages if address in str(m["To"])]


async def test_each_member_hears_what_concerns_them_by_their_channel(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    node = NodeService(config_with_mail(tmp_path, smtp.port))
    node.found_if_new()
    app = node.coop_node
    ids: dict[str, UUID] = {}
    for name, channel in [("ann", "email"), ("bob", "email"), ("cat", "letter")]:
        ids[name] = app.apply_for_membership(
            name=name.title(),
            email=f"{name}@example.org",
            address=f"1 {name.title()} Street",
            member_class="volunteer",
        )
        app.choose_notifications(ids[name], channel)
    dan = app.apply_for_membership(
        name="Dan", email="dan@example.org", member_class="volunteer"
    )
    app.choose_notifications(dan, "none")
    for member_id in [*ids.values(), dan]:
        app.admit_member(member_id)
    ballot = app.open_ballot("New minibus?\r\nBcc: everyone@example.org")
    app.cast_vote(ballot, ids["ann"], "for")
    app.close_ballot(ballot)
    claim = app.claim_expense(ids["ann"], "travel", 1250, "bus fares to Mrs Smith")
    other = app.claim_expense(ids["bob"], "meals", 999, "lunch with Mr Jones")
    app.reject_expense(claim, "no_receipt", by=ids["bob"])
    app.approve_expense(other, by=ids["ann"])
    service = app.coop().profile.service_types[0]
    visit = app.schedule_visit(ids["bob"], dt.datetime(2030, 5, 6, 10, 30), [service])
    app.cancel_visit(visit, "weather")
    node.start()
    try:
        # ann: welcome, ballot opened, result, claim; bob: the same and a visit
        # booked and cancelled.
        await wait_for(lambda: len(smtp.received()) == 10, what="ten emails")
        await wait_for(lambda: len(node.outbox.letters_to_print()) == 3, what="letters")
        letters = node.outbox.letters_to_print()
    finally:
        await node.stop()
    received = smtp.received()
    assert not to(received, "dan@"), "a member who chose none got mail"
    assert not to(received, "cat@"), "a member who chose letters got mail"
    kinds = sorted(m.kind for m in letters)
    assert kinds == ["ballot_opened", "ballot_result", "welcome"]
    assert all(m.address == "1 Cat Street" for m in letters)

    ann = to(received, "ann@")
    assert sorted(str(m["Subject"]) for m in ann) == [
        "Ballot open: New minibus? Bcc: everyone@example.org",
        "Ballot result: New minibus? Bcc: everyone@example.org",
        "Expense claim rejected",
        "Welcome to Alpha Care Co-op",
    ]
    # The title's line break became a space, never a header of its own.
    assert all(m["Bcc"] is None for m in received)
    claim_mail = next(m for m in ann if "claim" in str(m["Subject"]))
    assert "12.50 (travel)" in body(claim_mail)
    assert "no receipt" in body(claim_mail)
    for text in ("Bob", "9.99", "Jones", "Smith"):  # nor the other claim, nor notes
        assert text not in body(claim_mail)
    result = next(m for m in ann if "result" in str(m["Subject"]))
    assert "passed" in body(result)
    assert "Ann" not in body(result) and "for" not in body(result).split()

    bob = to(received, "bob@")
    visits = [m for m in bob if "Visit" in str(m["Subject"])]
    assert len(visits) == 2
    assert "Monday 06 May 2030 at 10:30" in body(visits[0])
    assert not [m for m in ann if "Visit" in str(m["Subject"])]
    # Every Message-ID is the node's, and no two emails share one.
    ids_seen = [str(m["Message-ID"]) for m in received]
    assert len(set(ids_seen)) == len(ids_seen)
    assert all(i.endswith("@alpha.example>") for i in ids_seen)


def test_a_header_with_a_line_break_is_refused() -> None:
    message = Message(
        source="x",
        recipient=UUID(int=1),
        channel="email",
        address="ann@example.org",
        name="Ann",
        kind="welcome",
        subject="Hello\r\nBcc: everyone@example.org",
        body="text",
    )
    with pytest.raises(ValueError):
        email_for(message, mail_config(25), "Alpha", message.body).as_bytes()


async def test_mail_is_sent_once_the_server_is_back(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    smtp.stop()
    node = NodeService(config_with_mail(tmp_path, smtp.port))
    node.found_if_new()
    member = node.coop_node.apply_for_membership(
        name="Ann", email="ann@example.org", member_class="volunteer"
    )
    node.coop_node.admit_member(member)
    node.start()
    try:
        await wait_for(lambda: node.notifier.last_error is not None, what="an outage")
        assert [m.status for m in node.outbox.messages()] == ["queued"]
        smtp.start()
        await wait_for(lambda: len(smtp.received()) == 1, what="the welcome")
        await wait_for(lambda: node.notifier.last_error is None, what="recovery")
        assert [m.status for m in node.outbox.messages()] == ["sent"]
    finally:
        await node.stop()


async def test_a_node_without_mail_sends_nothing_but_queues_letters(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    config = node_config("alpha", StoreConfig(path=str(tmp_path / "n.db")), NO_BROKER)
    node = NodeService(config)
    node.found_if_new()
    app = node.coop_node
    ann = app.apply_for_membership(
        name="Ann", email="a@x.org", member_class="volunteer"
    )
    cat = app.apply_for_membership(
        name="Cat", email="c@x.org", member_class="volunteer"
    )
    app.choose_notifications(cat, "letter")
    app.admit_member(ann)
    app.admit_member(cat)
    node.start()
    try:
        await wait_for(lambda: len(node.outbox.letters_to_print()) == 1, what="letter")
        assert [m.recipient for m in node.outbox.messages()] == [cat]
    finally:
        await node.stop()
    assert smtp.received() == []


async def test_reminded_once_if_yet_to_vote_and_told_of_a_moved_visit(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    node = NodeService(config_with_mail(tmp_path, smtp.port))
    node.found_if_new()
    app = node.coop_node
    ids = {}
    for name, member_class in [
        ("ann", "volunteer"),
        ("bob", "volunteer"),
        ("una", "service_user"),
    ]:
        ids[name] = app.apply_for_membership(
            name=name.title(), email=f"{name}@example.org", member_class=member_class
        )
        app.admit_member(ids[name])
    today = dt.date.today()
    ballot = app.open_ballot("Garden", closes_on=today + dt.timedelta(days=1))
    app.open_ballot("Later", closes_on=today + dt.timedelta(days=2))
    app.cast_vote(ballot, ids["ann"], "for")
    service = app.coop().profile.service_types[0]
    visit = app.schedule_visit(ids["una"], dt.datetime(2030, 5, 6, 10, 30), [service])
    app.reschedule_visit(visit, dt.datetime(2030, 5, 7, 14, 0))
    node.notifier.remind_interval = 0  # check at every turn of the composer
    node.start()
    try:
        # 3 welcomes, 2 ballots opened to 3 each, 2 reminders, visit booked and moved.
        await wait_for(lambda: len(smtp.received()) == 13, what="thirteen emails")
        await asyncio.sleep(1)  # the check runs many more times meanwhile
        received = smtp.received()
    finally:
        await node.stop()
    assert len(received) == 13, "a reminder was sent again"
    reminders = [m for m in received if "closing" in str(m["Subject"])]
    assert sorted(str(m["To"]).split("<")[-1] for m in reminders) == [
        "bob@example.org>",
        "una@example.org>",
    ], "the reminder went to someone who has voted, or not to someone who has not"
    assert {str(m["Subject"]) for m in reminders} == {"Ballot closing tomorrow: Garden"}
    text = body(reminders[0])
    assert "not voted yet" in text and f"/#ballot-{ballot}" in text
    assert not any(name in text for name in ("Ann", "Bob", "Una"))

    una = to(received, "una@")
    moved = [m for m in una if str(m["Subject"]) == "Visit moved"]
    assert len(moved) == 1
    assert "Tuesday 07 May 2030 at 14:00" in body(moved[0])
    assert "10:30" not in body(moved[0])
    assert not [m for m in to(received, "bob@") if "Visit" in str(m["Subject"])]
