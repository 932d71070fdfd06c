"""Formal notice letters to post, and when the creditor posted them.

An email leaves its trace in the outbox; a letter leaves none unless the
creditor records it, and in law its posting date is what counts (it starts a
consumer's interest), so each letter is a row with that date.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime


class NoticeLetter(db.Model):
    """A formal notice letter: made by the dunning pass to be posted, or posted by the creditor.

    `posted_on` is empty while the letter waits to be posted, and holds the date the
    creditor gives once it is; the dunning pass's letter keeps its PDF in `letter_path`.
    """

    __tablename__ = "notice_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    letter_path: Mapped[str] = mapped_column(String(200), default="")
    """The PDF, relative to the instance folder; empty for a letter printed elsewhere."""
    posted_on: Mapped[date | None] = mapped_column(Date)
    registered: Mapped[bool] = mapped_column(Boolean, default=True)
    """A registered letter with acknowledgement of receipt (lettre recommandée avec AR)."""
    tracking_number: Mapped[str] = mapped_column(String(40), default="")
    posted_recorded_by: Mapped[str] = mapped_column(String(300), default="")
