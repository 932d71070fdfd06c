"""A debtor's form sent twice is recorded once.

Every debtor form carries a random key. The request claims it by writing a
row first, after locking the customer's row: on PostgreSQL a second request of
the same customer waits for the first to finish, on SQLite the row takes the
write lock for the whole transaction. When the first committed, the second
finds its key taken and answers as the first did (the page it was sent to);
when the first was refused, its row was rolled back with everything else and
the retry is processed afresh. Keys are kept for a day per link, long enough
for any retry a browser or a person makes.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Customer, DebtorSubmission

REMEMBER_FOR = timedelta(hours=24)
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass(frozen=True)
class Replay:
    """The key was used already: where its first submission sent the browser."""

    location: str


def new_key() -> str:
    return secrets.token_urlsafe(24)


def claim(customer_id: int, link_id: int, key: str, *, now: datetime) -> DebtorSubmission | Replay:
    """Claim the key for this request, or say how its first use answered.

    A missing or malformed key gets a fresh one: the request is still
    serialised with the customer's other requests, it just cannot be replayed.
    """
    if not KEY_PATTERN.fullmatch(key or ""):
        key = new_key()
    db.session.execute(select(Customer.id).where(Customer.id == customer_id).with_for_update())
    db.session.execute(
        delete(DebtorSubmission).where(
            DebtorSubmission.link_id == link_id, DebtorSubmission.created_at < now - REMEMBER_FOR
        )
    )
    submission = DebtorSubmission(link_id=link_id, key=key, created_at=now, location="")
    db.session.add(submission)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        location = db.session.scalar(
            select(DebtorSubmission.location).where(
                DebtorSubmission.link_id == link_id, DebtorSubmission.key == key
            )
        )
        return Replay(location or "")
    return submission


def remember(submission: DebtorSubmission, location: str) -> None:
    """Keep where the browser was sent, for a replay to send it there too."""
    if location.startswith("/") and not location.startswith("//"):
        submission.location = location[:500]
