"""Reading invoices and customer accounts for display."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, bindparam, select

from portal.extensions import db
from portal.models import (
    CreditNote,
    Customer,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
)
from portal.services.errors import NotFound
from portal.statements import built_once


def get(invoice_id: int) -> Invoice:
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("No such invoice.")
    return invoice


@dataclass
class Account:
    open_invoices: list[Invoice]
    paid_invoices: list[Invoice]
    payments: list[Payment]
    outstanding_cents: int
    overdue_cents: int
    not_due_cents: int
    currency: str


@built_once
def _invoices_in_status(status: InvoiceStatus) -> Select:
    """Open ones by due date; paid ones latest first, as many as asked."""
    query = select(Invoice).where(
        Invoice.customer_id == bindparam("customer_id"), Invoice.status == status
    )
    if status is InvoiceStatus.OPEN:
        return query.order_by(Invoice.due_date, Invoice.id)
    return query.order_by(Invoice.paid_date.desc(), Invoice.id.desc()).limit(bindparam("limit"))


@built_once
def _latest_payments() -> Select:
    return (
        select(Payment)
        .where(Payment.customer_id == bindparam("customer_id"))
        .order_by(Payment.date.desc(), Payment.id.desc())
        .limit(bindparam("limit"))
    )


def customer_account(customer: Customer, today: date, paid_limit: int = 50) -> Account:
    values = {"customer_id": customer.id, "limit": paid_limit}
    open_invoices = list(db.session.scalars(_invoices_in_status(InvoiceStatus.OPEN), values))
    paid_invoices = list(db.session.scalars(_invoices_in_status(InvoiceStatus.PAID), values))
    payments = list(db.session.scalars(_latest_payments(), values))
    overdue = sum(i.outstanding_cents for i in open_invoices if i.due_date < today)
    outstanding = sum(i.outstanding_cents for i in open_invoices)
    currency = open_invoices[0].currency if open_invoices else "EUR"
    return Account(
        open_invoices,
        paid_invoices,
        payments,
        outstanding,
        overdue,
        outstanding - overdue,
        currency,
    )


@dataclass
class InvoiceDetails:
    allocations: list[tuple[PaymentAllocation, Payment]]
    credit_notes: list[CreditNote]


def invoice_details(invoice: Invoice) -> InvoiceDetails:
    allocations = db.session.execute(
        select(PaymentAllocation, Payment)
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(PaymentAllocation.invoice_id == invoice.id)
        .order_by(Payment.date, Payment.id)
    ).all()
    credit_notes = list(
        db.session.scalars(
            select(CreditNote).where(CreditNote.invoice_id == invoice.id).order_by(CreditNote.date)
        )
    )
    return InvoiceDetails([tuple(row) for row in allocations], credit_notes)
