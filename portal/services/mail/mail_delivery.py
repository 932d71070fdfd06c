"""Delivering the outbox over SMTP, with retries, bounces and no double sending.

`deliver_due(now, settings=...)` sends the queued messages whose time has come,
in id order, over one SMTP connection reused for the whole batch.

Why it is shaped this way:

- Each message is *claimed* before the network call: an UPDATE that pushes its
  `next_attempt_at` ten minutes ahead, only if it is still queued and due, and
  that must touch exactly one row. It is committed at once, so a second delivery
  run (another scheduler, a manual `portal outbox send`) skips it, and no write
  transaction is open while we talk to the mail server (SQLite has one writer).
  A run that dies after claiming leaves the message due again ten minutes later.
- The Message-ID is written with the claim, so a retry sends the same one and
  the receiving side can recognise a duplicate.
- The outcome is committed after each message. The only window for a double
  send is a crash between the server's "250 OK" and that commit: the message
  is then sent once more when its claim expires (same Message-ID). Nothing
  shorter than that is possible without a transaction spanning the SMTP server.
- Temporary failures (4xx replies, refused or timed-out connections, a dropped
  connection) are retried with a growing delay; permanent ones (5xx) fail the
  message, and a refused recipient is marked undeliverable on every customer
  that has it, so reminders stop going there, with one task for the creditor.
- Headers are built by the standard `email` package from values with every
  control character replaced, and recipients come from the row, never from
  headers: a subject or a name cannot add a header or a recipient.
- Attachments are read from the instance folder only; a path that resolves
  outside it (`..`, an absolute path, a symlink) fails the message.

Mail that bounces later (an asynchronous bounce sent to MAIL_FROM) is not read
back: only what the SMTP server says during the session counts.
"""

from __future__ import annotations

import re
import smtplib
import ssl
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from flask_babel import force_locale, gettext
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.models import (
    ActionStatus,
    Customer,
    CustomerEmail,
    DunningAction,
    MessageStatus,
    Organisation,
    OutboxMessage,
    Task,
    TaskStatus,
)
from portal.services import audit, tasks
from portal.services.errors import N_, DomainError

NOT_CONFIGURED = N_("not delivered: no mail server configured")
#: How long a claimed message is out of reach of another delivery run.
CLAIM_DURATION = timedelta(minutes=10)
FIRST_RETRY = timedelta(minutes=5)
LONGEST_RETRY = timedelta(hours=6)
TASK_KIND = "undeliverable"
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+\.[^@\s<>()\[\],;:\"\\]+")
_SYSTEM = audit.Actor.system()


class MailConfigError(DomainError):
    """PORTAL_SMTP_URL or PORTAL_MAIL_FROM cannot be used as they are."""


class AttachmentRefused(DomainError):
    """An attachment's path leaves the instance folder, or its file is missing."""


# --- Configuration ------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpUrl:
    """Where and how to reach the mail server, from PORTAL_SMTP_URL."""

    security: Literal["none", "starttls", "tls"]
    host: str
    port: int
    username: str = ""
    password: str = field(default="", repr=False)


