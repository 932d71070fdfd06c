"""A customer's unallocated credit: what payments hold beyond their allocations.

A transfer that paid more than the invoices it named, or an online payment
whose invoice was paid meanwhile, leaves money on the payment that no invoice
took. It stays visible on the customer's page until the creditor allocates it
to an open invoice or records that they refunded it; both go through the
ledger. Once nothing is left, the tasks that asked for that decision close.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Customer, Invoice, Payment, PaymentAllocation
from portal.services import audit, tasks
from portal.services.errors import N_, NotFound
from portal.services.payments import ledger

#: Tasks that ask what to do with a credit: a bank transfer's excess, an online payment's.
TASK_KINDS = ("unallocated_credit", "overpayment")


@dataclass(frozen=True)
class Credit:
    payment: Payment
    cents: int


def customer_credit(customer_id: int) -> list[Credit]:
    """The customer's payments that still hold money, oldest first (one query)."""
    allocated = (
        select(func.coalesce(func.sum(PaymentAllocation.amount_cents), 0))
        .where(PaymentAllocation.payment_id == Payment.id)
        .scalar_subquery()
    )
    left = Payment.amount_cents - allocated
    rows = db.session.execute(
        select(Payment, left)
        .where(Payment.customer_id == customer_id, left > 0)
        .order_by(Payment.date, Payment.id)
    ).all()
    return [Credit(payment, cents) for payment, cents in rows]


def totals(credits: list[Credit]) -> dict[str, int]:
    """Credit per currency."""
    result: dict[str, int] = {}
    for credit in credits:
        result[credit.payment.currency] = result.get(credit.payment.currency, 0) + credit.cents
    return result


def allocate(
    customer: Customer,
    payment_id: int,
    invoice_id: int,
    cents: int,
    *,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """Put part of a payment's credit on one of the customer's open invoices."""
    payment = _payment(customer, payment_id)
    invoice = db.session.get(Invoice, invoice_id, with_for_update=True, populate_existing=True)
    if invoice is None:
        raise NotFound(N_("No such invoice."))
    ledger.allocate_credit(payment, invoice, cents, actor=actor, now=now)
    _close_tasks_when_settled(customer, actor=actor, now=now)


def refund(
    customer: Customer,
    payment_id: int,
    cents: int,
    *,
    note: str,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """Record that the creditor paid back part of a payment's credit."""
    payment = _payment(customer, payment_id)
    ledger.refund_credit(payment, cents, actor=actor, now=now, note=note)
    _close_tasks_when_settled(customer, actor=actor, now=now)


def _payment(customer: Customer, payment_id: int) -> Payment:
    """The customer's payment, locked: two tabs allocating at once must not spend its credit twice."""
    payment = db.session.get(Payment, payment_id, with_for_update=True, populate_existing=True)
    if payment is None or payment.customer_id != customer.id:
        raise NotFound(N_("No such payment."))
    return payment


def _close_tasks_when_settled(customer: Customer, *, actor: audit.Actor, now: datetime) -> None:
    db.session.flush()
    if not customer_credit(customer.id):
        tasks.close_customer_tasks(customer.id, TASK_KINDS, actor=actor, now=now)
