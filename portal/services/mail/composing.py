"""Turning a claimed outbox message into the email that goes on the wire.

Headers are built by the standard `email` package from values with every
control character replaced, and recipients come from the row, never from
headers: a subject or a name cannot add a header or a recipient. The
Message-ID is the one written with the claim, so a retry sends the same one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr

from portal.services.mail.attachments import attachment_path
from portal.services.mail.delivery_settings import DeliverySettings
from portal.values.email_headers import header_text, valid_address


@dataclass(frozen=True)
class Outgoing:
    """A claimed message, copied out of the session so no transaction stays open."""

    id: int
    message_id: str
    recipients: list[tuple[str, str]]
    """(display name, address) for each valid address, in order."""
    invalid: list[str]
    reply_to: str
    subject: str
    text_body: str
    html_body: str
    attachments: list[dict]


def build_message(
    outgoing: Outgoing,
    settings: DeliverySettings,
    sender_name: str,
    default_reply_to: str,
    now: datetime,
) -> EmailMessage:
    """Text with an HTML alternative and the attachments, every header value cleaned."""
    message = EmailMessage()
    name, address = parseaddr(settings.mail_from)
    message["From"] = formataddr((header_text(name or sender_name), address))
    message["To"] = ", ".join(formataddr((header_text(n), a)) for n, a in outgoing.recipients)
    reply_to = header_text(outgoing.reply_to or default_reply_to)
    if valid_address(reply_to):
        message["Reply-To"] = reply_to
    message["Subject"] = header_text(outgoing.subject)
    message["Date"] = formatdate(now.timestamp(), usegmt=True)
    message["Message-ID"] = outgoing.message_id
    message.set_content(outgoing.text_body)
    if outgoing.html_body:
        message.add_alternative(outgoing.html_body, subtype="html")
    for attachment in outgoing.attachments:
        path = attachment_path(settings.instance_path, attachment.get("path", ""))
        maintype, _, subtype = str(attachment.get("content_type") or "").partition("/")
        if not maintype or not subtype:
            maintype, subtype = "application", "octet-stream"
        message.add_attachment(
            path.read_bytes(),
            maintype=header_text(maintype),
            subtype=header_text(subtype),
            filename=header_text(str(attachment.get("filename") or path.name)),
        )
    return message
