"""Mail as it leaves the node: a queued message made into an email and handed to
the SMTP server named in ``[mail]``.

``email.message.EmailMessage`` writes the headers: it refuses a header value with a
line break, so no name or subject can smuggle in a header of its own (composing
already flattens them; this is the second guard).
"""

import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage

from node.config import MailConfig
from node.notifications import one_line
from node.outbox import Message

# The mail server refused this message for good (a bad address, say): trying again
# would not help, so it is recorded failed and the sender moves on.
PERMANENT = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, ValueError)


def email_for(
    message: Message,
    config: MailConfig,
    coop_name: str,
    body: str,
    subject: str | None = None,
) -> EmailMessage:
    """The email of ``message`` with ``body`` and ``subject`` (its own, or put in
    the recipient's words, with a sign-in link filled in); its Message-ID is the
    message's id at the node's domain, the same every time it is built."""
    email = EmailMessage()
    email["From"] = Address(one_line(coop_name), addr_spec=config.from_address)
    email["To"] = Address(one_line(message.name), addr_spec=message.address)
    email["Subject"] = message.subject if subject is None else subject
    email["Message-ID"] = f"<{message.id}@{config.domain}>"
    email.set_content(body)
    return email


def send(email: EmailMessage, config: MailConfig) -> None:
    """Hand ``email`` to the mail server; returns once the server has accepted it."""
    context = ssl.create_default_context()
    smtp = (
        smtplib.SMTP_SSL(
            config.host, config.port, timeout=config.timeout, context=context
        )
        if config.tls
        else smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    )
    with smtp:
        if config.starttls:
            smtp.starttls(context=context)
        if config.user:
            smtp.login(config.user, config.password)
        smtp.send_message(email)
