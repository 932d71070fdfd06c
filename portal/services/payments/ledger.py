"""Money on invoices: payments, allocations, credit notes and balances.

The only place that creates payments, allocations and credit notes, and that
changes an invoice's paid, credited and outstanding amounts, so the stored
balance always equals total - allocations - credits. Every path that moves
money (the dashboard, paid declarations, online payment and its refunds,
accepted disputes, the demo) comes through here one payment at a time;
imports come through `ledger_bulk`, which applies the same rule in bulk.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    AuditAction,
    CreditNote,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentMethod,
)
from portal.services import audit
from portal.services.errors import N_, InvalidAmount, InvoiceNotPayable
from portal.services.payments.balances import InvoiceBalance, refresh_balance


def recorded_details(
    *,
    customer_id: int,
    invoice_id: int,
    amount_cents: int,
    currency: str,
    method: PaymentMethod,
    reference: str,
    source: str,
    payment_amount_cents: int,
) -> dict[str, Any]:
    """What a `payment.recorded` event says, whichever path booked the payment."""
    return {
        "customer_id": customer_id,
        "invoice_id": invoice_id,
        "amount_cents": amount_cents,
        "currency": currency,
        "method": str(method),
        "reference": reference,
        "source": source,
        "payment_amount_cents": payment_amount_cents,
    }


def record_payment(
    invoice: Invoice,
    *,
    amount_cents: int,
    paid_on: date,
    method: PaymentMethod,
    reference: str,
    actor: audit.Actor,
    now: datetime,
    source: str = "manual",
    external_key: str | None = None,
) -> Payment:
    """Record money received for one invoice; refuses more than is still due."""
    return record_split_payment(
        [(invoice, amount_cents)],
        paid_on=paid_on,
        method=method,
        reference=reference,
        actor=actor,
        now=now,
        source=source,
        external_key=external_key,
    )


def record_split_payment(
    shares: Sequence[tuple[Invoice, int]],
    *,
    paid_on: date,
    method: PaymentMethod,
    reference: str,
    actor: audit.Actor,
    now: datetime,
    source: str = "manual",
    external_key: str | None = None,
) -> Payment:
    """One payment settling several invoices of one customer (one transfer for a selection).

    Each share is checked as `record_payment` checks its amount, so no invoice
    ever receives more than is still due on it.
    """
    if not shares:
        raise InvalidAmount(N_("The amount must be greater than zero."))
    first = shares[0][0]
    _check_one_payer([invoice for invoice, _ in shares], first.customer_id, first.currency)
    for invoice, cents in shares:
        check_payable(invoice, cents)
    return _book(
        first.customer_id,
        first.currency,
        shares,
        amount_cents=sum(cents for _, cents in shares),
        paid_on=paid_on,
        method=method,
        reference=reference,
        actor=actor,
        now=now,
        source=source,
        external_key=external_key,
    )


def record_received_payment(
    wanted: Sequence[tuple[Invoice, int]],
    *,
    customer_id: int,
    currency: str,
    amount_cents: int,
    paid_on: date,
    method: PaymentMethod,
    reference: str,
    actor: audit.Actor,
    now: datetime,
    source: str,
    external_key: str | None = None,
) -> tuple[Payment, int]:
    """Money already taken (online), allocated in order to what each invoice still owes.

    Unlike `record_split_payment` nothing is refused: an invoice paid
    meanwhile gets nothing more, and what no invoice can take stays on the
    payment, unallocated and audited as `payment.excess`, for the creditor to
    refund or keep. Returns the payment and that excess.
    """
    if amount_cents <= 0:
        raise InvalidAmount(N_("The amount must be greater than zero."))
    _check_one_payer([invoice for invoice, _ in wanted], customer_id, currency)
    shares, left = [], amount_cents
    for invoice, cents in wanted:
        due = invoice.outstanding_cents if invoice.status is InvoiceStatus.OPEN else 0
        take = min(cents, max(due, 0), left)
        if take > 0:
            shares.append((invoice, take))
            left -= take
    payment = _book(
        customer_id,
        currency,
        shares,
        amount_cents=amount_cents,
        paid_on=paid_on,
        method=method,
        reference=reference,
        actor=actor,
        now=now,
        source=source,
        external_key=external_key,
    )
    if left > 0:
        audit.record(
            actor,
            "payment.excess",
            "payment",
            payment.id,
            at=now,
            customer_id=customer_id,
            amount_cents=left,
            currency=currency,
        )
    return payment, left


def check_payable(invoice: Invoice | InvoiceBalance, cents: int) -> None:
    """What every payment share and credit note must pass: positive, and no more than is due."""
    if cents <= 0:
        raise InvalidAmount(N_("The amount must be greater than zero."))
    if invoice.status is InvoiceStatus.PAID or invoice.outstanding_cents <= 0:
        raise InvoiceNotPayable(N_("This invoice is already paid."))
    if cents > invoice.outstanding_cents:
        raise InvalidAmount(N_("The amount is more than what is still due on this invoice."))


def _check_one_payer(invoices: list[Invoice], customer_id: int, currency: str) -> None:
    if len({i.id for i in invoices}) != len(invoices):
        raise InvalidAmount(N_("An invoice appears twice in the same payment."))
    if any(i.customer_id != customer_id or i.currency != currency for i in invoices):
        raise InvalidAmount(N_("One payment settles invoices of one customer, in one currency."))


def _book(
    customer_id: int,
    currency: str,
    shares: Sequence[tuple[Invoice, int]],
    *,
    amount_cents: int,
    paid_on: date,
    method: PaymentMethod,
    reference: str,
    actor: audit.Actor,
    now: datetime,
    source: str,
    external_key: str | None,
) -> Payment:
    """Write the payment and its allocations, then rebalance and audit each invoice."""
    payment = Payment(
        customer_id=customer_id,
        date=paid_on,
        amount_cents=amount_cents,
        currency=currency,
        method=method,
        reference=reference.strip(),
        source=source,
        external_key=external_key,
        created_at=now,
    )
    for invoice, cents in shares:
        payment.allocations.append(PaymentAllocation(invoice_id=invoice.id, amount_cents=cents))
    db.session.add(payment)
    db.session.flush()  # a second payment with the same external_key fails here
    for invoice, cents in shares:
        refresh_balance(invoice, paid_on)
        details = recorded_details(
            customer_id=customer_id,
            invoice_id=invoice.id,
            amount_cents=cents,
            currency=currency,
            method=method,
            reference=payment.reference,
            source=source,
            payment_amount_cents=amount_cents,
        )
        audit.record(actor, "payment.recorded", "payment", payment.id, at=now, **details)
    return payment


def unallocated_cents(payment: Payment) -> int:
    """What a payment holds beyond its allocations: credit the customer still has."""
    return payment.amount_cents - sum(a.amount_cents for a in payment.allocations)


def allocate_credit(
    payment: Payment, invoice: Invoice, cents: int, *, actor: audit.Actor, now: datetime
) -> PaymentAllocation:
    """Put part of a payment's unallocated amount on one open invoice of the same customer.

    Refuses more than the payment has left or than the invoice still owes. The
    invoice counts as paid on the payment's date (not before it was issued).
    """
    _check_one_payer([invoice], payment.customer_id, payment.currency)
    check_payable(invoice, cents)
    if cents > unallocated_cents(payment):
        raise InvalidAmount(N_("The amount is more than the credit left on this payment."))
    allocation = next((a for a in payment.allocations if a.invoice_id == invoice.id), None)
    if allocation is None:
        allocation = PaymentAllocation(invoice_id=invoice.id, amount_cents=0)
        payment.allocations.append(allocation)
    allocation.amount_cents += cents
    refresh_balance(invoice, max(payment.date, invoice.issue_date))
    audit.record(
        actor,
        AuditAction.PAYMENT_ALLOCATED,
        "payment",
        payment.id,
        at=now,
        customer_id=payment.customer_id,
        invoice_id=invoice.id,
        amount_cents=cents,
        currency=payment.currency,
        left_cents=unallocated_cents(payment),
    )
    return allocation


def refund_credit(
    payment: Payment, cents: int, *, actor: audit.Actor, now: datetime, note: str = ""
) -> None:
    """The creditor paid back `cents` of a payment's unallocated amount: the payment shrinks."""
    if cents <= 0:
        raise InvalidAmount(N_("The amount must be greater than zero."))
    if cents > unallocated_cents(payment):
        raise InvalidAmount(N_("The amount is more than the credit left on this payment."))
    reverse_payment(payment, cents, actor=actor, now=now, reason="credit_refund", note=note)