def parse_smtp_url(url: str) -> SmtpUrl:
    """`smtp://host:port`, `smtp+starttls://user:pass@host:587`, `smtps://user:pass@host:465`.

    Credentials are URL-decoded (a password may hold `@` or `/` written `%40`, `%2F`);
    they are refused over plain `smtp://`, which would send them in clear.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise MailConfigError(
            N_("PORTAL_SMTP_URL must start with smtp://, smtp+starttls:// or smtps://.")
        )
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError as exc:
        raise MailConfigError(N_("The port in PORTAL_SMTP_URL is not a number.")) from exc
    if not parts.hostname:
        raise MailConfigError(N_("PORTAL_SMTP_URL has no host name."))
    username = unquote(parts.username or "")
    password = unquote(parts.password or "")
    if scheme == "smtp" and (username or password):
        raise MailConfigError(
            N_("Credentials in PORTAL_SMTP_URL need smtp+starttls:// or smtps://.")
        )
    security = {"smtp": "none", "smtp+starttls": "starttls", "smtps": "tls"}[scheme]
    return SmtpUrl(security, parts.hostname, port, username, password)


@dataclass(frozen=True)
class DeliverySettings:
    """What delivery needs from the configuration; `smtp` is None when no server is set."""

    smtp: SmtpUrl | None
    mail_from: str
    instance_path: Path
    timezone: ZoneInfo = ZoneInfo("Europe/Paris")
    timeout: float = 20
    max_attempts: int = 8

    @classmethod
    def from_config(cls, config) -> DeliverySettings:
        base = {
            "instance_path": Path(config["INSTANCE_PATH"]),
            "timezone": ZoneInfo(config.get("TIMEZONE") or "Europe/Paris"),
            "timeout": float(config.get("SMTP_TIMEOUT") or 20),
            "max_attempts": max(1, int(config.get("MAIL_MAX_ATTEMPTS") or 8)),
        }
        if not config.get("SMTP_URL"):
            return cls(smtp=None, mail_from="", **base)
        smtp = parse_smtp_url(str(config["SMTP_URL"]))
        mail_from = _header_text(str(config.get("MAIL_FROM") or ""))
        if not mail_from:
            raise MailConfigError(
                N_("PORTAL_MAIL_FROM is required when PORTAL_SMTP_URL is set: "
                   "the address every message is sent from.")
            )  # fmt: skip
        if not _valid_address(parseaddr(mail_from)[1]):
            raise MailConfigError(N_("PORTAL_MAIL_FROM is not an email address."))
        return cls(smtp=smtp, mail_from=mail_from, **base)

    @property
    def configured(self) -> bool:
        return self.smtp is not None

    @property
    def sender(self) -> str:
        """The envelope sender (MAIL FROM), where servers send bounces."""
        return parseaddr(self.mail_from)[1]


@dataclass
class DeliveryReport:
    """What one run did; `str()` is the line printed by the CLI and the scheduler."""

    configured: bool = True
    sent: int = 0
    retry: int = 0
    """Attempted and failed temporarily: tried again after a delay."""
    failed: int = 0
    not_tried: int = 0
    """Due but left for the next run because the mail server could not be reached."""
    waiting: int = 0
    """Without a mail server: messages in the outbox waiting for one."""
    error: str = ""
    """Why the run stopped early (server unreachable, sender refused)."""

    @property
    def retry_later(self) -> int:
        return self.retry + self.not_tried

    def __str__(self) -> str:
        if not self.configured:
            return f"no mail server configured: {self.waiting} messages waiting"
        line = f"sent {self.sent}, retry later {self.retry_later}, failed {self.failed}"
        return f"{line} ({self.error})" if self.error else line


# --- Delivery -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Outgoing:
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


@dataclass
class _Outcome:
    kind: Literal["sent", "temporary", "permanent"]
    error: str = ""
    refused: dict[str, str] = field(default_factory=dict)
    """Recipients refused for good (5xx), with the server's reply: marked undeliverable."""
    stop: bool = False
    """The server cannot be used right now: leave the rest of the batch for later."""


class _Unreachable(Exception):
    """Connecting, STARTTLS or logging in failed: no message can go out in this run."""


def deliver_due(now: datetime, *, settings: DeliverySettings) -> DeliveryReport:
    """Send the messages due at `now`, oldest first; see the module docstring for the rules."""
    if not settings.configured:
        return _note_not_configured(now)
    report = DeliveryReport()
    ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == MessageStatus.QUEUED, OutboxMessage.next_attempt_at <= now
            )
            .order_by(OutboxMessage.id)
        )
    )
    org = db.session.scalar(select(Organisation).limit(1))
    sender_name = org.display_name if org else ""
    default_reply_to = org.contact_email if org else ""
    language = org.language if org else "fr"
    db.session.commit()
    started = time.monotonic()
    connection = _Connection(settings)
    try:
        for position, message_id in enumerate(ids):
            # Claims are measured from `now` plus the time this batch has taken, so a long
            # batch never hands a message to another run while it is being sent.
            elapsed = timedelta(seconds=time.monotonic() - started)
            outgoing = _claim(message_id, now, now + elapsed + CLAIM_DURATION, settings)
            if outgoing is None:
                continue
            outcome = _attempt(outgoing, connection, settings, sender_name, default_reply_to, now)
            _record(outgoing.id, outcome, now, settings, language, report)
            if outcome.stop:
                report.error = outcome.error
                report.not_tried = len(ids) - position - 1
                break
    finally:
        connection.close()
    return report


