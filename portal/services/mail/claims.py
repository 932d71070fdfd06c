"""Taking a message for one delivery run, so that several runs at once never send it twice.

A claim pushes the message's `next_attempt_at` ahead (`CLAIM_DURATION`), only
if it is still queued and due, and is committed before any network call: any
other run then finds the message not due and leaves it. A run that dies after
claiming leaves the message due again when the claim runs out. The claim also
fixes the Message-ID (a retry sends the same one) and computes the link's
token (`services.links`), which goes into the copy that is sent, never the row.

How a run picks what to claim depends on the database:

- PostgreSQL: one statement takes the first message still due after the last
  the run took, `UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED) RETURNING
  id`. A message another run is claiming at that moment is passed over rather
  than waited for, so concurrent runs (several machines, several workers)
  share the queue instead of queueing behind each other on the same row.
- SQLite: one writer at a time, so the conditional UPDATE of each message of
  the run's list is the claim; one another run has taken is found pushed
  ahead. (Reading first, then writing in the same transaction, would fail
  whenever another writer had committed in between.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from email.utils import make_msgid

from sqlalchemy import select, update

from portal.extensions import db
from portal.models import AccessLink, Customer, MessageStatus, OutboxMessage
from portal.services import links
from portal.services.mail.composing import Outgoing
from portal.services.mail.delivery_settings import DeliverySettings
from portal.values.email_headers import header_text, valid_address

#: How long a claimed message is out of reach of another delivery run.
CLAIM_DURATION = timedelta(minutes=10)


def in_turn(
    ids: list[int], now: datetime, until: Callable[[], datetime], settings: DeliverySettings
) -> Iterator[tuple[int, Outgoing | None]]:
    """This run's messages (`ids`, in order), each claimed until `until()`: None if taken."""
    if db.session.get_bind().dialect.name != "postgresql":
        for message_id in ids:
            yield message_id, claim(message_id, now, until(), settings)
        return
    wanted, last, after = set(ids), (ids[-1] if ids else 0), 0
    while True:
        message_id = _claim_next(after, last, now, until())
        if message_id is None:
            db.session.rollback()
            return
        after = message_id
        if message_id in wanted:
            yield message_id, _outgoing(message_id, settings)
        else:  # queued since this run looked: its sending window was not checked
            db.session.rollback()


def claim(
    message_id: int, now: datetime, until: datetime, settings: DeliverySettings
) -> Outgoing | None:
    """Take one message for this run (committed before any network call), or None if taken."""
    if not push_if_due(message_id, now, until):
        db.session.rollback()
        return None
    return _outgoing(message_id, settings)


def push_if_due(message_id: int, now: datetime, to: datetime) -> bool:
    """Move a message still queued and due to `to`; False if another run moved it first.

    The conditional UPDATE is what keeps two runs apart on SQLite: a claim
    (pushed to the claim's end) and a deferral to the sending window (pushed
    to its opening) are the same move.
    """
    moved = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == MessageStatus.QUEUED,
            OutboxMessage.next_attempt_at <= now,
        )
        .values(next_attempt_at=to)
        .execution_options(synchronize_session=False)
    )
    return moved.rowcount == 1


def _claim_next(after: int, last: int, now: datetime, until: datetime) -> int | None:
    """PostgreSQL: claim the first message due in (after, last] that no other run is claiming."""
    next_due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.id > after,
            OutboxMessage.id <= last,
            OutboxMessage.status == MessageStatus.QUEUED,
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return db.session.scalar(
        update(OutboxMessage)
        .where(OutboxMessage.id == next_due)
        .values(next_attempt_at=until)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )


def _outgoing(message_id: int, settings: DeliverySettings) -> Outgoing:
    """What will be sent for a message just claimed; commits the claim."""
    row = db.session.get(OutboxMessage, message_id, populate_existing=True)
    if not row.message_id:
        row.message_id = make_msgid(domain=settings.sender.rpartition("@")[2])
    link = link_of(row)
    token = links.activate(link, settings.link_key) if link is not None else None
    names = _customer_names(row.customer_id)
    recipients, invalid = [], []
    for address in row.to_addresses or []:
        clean = str(address).strip()
        if valid_address(clean):
            recipients.append((names.get(clean.lower(), ""), clean))
        else:
            invalid.append(header_text(str(address)))
    outgoing = Outgoing(
        id=row.id,
        message_id=row.message_id,
        recipients=recipients,
        invalid=invalid,
        reply_to=row.reply_to or "",
        subject=row.subject or "",
        text_body=links.fill(row.text_body or "", token),
        html_body=links.fill(row.html_body or "", token),
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


def link_of(row: OutboxMessage) -> AccessLink | None:
    """Loaded only for the messages that carry one: most of the outbox does not."""
    return db.session.get(AccessLink, row.link_id) if row.link_id else None
