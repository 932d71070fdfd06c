"""Money on invoices: payments, allocations, credit notes and balances.

The only place that changes an invoice's paid, credited and outstanding
amounts, so the stored balance always equals total - allocations - credits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from portal.extensions import db
from portal.models import (
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentMethod,
)
from portal.services import audit
from portal.services.errors import N_, InvalidAmount, InvoiceNotPayable
from portal.services.payments.balances import refresh_balance


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
    invoices = [invoice for invoice, _ in shares]
    if len({i.id for i in invoices}) != len(invoices):
        raise InvalidAmount(N_("An invoice appears twice in the same payment."))
    if len({i.customer_id for i in invoices}) > 1 or len({i.currency for i in invoices}) > 1:
        raise InvalidAmount(N_("One payment settles invoices of one customer, in one currency."))
    for invoice, cents in shares:
        if cents <= 0:
            raise InvalidAmount(N_("The amount must be greater than zero."))
        if invoice.status is InvoiceStatus.PAID or invoice.outstanding_cents <= 0:
            raise InvoiceNotPayable(N_("This invoice is already paid."))
        if cents > invoice.outstanding_cents:
            raise InvalidAmount(N_("The amount is more than what is still due on this invoice."))
    first = invoices[0]
    payment = Payment(
        customer_id=first.customer_id,
        date=paid_on,
        amount_cents=sum(cents for _, cents in shares),
        currency=first.currency,
        method=method,
        reference=reference.strip(),
        source=source,
        external_key=external_key,
        created_at=now,
    )
    for invoice, cents in shares:
        payment.allocations.append(PaymentAllocation(invoice_id=invoice.id, amount_cents=cents))
    db.session.add(payment)
    db.session.flush()
    for invoice, cents in shares:
        refresh_balance(invoice, paid_on)
        audit.record(
            actor,
            "payment.recorded",
            "payment",
            payment.id,
            at=now,
            customer_id=invoice.customer_id,
            invoice_id=invoice.id,
            amount_cents=cents,
            currency=invoice.currency,
            method=str(method),
            reference=payment.reference,
            source=source,
            payment_amount_cents=payment.amount_cents,
        )
    return payment
