"""What a debtor's form submission already did, so that sending it again does nothing more."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime


class DebtorSubmission(db.Model):
    """One submitted debtor form, by the random key its page carried.

    A double click, a retry or a second tab sends the same key again: the unique
    key makes the second request wait for the first and then answer as it did.
    """

    __tablename__ = "debtor_submissions"
    __table_args__ = (UniqueConstraint("link_id", "key", name="uq_debtor_submissions_link_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("access_links.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(500), default="")
    """Where the first submission sent the browser (a path of the debtor's pages)."""
