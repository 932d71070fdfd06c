"""A checkout attempt's life: the moves it may make, and what it was for.

Both the debtor's side (starting a new attempt expires the previous ones) and
Stripe's webhooks move attempts, and both must obey the same forward-only
rule, so that rule lives here, once, beside the look-ups both sides share.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import AttemptStatus, CheckoutAttempt, Customer, Invoice
from portal.services import audit
from portal.services.errors import N_, NotFound

S = AttemptStatus

#: The only moves an attempt may make. EXPIRED → PAID is there because Stripe's word
#: that money was taken beats our own bookkeeping: money is never left unrecorded.
FORWARD: dict[AttemptStatus, set[AttemptStatus]] = {
    S.OPEN: {S.PROCESSING, S.PAID, S.FAILED, S.EXPIRED},
    S.PROCESSING: {S.PAID, S.FAILED},
    S.PAID: {S.REFUNDED},
    S.EXPIRED: {S.PAID},
    S.FAILED: set(),
    S.REFUNDED: set(),
}


def move(
    attempt: CheckoutAttempt, target: AttemptStatus, *, now: datetime, actor: audit.Actor, **details
) -> bool:
    """Forward only; anything else changes nothing (late or repeated news)."""
    if target not in FORWARD[attempt.status]:
        return False
    previous = attempt.status
    attempt.status = target
    attempt.updated_at = now
    audit.record(
        actor,
        f"checkout.{target}",
        "checkout_attempt",
        attempt.id,
        at=now,
        customer_id=attempt.customer_id,
        previous=str(previous),
        amount_cents=attempt.amount_cents,
        currency=attempt.currency,
        **details,
    )
    return True


def attempt_of(customer: Customer, attempt_id: int) -> CheckoutAttempt:
    """One attempt of this customer; someone else's is NotFound, like an unknown one."""
    attempt = db.session.scalar(
        select(CheckoutAttempt).where(
            CheckoutAttempt.id == attempt_id, CheckoutAttempt.customer_id == customer.id
        )
    )
    if attempt is None:
        raise NotFound(N_("No such payment."))
    return attempt


def attempt_invoices(attempt: CheckoutAttempt) -> list[tuple[Invoice, int]]:
    """The invoices an attempt was for, with the amount meant for each."""
    wanted = {int(k): v for k, v in attempt.allocations.items()}
    invoices = db.session.scalars(
        select(Invoice).where(Invoice.id.in_(wanted)).order_by(Invoice.due_date, Invoice.id)
    )
    return [(invoice, wanted[invoice.id]) for invoice in invoices]
