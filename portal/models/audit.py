"""The audit trail: every state change, who made it and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime


class AuditEvent(db.Model):
    """One state change. `customer_id`/`invoice_id` make timelines one indexed query."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_customer_at", "customer_id", "at"),
        Index("ix_audit_invoice_at", "invoice_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(300))
    """Who: "user:3 jane@example.com", "debtor:12", "system", "cli"."""
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column()
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
