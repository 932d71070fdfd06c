"""Queueing outgoing email. Delivery (SMTP, retries) is a separate step.

A message is added to the session of the action that causes it, so both are
committed together or not at all (`message_row` gives the same columns to a
caller that writes many at once). A message that carries an access link holds
a placeholder where the link goes and points at the link's row: delivery fills
it in, so the outbox never keeps what opens an account (`services.links`).
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AccessLink, MessageKind, MessageStatus, OutboxMessage
from portal.services.workspace.listings import Page


def queue(
    *,
    kind: str,
    to: list[str],
    subject: str,
    text_body: str,
    now: datetime,
    html_body: str = "",
    reply_to: str = "",
    customer_id: int | None = None,
    attachments: list[dict] | None = None,
    link: AccessLink | None = None,
) -> OutboxMessage:
    row = message_row(
        kind=kind,
        to=to,
        subject=subject,
        text_body=text_body,
        now=now,
        html_body=html_body,
        reply_to=reply_to,
        customer_id=customer_id,
        attachments=attachments,
    )
    del row["link_id"]
    message = OutboxMessage(**row, link=link)
    db.session.add(message)
    return message


def message_row(
    *,
    kind: str,
    to: list[str],
    subject: str,
    text_body: str,
    now: datetime,
    html_body: str = "",
    reply_to: str = "",
    customer_id: int | None = None,
    attachments: list[dict] | None = None,
    link_id: int | None = None,
) -> dict:
    """The columns of a queued message, for writing many at once (the dunning pass)."""
    return {
        "kind": MessageKind(kind).value,
        "customer_id": customer_id,
        "to_addresses": list(to),
        "reply_to": reply_to,
        "subject": subject.replace("\r", " ").replace("\n", " ").strip(),
        "text_body": text_body,
        "html_body": html_body,
        "attachments": attachments or [],
        "status": MessageStatus.QUEUED,
        "attempts": 0,
        "last_error": "",
        "message_id": "",
        "created_at": now,
        "next_attempt_at": now,
        "sent_at": None,
        "link_id": link_id,
    }


def render_email(template: str, **context) -> str:
    """Render an email template without the web pages' context processors.

    Those look up the dashboard's banners and counters in the database; an email
    needs none of them, and a dunning pass renders thousands of emails.
    """
    return current_app.jinja_env.get_template(template).render(**context)


def queue_template(
    template: str,
    *,
    kind: str,
    to: list[str],
    now: datetime,
    customer_id: int | None = None,
    reply_to: str = "",
    attachments: list[dict] | None = None,
    link: AccessLink | None = None,
    **context,
) -> OutboxMessage:
    """Render `emails/<template>.txt` (and `.html` beside it); the subject is the text's first line."""
    text = render_email(f"emails/{template}.txt", **context)
    subject, _, body = text.partition("\n")
    html = render_email(f"emails/{template}.html", subject=subject.strip(), **context)
    return queue(
        kind=kind,
        to=to,
        subject=subject.strip(),
        text_body=body.lstrip("\n"),
        html_body=html,
        now=now,
        customer_id=customer_id,
        reply_to=reply_to,
        attachments=attachments,
        link=link,
    )


def recent(limit: int = 100, offset: int = 0) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit).offset(offset)
        )
    )


def count_by_status() -> dict[str, int]:
    rows = db.session.execute(
        select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(OutboxMessage.status)
    )
    return {str(status): count for status, count in rows}


def get(message_id: int) -> OutboxMessage | None:
    return db.session.get(OutboxMessage, message_id)


def search(status: str, page: int, per_page: int) -> Page:
    """One page of the outbox, newest first; `status` is queued, sent, failed or "" for all."""
    query, count = select(OutboxMessage), select(func.count(OutboxMessage.id))
    if status in {s.value for s in MessageStatus}:
        condition = OutboxMessage.status == MessageStatus(status)
        query, count = query.where(condition), count.where(condition)
    total = db.session.scalar(count) or 0
    page = min(max(1, page), max(1, -(-total // per_page)))
    items = db.session.scalars(
        query.order_by(OutboxMessage.id.desc()).limit(per_page).offset((page - 1) * per_page)
    )
    return Page(list(items), total, page, per_page)