def reverse_payment(
    payment: Payment,
    cents: int,
    *,
    actor: audit.Actor,
    now: datetime,
    reason: str = "refund",
    note: str = "",
) -> dict[int, int]:
    """Take `cents` back off a payment (refunded, returned): its excess first, then its latest invoices.

    Allocations shrink and the invoices they leave unpaid reopen. Returns {invoice id: cents}.
    """
    if not 0 < cents <= payment.amount_cents:
        raise ValueError(f"cannot take {cents} cents back off a payment of {payment.amount_cents}")
    allocated = sum(a.amount_cents for a in payment.allocations)
    remaining = max(0, cents - max(0, payment.amount_cents - allocated))
    reopened: dict[int, int] = {}
    for allocation in sorted(payment.allocations, key=lambda a: a.id, reverse=True):
        if remaining <= 0:
            break
        take = min(allocation.amount_cents, remaining)
        allocation.amount_cents -= take
        remaining -= take
        reopened[allocation.invoice_id] = take
        if allocation.amount_cents == 0:
            payment.allocations.remove(allocation)
    payment.amount_cents -= cents
    db.session.flush()
    for invoice_id in reopened:
        refresh_balance(db.session.get(Invoice, invoice_id))
    audit.record(
        actor,
        "payment.refunded",
        "payment",
        payment.id,
        at=now,
        customer_id=payment.customer_id,
        amount_cents=cents,
        currency=payment.currency,
        kept_cents=payment.amount_cents,
        reopened={str(k): v for k, v in reopened.items()},
        **({"reason": reason, "note": note.strip()} if note.strip() else {}),
    )
    for invoice_id, taken in reopened.items():
        audit.record(
            actor,
            "invoice.reopened",
            "invoice",
            invoice_id,
            at=now,
            customer_id=payment.customer_id,
            invoice_id=invoice_id,
            amount_cents=taken,
            currency=payment.currency,
            reason=reason,
        )
    return reopened


def record_credit_note(
    invoice: Invoice,
    *,
    amount_cents: int,
    issued_on: date,
    reason: str,
    actor: audit.Actor,
    now: datetime,
    number: str | None = None,
) -> CreditNote:
    """A credit note lowering what is due on one invoice; never more than is still due.

    Without a `number`, the invoice's next one: AV-<invoice number>-<n>.
    """
    check_payable(invoice, amount_cents)
    if number is None:
        notes = select(func.count(CreditNote.id)).where(CreditNote.invoice_id == invoice.id)
        number = f"AV-{invoice.number}-{db.session.scalar(notes) + 1}"
    note = CreditNote(
        number=number,
        customer_id=invoice.customer_id,
        invoice_id=invoice.id,
        date=issued_on,
        amount_cents=amount_cents,
        currency=invoice.currency,
        reason=reason,
        created_at=now,
    )
    db.session.add(note)
    db.session.flush()
    refresh_balance(invoice, issued_on)
    audit.record(
        actor,
        "credit_note.created",
        "credit_note",
        note.id,
        at=now,
        customer_id=invoice.customer_id,
        invoice_id=invoice.id,
        amount_cents=amount_cents,
        currency=invoice.currency,
        number=note.number,
    )
    return note
