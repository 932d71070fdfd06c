"""Addresses the mail server refused for good: never written to again, and a task to fix them.

A 5xx refusal of a recipient during the SMTP session is the only bounce the
portal sees (mail that bounces later, to MAIL_FROM, is not read back). The
address is marked undeliverable on every customer that has it, so reminders
stop going there, and the creditor gets one task per address, not one per
message that tried it.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import CustomerEmail, Task, TaskStatus
from portal.services import audit, notifications
from portal.services.mail.delivery_settings import DeliverySettings

TASK_KIND = "undeliverable"


def mark_undeliverable(
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
                audit.Actor.system(),
                "customer.email_undeliverable",
                "customer",
                row.customer_id,
                at=now,
                customer_id=row.customer_id,
                email=row.email,
                reply=reply[:300],
            )
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
    notifications.ask_creditor(
        TASK_KIND,
        title,
        now=now,
        due_date=now.astimezone(settings.timezone).date(),
        about=("customer_email", email.id) if email else None,
        customer_id=email.customer_id if email else None,
        body=body,
    )


def _open_task_titled(title: str) -> bool:
    return (
        db.session.scalar(
            select(Task.id).where(
                Task.kind == TASK_KIND, Task.status == TaskStatus.OPEN, Task.title == title
            )
        )
        is not None
    )
