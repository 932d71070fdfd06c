"""Bank-transfer references and "I have already paid" declarations."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, enum_column


class TransferReference(db.Model):
    """An ISO 11649 (RF) reference for one selection of invoices, to match the transfer later."""

    __tablename__ = "transfer_references"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(25), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    allocations: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    matched_payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))


class DeclarationStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class PaidDeclaration(db.Model):
    """The debtor says they have already paid; the creditor confirms or rejects."""

    __tablename__ = "paid_declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    invoice_ids: Mapped[list] = mapped_column(JSON)
    paid_on: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    proof_filename: Mapped[str] = mapped_column(String(100), default="")
    proof_content_type: Mapped[str] = mapped_column(String(50), default="")
    status: Mapped[DeclarationStatus] = mapped_column(
        enum_column(DeclarationStatus), default=DeclarationStatus.PENDING
    )
    pause_until: Mapped[date] = mapped_column(Date)
    """Reminders for the invoices wait until this date while the creditor checks."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))

    customer = relationship("Customer")
