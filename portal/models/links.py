"""Access links: what a debtor holds to see their own account, and nothing else."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime


class AccessLink(db.Model):
    """One link sent to a customer. Only the SHA-256 of its token is stored.

    A link sent by email has no hash until its email is delivered, only the nonce
    its token is computed from with the secret key (see `services.links`).
    """

    __tablename__ = "access_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    nonce: Mapped[str | None] = mapped_column(String(32))
    """Set until the email carrying the link has gone; never the token itself."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    use_count: Mapped[int] = mapped_column(Integer, default=0)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purpose: Mapped[str] = mapped_column(String(32), default="manual")
    """Why it was made: manual, reminder, fresh_link_request…"""

    customer = relationship("Customer")

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now
