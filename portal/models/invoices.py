"""Invoices, their lines and credit notes."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import DecimalText, UTCDateTime, enum_column, utcnow


class InvoiceStatus(enum.StrEnum):
    OPEN = "open"
    PAID = "paid"


class Invoice(db.Model):
    """An invoice owed by a customer.

    Totals and the balance are stored, not recomputed on each read: the dashboard
    aggregates millions of invoices in SQL. Only the ledger (`services.payments.ledger`,
    and `ledger_bulk` for imports) changes them, so they always equal the sum of
    lines, allocations and credit notes.
    """

    __tablename__ = "invoices"
    __table_args__ = (
        # Lists of open or overdue invoices, in due-date order.
        Index("ix_invoices_status_due", "status", "due_date"),
        # Covering indexes for the home page: the aged balance reads only the first,
        # the per-customer totals only the second, never the table itself.
        Index("ix_invoices_kpi_due", "status", "currency", "due_date", "outstanding_cents"),
        Index(
            "ix_invoices_kpi_customer",
            "status",
            "currency",
            "customer_id",
            "due_date",
            "outstanding_cents",
        ),
        Index("ix_invoices_customer_status", "customer_id", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    net_cents: Mapped[int] = mapped_column(Integer, default=0)
    tax_cents: Mapped[int] = mapped_column(Integer, default=0)
    total_cents: Mapped[int] = mapped_column(Integer, default=0)
    paid_cents: Mapped[int] = mapped_column(Integer, default=0)
    credited_cents: Mapped[int] = mapped_column(Integer, default=0)
    outstanding_cents: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[InvoiceStatus] = mapped_column(
        enum_column(InvoiceStatus), default=InvoiceStatus.OPEN
    )
    paid_date: Mapped[date | None] = mapped_column(Date)
    import_fingerprint: Mapped[str] = mapped_column(String(64), default="")
    """Hash of the imported rows: re-importing the same file changes nothing."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer = relationship("Customer")
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )

    def days_late(self, today: date) -> int:
        """Calendar days past the due date (0 when not yet due or paid)."""
        if self.status is InvoiceStatus.PAID:
            return 0
        return max(0, (today - self.due_date).days)

    def is_overdue(self, today: date) -> bool:
        return self.status is InvoiceStatus.OPEN and self.due_date < today


class InvoiceLine(db.Model):
    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(String(500), default="")
    quantity: Mapped[Decimal] = mapped_column(DecimalText)
    unit_price: Mapped[Decimal] = mapped_column(DecimalText)
    tax_rate: Mapped[Decimal] = mapped_column(DecimalText)
    net_cents: Mapped[int] = mapped_column(Integer)
    tax_cents: Mapped[int] = mapped_column(Integer)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")

    @property
    def total_cents(self) -> int:
        return self.net_cents + self.tax_cents


class CreditNote(db.Model):
    """A credit note (avoir) reducing what one invoice's customer owes on it."""

    __tablename__ = "credit_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    date: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invoice = relationship("Invoice")