def waiting_count() -> int:
    """Messages still queued (for the "no mail server" banner)."""
    return db.session.scalar(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.status == MessageStatus.QUEUED)
    )


def retry_delay(attempts: int) -> timedelta:
    """5 minutes after the first failure, doubling each time, never more than 6 hours."""
    return min(FIRST_RETRY * 2 ** max(0, attempts - 1), LONGEST_RETRY)


def attachment_path(instance_path: Path, relative: str) -> Path:
    """The file of an attachment, refused unless it resolves inside the instance folder."""
    root = Path(instance_path).resolve()
    candidate = (root / str(relative)).resolve()
    if not candidate.is_relative_to(root) or candidate == root:
        raise AttachmentRefused(N_("This attachment is outside the instance folder."))
    if not candidate.is_file():
        raise AttachmentRefused(N_("This attachment's file is missing."))
    return candidate


def _note_not_configured(now: datetime) -> DeliveryReport:
    """Say why messages wait, once: a message keeps its first note however often this runs."""
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == MessageStatus.QUEUED,
            OutboxMessage.last_error == "",
            OutboxMessage.next_attempt_at <= now,
        )
        .values(last_error=NOT_CONFIGURED)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return DeliveryReport(configured=False, waiting=waiting_count())


def _claim(
    message_id: int, now: datetime, until: datetime, settings: DeliverySettings
) -> _Outgoing | None:
    """Take one message for this run (committed before any network call), or None if taken."""
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == MessageStatus.QUEUED,
            OutboxMessage.next_attempt_at <= now,
        )
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        return None
    row = db.session.get(OutboxMessage, message_id, populate_existing=True)
    if not row.message_id:
        row.message_id = make_msgid(domain=settings.sender.rpartition("@")[2])
    names = _customer_names(row.customer_id)
    recipients, invalid = [], []
    for address in row.to_addresses or []:
        clean = str(address).strip()
        if _valid_address(clean):
            recipients.append((names.get(clean.lower(), ""), clean))
        else:
            invalid.append(_header_text(str(address)))
    outgoing = _Outgoing(
        id=row.id,
        message_id=row.message_id,
        recipients=recipients,
        invalid=invalid,
        reply_to=row.reply_to or "",
        subject=row.subject or "",
        text_body=row.text_body or "",
        html_body=row.html_body or "",
        attachments=list(row.attachments or []),
    )
    db.session.commit()
    return outgoing


def _customer_names(customer_id: int | None) -> dict[str, str]:
    """The customer's name for each of its addresses, shown in the To header."""
    if customer_id is None:
        return {}
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        return {}
    return {e.email.lower(): customer.name for e in customer.emails}


def _attempt(
    outgoing: _Outgoing,
    connection: _Connection,
    settings: DeliverySettings,
    sender_name: str,
    default_reply_to: str,
    now: datetime,
) -> _Outcome:
    refused = {a: "invalid address" for a in outgoing.invalid}
    if not outgoing.recipients:
        return _Outcome("permanent", "no valid recipient address", refused=refused)
    try:
        message = _build_message(outgoing, settings, sender_name, default_reply_to, now)
    except AttachmentRefused as exc:
        return _Outcome("permanent", f"attachment refused: {exc}")
    except Exception as exc:  # a message that cannot be built now never will be
        return _Outcome("permanent", f"could not build the message: {exc!r}")
    outcome = _send(connection, message, settings.sender, [a for _, a in outgoing.recipients])
    outcome.refused = {**refused, **outcome.refused}
    return outcome


def _build_message(
    outgoing: _Outgoing,
    settings: DeliverySettings,
    sender_name: str,
    default_reply_to: str,
    now: datetime,
) -> EmailMessage:
    """Text with an HTML alternative and the attachments, every header value cleaned."""
    message = EmailMessage()
    name, address = parseaddr(settings.mail_from)
    message["From"] = formataddr((_header_text(name or sender_name), address))
    message["To"] = ", ".join(formataddr((_header_text(n), a)) for n, a in outgoing.recipients)
    reply_to = _header_text(outgoing.reply_to or default_reply_to)
    if _valid_address(reply_to):
        message["Reply-To"] = reply_to
    message["Subject"] = _header_text(outgoing.subject)
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
            maintype=_header_text(maintype),
            subtype=_header_text(subtype),
            filename=_header_text(str(attachment.get("filename") or path.name)),
        )
    return message


