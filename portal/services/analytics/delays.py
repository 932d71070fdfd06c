"""How late each customer pays, from the payments of the last year.

Each payment allocated to an invoice counts for its amount: a customer who
pays a large invoice 30 days late and a small one on time pays about 30 days
late. The figure the issue calls "average days late" floors each payment at 0
(paying early earns nothing); the forecast uses the same average without the
floor, since an early payer's money does come early.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy import case, func, select

from portal.extensions import db
from portal.models import Invoice, Payment, PaymentAllocation
from portal.services.analytics.sql import days

YEAR = 365


@dataclass
class PaymentDelays:
    """Σ amounts and Σ amount × days of one customer's payments in a window."""

    paid_cents: int = 0
    late_days_cents: int = 0
    """Floored at 0 per payment."""
    signed_days_cents: int = 0
    late_paid_cents: int = 0
    """Paid after the due date."""

    @property
    def average_late(self) -> Fraction | None:
        return Fraction(self.late_days_cents, self.paid_cents) if self.paid_cents > 0 else None

    @property
    def average_delay(self) -> Fraction | None:
        return Fraction(self.signed_days_cents, self.paid_cents) if self.paid_cents > 0 else None


def per_customer(today: date, currency: str, window_days: int = YEAR) -> dict[int, PaymentDelays]:
    """Payments dated in (today - window, today], grouped by customer, in one query."""
    return {cid: year for cid, (year, _) in split(today, currency, window_days).items()}


def split(
    today: date, currency: str, window_days: int = YEAR, recent_days: int = 90
) -> dict[int, tuple[PaymentDelays, PaymentDelays]]:
    """Per customer, the window's delays and those of its last `recent_days`, in one scan."""
    delay = days(Payment.date, Invoice.due_date)
    amount = PaymentAllocation.amount_cents
    recent = Payment.date > today - timedelta(days=recent_days)

    def sums(condition):
        late = delay > 0
        return (
            func.sum(case((condition, amount), else_=0)),
            func.sum(case((condition & late, amount * delay), else_=0)),
            func.sum(case((condition, amount * delay), else_=0)),
            func.sum(case((condition & late, amount), else_=0)),
        )

    rows = db.session.execute(
        select(Invoice.customer_id, *sums(Payment.date <= today), *sums(recent))
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
        .where(
            Payment.currency == currency,
            Payment.date > today - timedelta(days=window_days),
            Payment.date <= today,
        )
        .group_by(Invoice.customer_id)
    )
    found = {}
    for cid, *values in rows:
        numbers = [int(v or 0) for v in values]
        if numbers[0]:
            found[cid] = (PaymentDelays(*numbers[:4]), PaymentDelays(*numbers[4:]))
    return found


def portfolio(delays: dict[int, PaymentDelays]) -> PaymentDelays:
    total = PaymentDelays()
    for d in delays.values():
        total.paid_cents += d.paid_cents
        total.late_days_cents += d.late_days_cents
        total.signed_days_cents += d.signed_days_cents
        total.late_paid_cents += d.late_paid_cents
    return total
