"""The ledger's one rule: outstanding = total - paid - credited, and the status it implies.

Every path that sets an invoice's balance applies it: the ledger to ORM
invoices after each payment, reversal or credit note, invoicing to a new
invoice, and the importers and `ledger_bulk` to many invoices at a time
through `InvoiceBalance`, a small stand-in that spares loading tens of
thousands of Invoice objects (most of an import's time otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import CreditNote, Invoice, InvoiceStatus, PaymentAllocation


def refresh_balance(invoice: Invoice, paid_on: date | None = None) -> None:
    """Recompute paid, credited, outstanding and status from the rows themselves."""
    db.session.flush()
    invoice.paid_cents = db.session.scalar(
        select(func.coalesce(func.sum(PaymentAllocation.amount_cents), 0)).where(
            PaymentAllocation.invoice_id == invoice.id
        )
    )
    invoice.credited_cents = db.session.scalar(
        select(func.coalesce(func.sum(CreditNote.amount_cents), 0)).where(
            CreditNote.invoice_id == invoice.id
        )
    )
    apply_totals(invoice, paid_on)


def apply_totals(invoice: Invoice, paid_on: date | None = None) -> None:
    """Derive outstanding and status from total, paid and credited."""
    invoice.outstanding_cents = invoice.total_cents - invoice.paid_cents - invoice.credited_cents
    if invoice.outstanding_cents <= 0:
        if invoice.status is not InvoiceStatus.PAID:
            invoice.paid_date = paid_on or invoice.paid_date or invoice.due_date
        invoice.status = InvoiceStatus.PAID
    else:
        invoice.status = InvoiceStatus.OPEN
        invoice.paid_date = None


@dataclass
class InvoiceBalance:
    """What `apply_totals` reads and writes, without an ORM object per invoice."""

    total_cents: int
    paid_cents: int
    credited_cents: int
    due_date: date
    status: InvoiceStatus = InvoiceStatus.OPEN
    paid_date: date | None = None
    outstanding_cents: int = 0

    def apply(self, paid_on: date | None = None) -> InvoiceBalance:
        apply_totals(self, paid_on)  # type: ignore[arg-type]
        return self

    def columns(self) -> dict[str, Any]:
        """The invoice's columns as this balance sets them."""
        return {
            "total_cents": self.total_cents,
            "paid_cents": self.paid_cents,
            "credited_cents": self.credited_cents,
            "outstanding_cents": self.outstanding_cents,
            "status": self.status,
            "paid_date": self.paid_date,
        }
