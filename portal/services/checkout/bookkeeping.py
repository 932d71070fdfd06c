"""The money of an online payment: booked once per Checkout Session, taken back on a refund.

Stripe may announce the same payment several times, late, or from two
deliveries at once; the payment is keyed on the session id (`stripe:<id>`),
which the database keeps unique, so only one booking can ever commit. The
ledger books it (`ledger.record_received_payment`): what is allocated never
exceeds what the invoices still owe, the rest is left visible on the payment,
for the creditor to refund or keep.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from portal.extensions import db
from portal.models import AttemptStatus as S
from portal.models import CheckoutAttempt, Invoice, Payment, PaymentMethod
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
    attempt: CheckoutAttempt,
    session: dict,
    *,
    now: datetime,
    today: date,
    delayed: bool,
    instance_path: Path | None = None,
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
    send_receipts(attempt, payment, excess, now=now, today=today, instance_path=instance_path)
    return str(S.PAID)


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
    payment, left = ledger.record_received_payment(
        [(invoice, wanted[invoice.id]) for invoice in invoices],
        customer_id=attempt.customer_id,
        currency=attempt.currency,
        amount_cents=amount,
        paid_on=today,
        method=method,
        reference=(attempt.session_id or "")[:140],
        actor=audit.Actor.system(),
        now=now,
        source="stripe",
        external_key=key,  # a concurrent twin fails on this unique key
    )
    if left > 0:
        tell_creditor(
            attempt, "excess", left, now=now, today=today, notify=False, title=EXCESS_TITLE
        )
    return payment, left
