"""Delivering the outbox over SMTP, with retries, bounces and no double sending.

`deliver_due(now, settings=...)` sends the queued messages whose time has come,
in id order, over one SMTP connection reused for the whole batch.

Why it is shaped this way:

- Each message is *claimed* before the network call (`claims`): its
  `next_attempt_at` pushed ten minutes ahead, only if it is still queued and
  due, committed at once, so a second delivery run (another scheduler, a
  manual `portal outbox send`) leaves it, and no write transaction is open
  while we talk to the mail server (SQLite has one writer). A run that dies
  after claiming leaves the message due again ten minutes later.
- Several runs may work at once: on PostgreSQL each takes its next message
  with `FOR UPDATE SKIP LOCKED`, passing over one another run is claiming
  instead of waiting for it; on SQLite the conditional UPDATE alone is the
  claim (see `claims`).
- The Message-ID is written with the claim, so a retry sends the same one and
  the receiving side can recognise a duplicate.
- The outcome is committed after each message. The only window for a double
  send is a crash between the server's "250 OK" and that commit: the message
  is then sent once more when its claim expires (same Message-ID). Nothing
  shorter than that is possible without a transaction spanning the SMTP server.
- Temporary failures (4xx replies, refused or timed-out connections, a dropped
  connection) are retried with a growing delay; permanent ones (5xx) fail the
  message, and a refused recipient is marked undeliverable (`bounces`).
- A message the debtor did not ask for leaves only inside their sending window
  (`delivery_window`): one found due outside it, or a retry that would fall
  outside it, is moved to the window's next opening instead.
- A message that carries a debtor's link holds a placeholder: the claim
  computes the link's token from the secret key, stores its hash (so the link
  works when the email arrives) and fills it into the copy that is sent; the
  row never holds it. Once the message has gone (or failed for good) the link
  forgets its nonce, and any token an older message had written in its body is
  redacted.

How a message is built is in `composing`, what the server's replies mean in
`portal.adapters.smtp`.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import func, select, update

from portal.adapters.smtp import SendOutcome, SmtpConnection
from portal.extensions import db
from portal.models import (
    ActionStatus,
    Customer,
    DunningAction,
    MessageStatus,
    Organisation,
    OutboxMessage,
)
from portal.services import audit, links
from portal.services.errors import N_
from portal.services.mail import claims
from portal.services.mail.attachments import AttachmentRefused
from portal.services.mail.bounces import mark_undeliverable
from portal.services.mail.claims import CLAIM_DURATION
from portal.services.mail.composing import Outgoing, build_message
from portal.services.mail.delivery_settings import DeliverySettings
from portal.services.mail.delivery_window import WindowRule

NOT_CONFIGURED = N_("not delivered: no mail server configured")
FIRST_RETRY = timedelta(minutes=5)
LONGEST_RETRY = timedelta(hours=6)

_SYSTEM = audit.Actor.system()


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
    deferred: int = 0
    """Due, but outside the debtor's sending window: moved to its next opening."""
    error: str = ""
    """Why the run stopped early (server unreachable, sender refused)."""

    @property
    def retry_later(self) -> int:
        return self.retry + self.not_tried

    def __str__(self) -> str:
        if not self.configured:
            return f"no mail server configured: {self.waiting} messages waiting"
        line = f"sent {self.sent}, retry later {self.retry_later}, failed {self.failed}"
        if self.deferred:
            line += f", waiting for the sending window {self.deferred}"
        return f"{line} ({self.error})" if self.error else line


