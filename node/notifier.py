"""The notifier: two loops beside the node, like the replicator.

- The composer follows the node's notification log from its tracked position and
  queues a ``Message`` for each draft (node.notifications), by the recipient's
  chosen channel, in the same transaction as its new position.
- The composer also runs the node's clock-driven reminders (a ballot closing
  tomorrow, node.reminders; a carer's check or training expiring,
  node.compliance_reminders) every ``remind_interval`` seconds: they become events
  of the log, composed like any other.
- The sender follows the outbox's queued messages from its tracked position, puts
  each email in its recipient's language (node.notifications.message_text), hands
  it to the mail server, then records it sent with its new position.

Both run on their own, so the node's commands never wait on mail; a mail server
that is down is waited out with backoff (toolkit.retry).
"""

import asyncio
import contextlib
import datetime as dt
import logging
import smtplib
import time

import msgspec
from eventsourcing.persistence import Notification

from node.application import CoopNode
from node.config import LocaleConfig, MailConfig
from node.mail import email_for, send
from node.notifications import SIGN_IN_LINK, TOPICS, Composer, Draft, message_text
from node.outbox import COMPOSER, SENDER, Message, Outbox
from node.sealing import ERASED
from toolkit.retry import describe, retry_forever

log = logging.getLogger(__name__)

NO_MAIL = "no [mail] in node.toml (or enabled = false): no email is sent"


def is_permanent(error: Exception) -> bool:
    """The mail server refused this message for good: trying again cannot help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return isinstance(error, ValueError)  # an address or header email refuses


class Notifier:
    def __init__(
        self,
        coop_node: CoopNode,
        outbox: Outbox,
        mail: MailConfig | None,
        ways: LocaleConfig | None = None,
        *,
        batch_size: int = 200,
        poll_interval: float = 0.2,
        remind_interval: float = 300,
    ) -> None:
        self.coop_node = coop_node
        self.outbox = outbox
        self.mail = mail if mail is not None and mail.enabled else None
        self.ways = ways or LocaleConfig()  # the co-op's language, dates and money
        self.composer = Composer(coop_node, mail.site_url if mail else "")
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.remind_interval = remind_interval
        self._reminded_at: float | None = None
        self.sent = 0
        self.last_error: str | None = None
        self._wake = asyncio.Event()
        # The sender passes over letters without writing: its durable position is
        # that of the last email it recorded.
        self._sender_at = outbox.position(SENDER)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        what = f"notifier of {self.coop_node.coop_id}"
        loops = [retry_forever(self._compose, f"{what} (composer)", log)]
        if self.mail is None:
            log.warning("%s: %s", what, NO_MAIL)
        else:
            loops.append(
                retry_forever(self._send, f"{what} (sender)", log, self._note_error)
            )
        await asyncio.gather(*loops)

    # --- composer --------------------------------------------------------------

    async def _compose(self) -> None:
        while True:
            self.remind_if_due()
            if not self.compose_page():
                await self._idle()

    def remind_if_due(self) -> None:
        """Record today's reminders, at most every ``remind_interval`` seconds
        (recording them is idempotent, so a restart may check again at once)."""
        now = time.monotonic()
        last = self._reminded_at
        if last is not None and now - last < self.remind_interval:
            return
        today = dt.date.today()
        self.coop_node.remind_ballots_closing(today)
        self.coop_node.remind_compliance_expiring(today)
        self.coop_node.summarise_care_months(today)
        self.coop_node.summarise_circle_months(today)
        for subject, category in self.coop_node.expire_due_keys(today):
            log.info("retention ended: %s key of %s destroyed", category, subject)
        self._reminded_at = now

    def compose_page(self) -> bool:
        """Queue the messages of the next page of the log; False if none was new."""
        position = self.outbox.position(COMPOSER)
        last = self.coop_node.recorder.max_notification_id() or 0
        if last <= position:
            return False
        page = self.coop_node.recorder.select_notifications(
            start=position + 1, limit=self.batch_size, stop=last, topics=TOPICS
        )
        # A short page means nothing more to compose up to ``last``: skip past it.
        reached = page[-1].id if len(page) == self.batch_size else last
        messages = [m for n in page for m in self._messages(n)]
        self.outbox.queue(messages, reached)
        if messages:
            self.wake()
        return True

    def _messages(self, notification: Notification) -> list[Message]:
        event = self.coop_node.mapper.to_domain_event(notification)
        source = f"{notification.originator_id}:{notification.originator_version}"
        messages = []
        for draft in self.composer.drafts(event):
            message = self._message(draft, source)
            if message is not None:
                messages.append(message)
        return messages

    def _message(self, draft: Draft, source: str) -> Message | None:
        member = self.coop_node.member(draft.recipient)
        channel = member.notify_by
        if channel == "none" or (channel == "email" and self.mail is None):
            return None
        return Message(
            source=source,
            recipient=draft.recipient,
            channel=channel,
            address=member.email if channel == "email" else member.address,
            name=member.name,
            kind=draft.kind,
            notice=msgspec.to_builtins(draft.notice),
        )

    # --- sender ----------------------------------------------------------------

    async def _send(self) -> None:
        while True:
            if not await self.send_page():
                await self._idle()

    async def send_page(self) -> bool:
        """Send the next queued emails; False if there were none."""
        assert self.mail is not None
        queued = self.outbox.queued_after(self._sender_at, self.batch_size)
        coop_name = self.coop_node.coop().name
        for position, message_id in queued:
            message = self.outbox.message(message_id)
            if message is None or message.channel != "email":
                self._sender_at = position
                continue
            if message.status == "queued" and message.name == ERASED:
                # Its recipient was erased before it went: nowhere to send it.
                self.outbox.record_failed(message, "recipient erased", position)
            elif message.status == "queued":
                await self._deliver(message, coop_name, position)
            self._sender_at = position
        return bool(queued)

    async def _deliver(self, message: Message, coop_name: str, position: int) -> None:
        assert self.mail is not None
        try:
            subject, body = message_text(message, self.ways, self._language(message))
            email = email_for(
                message, self.mail, coop_name, self._filled(message, body), subject
            )
            await asyncio.to_thread(send, email, self.mail)
        except Exception as error:
            if not is_permanent(error):
                raise  # the server is down or busy: retry_forever waits it out
            log.warning("message %s refused: %s", message.id, describe(error))
            self.outbox.record_failed(message, describe(error), position)
            return
        # Dying here, after the server accepted the message and before it is
        # recorded sent, is the one way a message goes twice (same Message-ID).
        self.outbox.record_sent(message, position)
        self.sent += 1
        self.last_error = None

    def _language(self, message: Message) -> str:
        """The language the recipient reads now ("" for the co-op's)."""
        if message.notice is None:  # queued in English before notices were kept
            return ""
        return self.coop_node.member(message.recipient).language

    def _filled(self, message: Message, body: str) -> str:
        """The body to send: a sign-in link is made now, fresh and single use. A
        second sending of the same message (a crash in between) gets another."""
        if SIGN_IN_LINK not in body:
            return body
        assert self.mail is not None
        secret = self.coop_node.issue_sign_in_link(message.recipient)
        link = f"{self.mail.site_url.rstrip('/')}/signin/{secret}"
        return body.replace(SIGN_IN_LINK, link)

    def _note_error(self, error: BaseException | None) -> None:
        self.last_error = None if error is None else describe(error)

    async def _idle(self) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.poll_interval)
