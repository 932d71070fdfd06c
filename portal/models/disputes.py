"""Disputes: a debtor contests an invoice, or some of its lines, and the creditor decides."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Text, event, text, true
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, enum_column, status_set


class DisputeStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    """Accepted in full or in part: a credit note for the accepted amount."""
    REJECTED = "rejected"


class DisputeReason(enum.StrEnum):
    NOT_RECEIVED = "not_received"
    DAMAGED = "damaged"
    WRONG_QUANTITY = "wrong_quantity"
    WRONG_PRICE = "wrong_price"
    ALREADY_PAID = "already_paid"
    OTHER = "other"


class Dispute(db.Model):
    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    status: Mapped[DisputeStatus] = mapped_column(
        enum_column(DisputeStatus), default=DisputeStatus.OPEN
    )
    reason: Mapped[DisputeReason] = mapped_column(enum_column(DisputeReason))
    comment: Mapped[str] = mapped_column(Text, default="")
    amount_cents: Mapped[int] = mapped_column(Integer)
    """Total amount on hold (the sum of the disputed lines' amounts)."""
    accepted_cents: Mapped[int] = mapped_column(Integer, default=0)
    answer: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    """[{"filename", "content_type", "path"}] stored under random names in the instance folder."""
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("credit_notes.id"))
    resume_on: Mapped[date | None] = mapped_column(Date)
    """After a rejection, reminders for the amount come back no earlier than this day."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list[DisputeLine]] = relationship(
        back_populates="dispute", cascade="all, delete-orphan"
    )
    invoice = relationship("Invoice")
    customer = relationship("Customer")


class DisputeLine(db.Model):
    """One disputed invoice line and the amount (at most the line's total) on hold for it."""

    __tablename__ = "dispute_lines"
    __table_args__ = (
        # One open dispute per invoice line, even when two requests race past the check.
        Index(
            "uq_dispute_lines_open_line",
            "invoice_line_id",
            unique=True,
            sqlite_where=text("is_open"),
            postgresql_where=text("is_open"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(
        ForeignKey("disputes.id", ondelete="CASCADE"), index=True
    )
    invoice_line_id: Mapped[int] = mapped_column(ForeignKey("invoice_lines.id"))
    amount_cents: Mapped[int] = mapped_column(Integer)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """The dispute's status, copied where a unique index can see it (kept in step at flush)."""

    dispute: Mapped[Dispute] = relationship(back_populates="lines")
    invoice_line = relationship("InvoiceLine")


@event.listens_for(Session, "before_flush")
def _keep_open_lines_in_step(session: Session, flush_context, instances) -> None:
    """Whatever path changes a dispute's status, its lines' `is_open` follows."""
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Dispute) and status_set(obj):
            is_open = obj.status in (None, DisputeStatus.OPEN)
            for line in obj.lines:
                if line.is_open is not is_open:
                    line.is_open = is_open
