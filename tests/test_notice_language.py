"""Notices in each member's language: kept as message ids and parameters in the
outbox, put in words when sent (email, read back from a real SMTP server process)
or printed, with the co-op's ways of writing dates in its time zone."""

import datetime as dt
from email.message import EmailMessage
from pathlib import Path
from uuid import UUID

import msgspec

from node.application import CoopNode
from node.config import LocaleConfig, MailConfig, NodeConfig
from node.outbox import Message
from node.service import NodeService
from tests.configs import node_config
from tests.node_api import admitted_member, call
from tests.smtp import SmtpServer
from tests.waiting import wait_for
from tests.web import browser_session, live_node
from toolkit.config import StoreConfig

NO_BROKER = ["nats://127.0.0.1:9"]  # nothing listens: the replicator just waits
# Rome is UTC+2 in May: 16:00 UTC is 18:00 there.
CLOSES = dt.datetime(2030, 5, 9, 16, 0, tzinfo=dt.UTC)
MOVED_TO = dt.datetime(2030, 5, 7, 12, 0, tzinfo=dt.UTC)


def config(tmp_path: Path, port: int | None = None) -> NodeConfig:
    base = node_config("alpha", StoreConfig(path=str(tmp_path / "n.db")), NO_BROKER)
    mail = None
    if port is not None:
        mail = MailConfig(
            host="127.0.0.1",
            port=port,
            from_address="office@alpha.example",
            site_url="https://alpha.example",
            timeout=5,
        )
    rome = LocaleConfig(language="en", country="GB", time_zone="Europe/Rome")
    return msgspec.structs.replace(base, mail=mail, locale=rome)


def body(message: EmailMessage) -> str:
    part = message.get_body()
    assert part is not None
    if part["Content-Transfer-Encoding"] == "8bit":
        # The sink kept the UTF-8 text as text: get_content would take its
        # characters for bytes (tests.smtp reads it back with message_from_string).
        return str(part.get_payload())
    return str(part.get_content())


def mail_to(received: list[EmailMessage], address: str) -> dict[str, str]:
    """Subject -> body of what ``address`` received."""
    return {str(m["Subject"]): body(m) for m in received if address in str(m["To"])}


def member(app: CoopNode, name: str, member_class: str, language: str) -> UUID:
    member_id = app.apply_for_membership(
        name=name, email=f"{name.lower()}@example.org", member_class=member_class
    )
    app.admit_member(member_id)
    app.choose_language(member_id, language)
    return member_id