def _send(
    connection: _Connection, message: EmailMessage, sender: str, recipients: list[str]
) -> _Outcome:
    """One SMTP transaction, its result sorted into sent, temporary or permanent."""
    try:
        refused = connection.send(message, sender, recipients)
    except _Unreachable as exc:
        return _Outcome("temporary", f"mail server unreachable: {exc}", stop=True)
    except smtplib.SMTPRecipientsRefused as exc:
        permanent, temporary = _split_refusals(exc.recipients)
        if temporary:
            return _Outcome("temporary", _describe(temporary), refused=permanent)
        return _Outcome("permanent", _describe(permanent), refused=permanent)
    except smtplib.SMTPSenderRefused as exc:
        reply = _reply(exc.smtp_code, exc.smtp_error)
        if exc.smtp_code == 552:  # this message is too large: no retry will change that
            return _Outcome("permanent", f"message refused: {reply}")
        # A refused sender is a configuration problem shared by every message: wait for a fix
        # rather than failing the whole outbox.
        return _Outcome("temporary", f"sender {sender} refused: {reply}", stop=True)
    except smtplib.SMTPNotSupportedError as exc:
        return _Outcome("permanent", f"the mail server cannot send this message: {exc}")
    except smtplib.SMTPResponseException as exc:
        reply = _reply(exc.smtp_code, exc.smtp_error)
        kind = "permanent" if 500 <= exc.smtp_code < 600 else "temporary"
        return _Outcome(kind, f"message refused: {reply}")
    except OSError as exc:  # includes SMTPServerDisconnected, timeouts and refused connections
        return _Outcome("temporary", f"connection lost: {exc or type(exc).__name__}")
    permanent, temporary = _split_refusals(refused)
    note = _describe(temporary) if temporary else ""
    return _Outcome("sent", f"not delivered to some: {note}" if note else "", refused=permanent)


def _split_refusals(refused: dict) -> tuple[dict[str, str], dict[str, str]]:
    permanent, temporary = {}, {}
    for address, (code, text) in refused.items():
        target = permanent if 500 <= int(code) < 600 else temporary
        target[address] = _reply(code, text)
    return permanent, temporary


def _describe(refusals: dict[str, str]) -> str:
    return "; ".join(f"{address}: {reply}" for address, reply in refusals.items())


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {_header_text(str(text))}".strip()


def _record(
    message_id: int,
    outcome: _Outcome,
    now: datetime,
    settings: DeliverySettings,
    language: str,
    report: DeliveryReport,
) -> None:
    """Write the outcome of one attempt, in its own short transaction."""
    row = db.session.get(OutboxMessage, message_id, populate_existing=True)
    row.attempts = (row.attempts or 0) + 1
    if outcome.refused:
        _mark_undeliverable(outcome.refused, now, settings, language)
    if outcome.kind == "sent":
        row.status = MessageStatus.SENT
        row.sent_at = now
        row.last_error = outcome.error
        audit.record(
            _SYSTEM, "outbox.sent", "outbox_message", row.id, at=now,
            customer_id=row.customer_id, kind=row.kind,
        )  # fmt: skip
        report.sent += 1
    elif outcome.kind == "temporary" and row.attempts < settings.max_attempts:
        row.last_error = outcome.error
        row.next_attempt_at = now + retry_delay(row.attempts)
        report.retry += 1
    else:
        reason = outcome.error
        if outcome.kind == "temporary":
            reason = f"gave up after {row.attempts} attempts: {outcome.error}"
        _fail(row, reason, now)
        report.failed += 1
    db.session.commit()


def _fail(row: OutboxMessage, reason: str, now: datetime) -> None:
    """The message will not go: its reminders are failed too, with the reason."""
    row.status = MessageStatus.FAILED
    row.last_error = reason
    for action in db.session.scalars(
        select(DunningAction).where(DunningAction.message_id == row.id)
    ):
        action.status = ActionStatus.FAILED
        action.reason = reason[:200]
    audit.record(
        _SYSTEM, "outbox.failed", "outbox_message", row.id, at=now,
        customer_id=row.customer_id, kind=row.kind, reason=reason[:500],
    )  # fmt: skip


