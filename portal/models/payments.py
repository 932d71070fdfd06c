"""Payments received and their allocation (lettrage) to invoices."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, enum_column, utcnow


class PaymentMethod(enum.StrEnum):
    TRANSFER = "transfer"
    CARD = "card"
    SEPA_DEBIT = "sepa_debit"
    CHEQUE = "cheque"
    CASH = "cash"
    OTHER = "other"


class Payment(db.Model):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    date: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod))
    reference: Mapped[str] = mapped_column(String(140), default="")
    source: Mapped[str] = mapped_column(String(20), default="manual")
    """Where it was recorded: manual, import, stripe…"""
    external_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    """Natural key of the payment at its source (import row hash, Stripe session…):
    recording the same payment twice is refused by the database itself."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    allocations: Mapped[list[PaymentAllocation]] = relationship(
        back_populates="payment", cascade="all, delete-orphan"
    )


class PaymentAllocation(db.Model):
    __tablename__ = "payment_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), index=True
    )
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)

    payment: Mapped[Payment] = relationship(back_populates="allocations")
    invoice = relationship("Invoice")