async def test_each_member_hears_in_their_own_language(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    node = NodeService(config(tmp_path, smtp.port))
    node.found_if_new()
    app = node.coop_node
    ids = {
        "Ida": member(app, "Ida", "worker", "it"),
        "Ed": member(app, "Ed", "worker", ""),  # the co-op's language: English
        "Una": member(app, "Una", "service_user", "it"),
        "Sam": member(app, "Sam", "service_user", "en"),
    }
    motion = app.draft_motion("Open on Sundays", "", ids["Ida"], "ordinary")
    ballot = app.open_motion_vote(motion, CLOSES, now=CLOSES - dt.timedelta(days=3))
    service = app.coop().profile.service_types[0]
    for name in ("Una", "Sam"):
        visit = app.schedule_visit(
            ids[name], MOVED_TO - dt.timedelta(days=1), [service]
        )
        app.reschedule_visit(visit, MOVED_TO)
    assert app.remind_ballots_closing(CLOSES.date() - dt.timedelta(days=1)) == [ballot]
    node.start()
    try:
        # 4 welcomes; the vote open and closing tomorrow to 4; 2 visits booked, moved.
        await wait_for(lambda: len(smtp.received()) == 16, what="sixteen emails")
        for name in ids:
            app.cast_vote(ballot, ids[name], "for")
        app.close_due(CLOSES)
        await wait_for(lambda: len(smtp.received()) == 20, what="the results")
        received = smtp.received()
    finally:
        await node.stop()

    ida = mail_to(received, "ida@")
    assert "Voto aperto: Open on Sundays" in ida
    assert "Il voto si chiude domani: Open on Sundays" in ida
    assert "Risultato del voto: Open on Sundays" in ida
    opened = ida["Voto aperto: Open on Sundays"]
    assert "Si è aperto il voto" in opened
    assert "giovedì 09 maggio 2030" in opened and "18:00" in opened
    assert "La mozione è stata approvata." in ida["Risultato del voto: Open on Sundays"]
    assert not any("Vote" in subject for subject in ida)

    ed = mail_to(received, "ed@")
    assert "Thursday 09 May 2030 at 18:00" in ed["Vote open: Open on Sundays"]
    assert "Vote closing tomorrow: Open on Sundays" in ed
    assert "The motion was carried." in ed["Result of the vote: Open on Sundays"]

    # The visit's move: Italian dates in the co-op's time zone (its sentence is
    # Italian once the lead's catalog has it).
    una = mail_to(received, "una@").values()
    visits = [text for text in una if "2030" in text and "/motions/" not in text]
    assert len(visits) == 2  # booked, then moved (to the same time)
    assert all("martedì 07 maggio 2030" in t and "14:00" in t for t in visits)
    assert not any("May" in t for t in visits)
    sam = mail_to(received, "sam@")
    assert "Tuesday 07 May 2030 at 14:00" in sam["Visit moved"]


async def test_a_message_queued_as_text_is_sent_as_it_is(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    node = NodeService(config(tmp_path, smtp.port))
    node.found_if_new()
    app = node.coop_node
    ida = member(app, "Ida", "worker", "it")
    # A message as the outbox kept them before notices: English text, no notice.
    old = Message(
        source="old:1",
        recipient=ida,
        channel="email",
        address="ida@example.org",
        name="Ida",
        kind="ballot_opened",
        subject="Ballot open: Garden",
        body="A ballot has opened: Garden.",
    )
    events = old.collect_events()
    del vars(events[0])["notice"]  # the event's stored shape of old
    node.outbox.events.put(events)
    kept = node.outbox.message(old.id)
    assert kept is not None and kept.notice is None
    node.start()
    try:
        await wait_for(
            lambda: "Ballot open: Garden" in mail_to(smtp.received(), "ida@"),
            what="the old message",
        )
        received = smtp.received()
    finally:
        await node.stop()
    assert mail_to(received, "ida@")["Ballot open: Garden"].strip() == (
        "A ballot has opened: Garden."
    )


async def test_the_print_queue_shows_a_letter_in_its_readers_language(
    tmp_path: Path,
) -> None:
    async with live_node(config(tmp_path)) as http:
        rosa, token = await admitted_member(http, name="Rosa Bianchi")
        for path, choice in [
            ("/api/me/notifications", {"channel": "letter"}),
            ("/api/me/language", {"language": "it"}),
        ]:
            status, _ = await call(http, "PUT", path, token=token, json=choice)
            assert status == 200
        app = http.node.coop_node
        motion = app.draft_motion("Open on Sundays", "", UUID(rosa), "ordinary")
        app.open_motion_vote(motion, CLOSES, now=CLOSES - dt.timedelta(days=3))
        http.node.notifier.wake()
        outbox = http.node.outbox
        await wait_for(
            lambda: any(m.kind == "ballot_opened" for m in outbox.letters_to_print()),
            what="a letter",
        )
        # The office reads the page in English; the letter is in Rosa's Italian.
        async with (
            browser_session(http, http.admin_token) as browser,
            browser.get("/staff/print-queue") as response,
        ):
            page = await response.text()
        assert "Letters to print" in page
        assert "Voto aperto: Open on Sundays" in page and 'lang="it"' in page
        assert "giovedì 09 maggio 2030" in page