def deliver_due(now: datetime, *, settings: DeliverySettings) -> DeliveryReport:
    """Send the messages due at `now`, oldest first; see the module docstring for the rules."""
    if not settings.configured:
        return _note_not_configured(now)
    report = DeliveryReport()
    org = db.session.scalar(select(Organisation).limit(1))
    rule = WindowRule.for_organisation(
        org, settings.timezone, settings.window_start, settings.window_end
    )
    due = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.kind, Customer.timezone)
        .outerjoin(Customer, Customer.id == OutboxMessage.customer_id)
        .where(OutboxMessage.status == MessageStatus.QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
    ).all()
    ids, recipients_of = [], {}
    for message_id, kind, zone in due:
        recipients_of[message_id] = (kind, zone)
        opening = rule.opening(kind, zone, now)
        if opening > now:
            report.deferred += claims.push_if_due(message_id, now, opening)
        else:
            ids.append(message_id)
    sender_name = org.display_name if org else ""
    default_reply_to = org.contact_email if org else ""
    language = org.language if org else "fr"
    db.session.commit()
    started = time.monotonic()
    assert settings.smtp is not None
    connection = SmtpConnection(settings.smtp, settings.timeout)
    try:
        # Claims are measured from `now` plus the time this batch has taken, so a long
        # batch never hands a message to another run while it is being sent.
        def until() -> datetime:
            return now + timedelta(seconds=time.monotonic() - started) + CLAIM_DURATION

        for message_id, outgoing in claims.in_turn(ids, now, until, settings):
            if outgoing is None:
                continue
            outcome = _attempt(outgoing, connection, settings, sender_name, default_reply_to, now)
            retry_at = partial(rule.opening, *recipients_of[message_id])
            _record(outgoing.id, outcome, now, settings, language, report, retry_at)
            if outcome.stop:
                report.error = outcome.error
                report.not_tried = len(ids) - bisect_right(ids, message_id)
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


def _attempt(
    outgoing: Outgoing,
    connection: SmtpConnection,
    settings: DeliverySettings,
    sender_name: str,
    default_reply_to: str,
    now: datetime,
) -> SendOutcome:
    refused = {a: "invalid address" for a in outgoing.invalid}
    if not outgoing.recipients:
        return SendOutcome("permanent", "no valid recipient address", refused=refused)
    try:
        message = build_message(outgoing, settings, sender_name, default_reply_to, now)
    except AttachmentRefused as exc:
        return SendOutcome("permanent", f"attachment refused: {exc}")
    except Exception as exc:  # a message that cannot be built now never will be
        return SendOutcome("permanent", f"could not build the message: {exc!r}")
    outcome = connection.send(message, settings.sender, [a for _, a in outgoing.recipients])
    outcome.refused = {**refused, **outcome.refused}
    return outcome


def _record(
    message_id: int,
    outcome: SendOutcome,
    now: datetime,
    settings: DeliverySettings,
    language: str,
    report: DeliveryReport,
    retry_at: Callable[[datetime], datetime],
) -> None:
    """Write the outcome of one attempt, in its own short transaction.

    A retry never falls outside the sending window: `retry_at` moves it to the next opening.
    """
    row = db.session.get(OutboxMessage, message_id, populate_existing=True)
    row.attempts = (row.attempts or 0) + 1
    if outcome.refused:
        mark_undeliverable(outcome.refused, now, settings, language)
    if outcome.kind == "sent":
        _forget_links(row)
        row.status = MessageStatus.SENT
        row.sent_at = now
        row.last_error = outcome.error
        audit.record(
            _SYSTEM,
            "outbox.sent",
            "outbox_message",
            row.id,
            at=now,
            customer_id=row.customer_id,
            kind=row.kind,
        )
        report.sent += 1
    elif outcome.kind == "temporary" and row.attempts < settings.max_attempts:
        row.last_error = outcome.error
        row.next_attempt_at = retry_at(now + retry_delay(row.attempts))
        report.retry += 1
    else:
        reason = outcome.error
        if outcome.kind == "temporary":
            reason = f"gave up after {row.attempts} attempts: {outcome.error}"
        _fail(row, reason, now)
        report.failed += 1
    db.session.commit()


def _forget_links(row: OutboxMessage) -> None:
    """Nothing left to send: the link cannot be computed again, no token stays in the body."""
    if (link := claims.link_of(row)) is not None:
        link.nonce = None
    for field in ("text_body", "html_body"):
        body = getattr(row, field) or ""
        if (redacted := links.redact(body)) != body:
            setattr(row, field, redacted)


def _fail(row: OutboxMessage, reason: str, now: datetime) -> None:
    """The message will not go: its reminders are failed too, with the reason."""
    _forget_links(row)
    row.status = MessageStatus.FAILED
    row.last_error = reason
    for action in db.session.scalars(
        select(DunningAction).where(DunningAction.message_id == row.id)
    ):
        action.status = ActionStatus.FAILED
        action.reason = reason[:200]
    audit.record(
        _SYSTEM,
        "outbox.failed",
        "outbox_message",
        row.id,
        at=now,
        customer_id=row.customer_id,
        kind=row.kind,
        reason=reason[:500],
    )
