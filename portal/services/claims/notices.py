"""When the debtor was put on notice: the date a consumer's interest starts from.

Code civil art. 1231-6: a consumer owes interest only from a formal notice. It
counts from the earliest one that left: an email the mail server accepted, or
a letter the creditor posted (the posting date they recorded).
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    Customer,
    MessageKind,
    MessageStatus,
    NoticeLetter,
    Organisation,
    OutboxMessage,
)


def formal_notice_sent_on(customer: Customer) -> date | None:
    """The earliest day a formal notice was sent to `customer` (emailed or posted), or None."""
    sent_at = db.session.scalar(
        select(func.min(OutboxMessage.sent_at)).where(
            OutboxMessage.customer_id == customer.id,
            OutboxMessage.kind == MessageKind.FORMAL_NOTICE.value,
            OutboxMessage.status == MessageStatus.SENT,
        )
    )
    posted_on = db.session.scalar(
        select(func.min(NoticeLetter.posted_on)).where(NoticeLetter.customer_id == customer.id)
    )
    days = [posted_on] if posted_on else []
    if sent_at is not None:
        zone = db.session.scalar(select(Organisation.timezone).limit(1)) or "Europe/Paris"
        days.append(sent_at.astimezone(ZoneInfo(zone)).date())
    return min(days, default=None)
