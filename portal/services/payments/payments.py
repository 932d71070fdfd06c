"""Recording payments that reach the creditor outside the portal."""

from __future__ import annotations

from datetime import date, datetime

from portal.models import Invoice, Payment, PaymentMethod
from portal.services import audit
from portal.services.payments import ledger


def record_manual_payment(
    invoice: Invoice,
    *,
    amount_cents: int,
    paid_on: date,
    method: PaymentMethod,
    reference: str,
    actor: audit.Actor,
    now: datetime,
) -> Payment:
    """A payment the creditor saw on their bank statement, or a cheque received."""
    payment = ledger.record_payment(
        invoice,
        amount_cents=amount_cents,
        paid_on=paid_on,
        method=method,
        reference=reference,
        actor=actor,
        now=now,
        source="manual",
    )
    return payment