def _mark_undeliverable(
    refused: dict[str, str], now: datetime, settings: DeliverySettings, language: str
) -> None:
    """Stop using refused addresses everywhere, and tell the creditor once per address."""
    for address, reply in refused.items():
        rows = list(
            db.session.scalars(
                select(CustomerEmail)
                .where(func.lower(CustomerEmail.email) == address.lower())
                .order_by(CustomerEmail.id)
            )
        )
        newly = [r for r in rows if not r.undeliverable]
        for row in newly:
            row.undeliverable = True
            audit.record(
                _SYSTEM, "customer.email_undeliverable", "customer", row.customer_id, at=now,
                customer_id=row.customer_id, email=row.email, reply=reply[:300],
            )  # fmt: skip
        if rows and not newly:
            continue  # already known: its task was created the first time
        _bounce_task(address, reply, rows[0] if rows else None, now, settings, language)


def _bounce_task(
    address: str,
    reply: str,
    email: CustomerEmail | None,
    now: datetime,
    settings: DeliverySettings,
    language: str,
) -> None:
    with force_locale(language):
        title = gettext("Email to %(address)s bounced: check the address", address=address)
        body = gettext(
            "The mail server refused this address (%(reply)s). Reminders are no longer sent "
            "to it: correct it in the customer's contacts.",
            reply=reply,
        )
    title = title[:300]
    if email is None and _open_task_titled(title):
        return
    tasks.create(
        kind=TASK_KIND, title=title, body=body, due_date=now.astimezone(settings.timezone).date(),
        now=now, actor=_SYSTEM, customer_id=email.customer_id if email else None,
        object_type="customer_email" if email else "", object_id=email.id if email else None,
    )  # fmt: skip


def _open_task_titled(title: str) -> bool:
    return (
        db.session.scalar(
            select(Task.id).where(
                Task.kind == TASK_KIND, Task.status == TaskStatus.OPEN, Task.title == title
            )
        )
        is not None
    )


# --- Headers and addresses ------------------------------------------------------------


def _header_text(value: str) -> str:
    """A header value on one line: CR, LF and every other control character become spaces."""
    return " ".join(_CONTROL.sub(" ", value).split())


def _valid_address(address: str) -> bool:
    """One plain address, nothing that could end a header or add a recipient."""
    return bool(address) and len(address) <= 254 and _ADDRESS.fullmatch(address) is not None


# --- The SMTP connection --------------------------------------------------------------


class _Connection:
    """One SMTP session reused for a batch, opened on first use.

    When a reused session turns out to have been dropped by the server (idle
    timeout, a limit on messages per connection), it reconnects once and sends
    the message again on the new session.
    """

    def __init__(self, settings: DeliverySettings) -> None:
        assert settings.smtp is not None
        self._url = settings.smtp
        self._timeout = settings.timeout
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> dict:
        reused = self._smtp is not None
        try:
            return self._send_once(message, sender, recipients)
        except smtplib.SMTPServerDisconnected:
            if not reused:
                raise
        return self._send_once(message, sender, recipients)

    def close(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (OSError, smtplib.SMTPException):
            self._smtp.close()
        self._smtp = None

    def _send_once(self, message: EmailMessage, sender: str, recipients: list[str]) -> dict:
        if self._smtp is None:
            self._smtp = self._open()
        try:
            return self._smtp.send_message(message, sender, recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            if any(code == 421 for code, _ in exc.recipients.values()):
                self._drop()
            raise
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:  # the server is closing this session
                self._drop()
            raise
        except OSError:
            self._drop()
            raise

    def _open(self) -> smtplib.SMTP:
        url = self._url
        context = ssl.create_default_context()
        try:
            if url.security == "tls":
                smtp = smtplib.SMTP_SSL(url.host, url.port, timeout=self._timeout, context=context)
            else:
                smtp = smtplib.SMTP(url.host, url.port, timeout=self._timeout)
        except OSError as exc:
            raise _Unreachable(str(exc) or type(exc).__name__) from exc
        try:
            if url.security == "starttls":
                smtp.ehlo()
                smtp.starttls(context=context)
                smtp.ehlo()
            if url.username:
                smtp.login(url.username, url.password)
        except (OSError, smtplib.SMTPException) as exc:
            smtp.close()
            raise _Unreachable(str(exc) or type(exc).__name__) from exc
        return smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None
