"""What a debtor sees of their account, always scoped to their own customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.models import Customer, Invoice, InvoiceStatus, Payment, TransferReference
from portal.services.errors import NotFound
from portal.services.payments import standing
from portal.services.payments.standing import Standing, State
from portal.services.workspace import invoices as invoice_reads


@dataclass
class Overview:
    open_invoices: list[Standing]
    paid_invoices: list[Invoice]
    payments: list
    due_now_cents: int
    """What is preselected: due today or late, and waiting for nothing else."""
    not_yet_due_cents: int
    waiting_cents: int
    """In a plan, declared paid, being paid online or disputed: shown, never totalled."""
    currency: str

    @property
    def preselected_ids(self) -> set[int]:
        return {s.invoice.id for s in self.open_invoices if s.preselected}

    @property
    def selectable(self) -> bool:
        return any(s.selectable for s in self.open_invoices)

    @property
    def has_overdue(self) -> bool:
        """The page shows a reminder outlook on overdue invoices only."""
        return any(s.state is State.OVERDUE for s in self.open_invoices)


def overview(customer: Customer, today: date) -> Overview:
    account = invoice_reads.customer_account(customer, today)
    # the invoices standing would read again: open ones with something due, same order
    due = [i for i in account.open_invoices if i.outstanding_cents > 0]
    rows = standing.for_customer(customer, today, due)
    due_now = sum(s.payable_cents for s in rows if s.preselected)
    not_yet = sum(s.payable_cents for s in rows if s.state is State.NOT_DUE)
    payable = sum(s.payable_cents for s in rows)
    waiting = sum(s.invoice.outstanding_cents for s in rows) - payable
    currency = rows[0].invoice.currency if rows else account.currency
    return Overview(
        rows, account.paid_invoices, account.payments, due_now, not_yet, waiting, currency
    )


def standing_of(customer: Customer, invoice: Invoice, today: date) -> Standing | None:
    """Where an open invoice stands for the debtor; None once nothing is due on it."""
    if invoice.status is not InvoiceStatus.OPEN or invoice.outstanding_cents <= 0:
        return None
    return standing.for_customer(customer, today, [invoice])[0]


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


def payment_of(customer: Customer, payment_id: int) -> Payment:
    """One of this customer's payments; another customer's is NotFound, never a hint."""
    payment = db.session.scalar(
        select(Payment).where(Payment.id == payment_id, Payment.customer_id == customer.id)
    )
    if payment is None:
        raise NotFound("No such payment.")
    return payment
