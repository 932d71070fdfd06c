"""The money of an online payment: booked once per Checkout Session, taken back on a refund.

Stripe may announce the same payment several times, late, or from two
deliveries at once; the payment is keyed on the session id (`stripe:<id>`),
which the database keeps unique, so only one booking can ever commit. What is
booked never exceeds what the invoices still owe: the rest is left visible on
the payment, for the creditor to refund or keep.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import AttemptStatus as S
from portal.models import (
    CheckoutAttempt,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentMethod,
)
from portal.services import audit
from portal.services.checkout.attempts import FORWARD, move
from portal.services.checkout.receipts import send_receipts, tell_creditor
from portal.services.errors import N_
from portal.services.payments import ledger

EXCESS_TITLE = N_(
    "Online payment exceeds what was still due by %(amount)s (invoices %(numbers)s): "
    "refund or keep as credit"
)


def mark_paid(
    attempt: CheckoutAttempt, session: dict, *, now: datetime, today: date, delayed: bool
) -> str:
    """Book the session's payment, move the attempt to paid and queue the receipts."""
    if S.PAID not in FORWARD[attempt.status]:
        return "unchanged"
    method = _method(session, delayed or attempt.status is S.PROCESSING)
    amount = int(session.get("amount_total") or attempt.amount_cents)
    payment, excess = _record(attempt, amount, method, now=now, today=today)
    attempt.payment_id = payment.id
    move(
        attempt,
        S.PAID,
        now=now,
        actor=audit.Actor.system(),
        payment_id=payment.id,
        session_id=attempt.session_id,
        excess_cents=excess,
    )
    send_receipts(attempt, payment, excess, now=now, today=today)
    return str(S.PAID)


def reverse(payment: Payment, cents: int) -> dict[int, int]:
    """Take `cents` back off a payment: its excess first, then its latest invoices.

    The ledger-level twin of recording: allocations shrink and each touched
    invoice's balance is recomputed by `ledger.refresh_balance`. Returns
    {invoice id: cents reopened}.
    """
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
        ledger.refresh_balance(db.session.get(Invoice, invoice_id))
    return reopened


def _method(session: dict, delayed: bool) -> PaymentMethod:
    """Checkout does not say which method was used: one offered, or delayed means SEPA."""
    offered = session.get("payment_method_types") or []
    if len(offered) == 1 and offered[0] in ("card", "sepa_debit"):
        return PaymentMethod(offered[0])
    return PaymentMethod.SEPA_DEBIT if delayed else PaymentMethod.CARD


def _record(
    attempt: CheckoutAttempt, amount: int, method: PaymentMethod, *, now: datetime, today: date
) -> tuple[Payment, int]:
    """One payment for the session, allocated to what each invoice still owes.

    Never more than is still due: an invoice paid meanwhile by transfer gets
    nothing more, and the excess stays on the payment, unallocated, for the
    creditor to refund (a task says so). Returns the payment and that excess.
    """
    key = f"stripe:{attempt.session_id}"
    existing = db.session.scalar(select(Payment).where(Payment.external_key == key))
    if existing is not None:
        return existing, 0
    wanted = {int(k): v for k, v in attempt.allocations.items()}
    invoices = db.session.scalars(
        select(Invoice)
        .where(Invoice.id.in_(wanted), Invoice.customer_id == attempt.customer_id)
        .order_by(Invoice.due_date, Invoice.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    payment = Payment(
        customer_id=attempt.customer_id,
        date=today,
        amount_cents=amount,
        currency=attempt.currency,
        method=method,
        reference=(attempt.session_id or "")[:140],
        source="stripe",
        external_key=key,
        created_at=now,
    )
    left = amount
    for invoice in invoices:
        due = invoice.outstanding_cents if invoice.status is InvoiceStatus.OPEN else 0
        cents = min(wanted[invoice.id], max(due, 0), left)
        if cents > 0:
            payment.allocations.append(PaymentAllocation(invoice_id=invoice.id, amount_cents=cents))
            left -= cents
    db.session.add(payment)
    db.session.flush()  # a concurrent twin fails here, on the unique external_key
    for allocation in payment.allocations:
        invoice = next(i for i in invoices if i.id == allocation.invoice_id)
        ledger.refresh_balance(invoice, today)
        audit.record(
            audit.Actor.system(),
            "payment.recorded",
            "payment",
            payment.id,
            at=now,
            customer_id=attempt.customer_id,
            invoice_id=invoice.id,
            amount_cents=allocation.amount_cents,
            currency=payment.currency,
            method=str(method),
            reference=payment.reference,
            source="stripe",
        )
    if left > 0:
        audit.record(
            audit.Actor.system(),
            "payment.excess",
            "payment",
            payment.id,
            at=now,
            customer_id=attempt.customer_id,
            amount_cents=left,
            currency=payment.currency,
        )
        tell_creditor(
            attempt, "excess", left, now=now, today=today, notify=False, title=EXCESS_TITLE
        )
    return payment, left
