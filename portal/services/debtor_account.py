"""What a debtor sees of their account, always scoped to their own customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.models import Customer, Invoice, TransferReference
from portal.services.errors import NotFound
from portal.services.payments.selection import payable_cents, processing_invoice_ids
from portal.services.workspace import invoices as invoice_reads


@dataclass
class OpenInvoice:
    invoice: Invoice
    processing: bool
    overdue: bool


@dataclass
class Overview:
    open_invoices: list[OpenInvoice]
    paid_invoices: list[Invoice]
    payments: list
    due_now_cents: int
    not_yet_due_cents: int
    processing_cents: int
    currency: str

    @property
    def preselected_ids(self) -> set[int]:
        """Overdue invoices are ticked for the debtor; the rest is their choice."""
        return {o.invoice.id for o in self.open_invoices if o.overdue and not o.processing}


def overview(customer: Customer, today: date) -> Overview:
    account = invoice_reads.customer_account(customer, today)
    busy = processing_invoice_ids(customer)
    rows = [OpenInvoice(i, i.id in busy, i.due_date < today) for i in account.open_invoices]
    payable = payable_cents(account.open_invoices)  # a disputed part waits for the decision
    due_now = sum(
        payable[r.invoice.id]
        for r in rows
        if (r.overdue or r.invoice.due_date == today) and not r.processing
    )
    processing = sum(r.invoice.outstanding_cents for r in rows if r.processing)
    not_yet = sum(
        r.invoice.outstanding_cents for r in rows if r.invoice.due_date > today and not r.processing
    )
    return Overview(
        rows,
        account.paid_invoices,
        account.payments,
        due_now,
        not_yet,
        processing,
        account.currency,
    )


def invoice_of(customer: Customer, invoice_id: int) -> Invoice:
    invoice = db.session.scalar(
        select(Invoice).where(Invoice.id == invoice_id, Invoice.customer_id == customer.id)
    )
    if invoice is None:
        raise NotFound("No such invoice.")
    return invoice


def invoice_details(invoice: Invoice):
    return invoice_reads.invoice_details(invoice)


def transfer_reference_of(customer: Customer, reference_id: int) -> TransferReference | None:
    return db.session.scalar(
        select(TransferReference).where(
            TransferReference.id == reference_id, TransferReference.customer_id == customer.id
        )
    )
