"""Late-payment penalties and the fixed recovery indemnity (French law, editable defaults).

Between businesses (Code de commerce L441-10), penalties run from the day after
the due date without any reminder, at the ECB reference rate of the half-year
(rate in force on 1 January or 1 July) plus a margin (10 points by default),
never below three times the legal interest rate. They are simple interest:
outstanding × rate × days / 365, computed segment by segment, so a half-year
change of rate or a partial payment starts a new segment. A business customer
also owes a fixed 40 € indemnity per late invoice (D441-5).

Consumers owe interest at the legal rate for private persons, and only from a
formal notice (Code civil 1231-6); no indemnity.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    CreditNote,
    CustomerKind,
    Invoice,
    Organisation,
    Payment,
    PaymentAllocation,
    ReferenceRate,
)

#: ECB main refinancing rate in force on the first day of each half-year (basis points).
#: Later half-years are entered by the creditor; until then the last known rate applies.
DEFAULT_REFERENCE_RATES: dict[date, int] = {
    date(2023, 7, 1): 400,
    date(2024, 1, 1): 450,
    date(2024, 7, 1): 425,
    date(2025, 1, 1): 315,
    date(2025, 7, 1): 215,
}


def semester_start(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def next_semester(start: date) -> date:
    return date(start.year, 7, 1) if start.month == 1 else date(start.year + 1, 1, 1)


@dataclass(frozen=True)
class RateTable:
    """Reference rates by half-year; a half-year without its own rate uses the last earlier one."""

    reference_bp: dict[date, int]
    legal_professional_bp: dict[date, int]
    legal_consumer_bp: dict[date, int]

    @staticmethod
    def _lookup(table: dict[date, int], start: date) -> int | None:
        known = [d for d in table if d <= start]
        return table[max(known)] if known else None

    def penalty_rate_bp(self, start: date, margin_bp: int) -> int:
        reference = self._lookup(self.reference_bp, start)
        rate = (reference or 0) + margin_bp
        legal = self._lookup(self.legal_professional_bp, start)
        return max(rate, 3 * legal) if legal is not None else rate

    def consumer_rate_bp(self, start: date) -> int:
        return self._lookup(self.legal_consumer_bp, start) or 0


def load_rates() -> RateTable:
    rows = db.session.scalars(select(ReferenceRate)).all()
    reference = dict(DEFAULT_REFERENCE_RATES)
    reference.update({r.semester_start: r.rate_bp for r in rows})
    return RateTable(
        reference,
        {
            r.semester_start: r.legal_rate_professional_bp
            for r in rows
            if r.legal_rate_professional_bp
        },
        {r.semester_start: r.legal_rate_consumer_bp for r in rows if r.legal_rate_consumer_bp},
    )


def simple_interest(
    balance_changes: Iterable[tuple[date, int]],
    opening_cents: int,
    start: date,
    end: date,
    rate_for_semester,
) -> Decimal:
    """Σ balance × rate × days / 365 over [start, end], split at half-years and balance changes.

    `balance_changes` are (date, cents removed from the balance from that day on).
    Returns unrounded cents as a Decimal.
    """
    if end < start:
        return Decimal(0)
    changes = sorted((d, c) for d, c in balance_changes if d <= end)
    balance = opening_cents - sum(c for d, c in changes if d <= start)
    cuts = sorted({d for d, _ in changes if start < d <= end} | _semester_cuts(start, end))
    total = Decimal(0)
    segment_start = start
    for cut in [*cuts, end + timedelta(days=1)]:
        days = (cut - segment_start).days
        if days > 0 and balance > 0:
            rate = Decimal(rate_for_semester(semester_start(segment_start))) / Decimal(10000)
            total += Decimal(balance) * rate * days / Decimal(365)
        balance -= sum(c for d, c in changes if d == cut)
        segment_start = cut
    return total


def _semester_cuts(start: date, end: date) -> set[date]:
    cuts, boundary = set(), next_semester(semester_start(start))
    while boundary <= end:
        cuts.add(boundary)
        boundary = next_semester(boundary)
    return cuts


def round_cents(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class InvoicePenalties:
    invoice_id: int
    days_late: int
    interest_cents: int
    indemnity_cents: int

    @property
    def total_cents(self) -> int:
        return self.interest_cents + self.indemnity_cents


def for_invoice(
    invoice: Invoice,
    organisation: Organisation,
    kind: CustomerKind,
    today: date,
    rates: RateTable,
    *,
    formal_notice_date: date | None = None,
    excluded_cents: int = 0,
) -> InvoicePenalties:
    """Penalties owed on one invoice as of `today`.

    `excluded_cents` is an amount set aside (e.g. under dispute) on which no
    penalty runs.
    """
    days_late = max(0, (today - invoice.due_date).days)
    if days_late == 0 or invoice.outstanding_cents <= 0 or not organisation.charge_penalties:
        return InvoicePenalties(invoice.id, days_late, 0, 0)
    changes = _balance_changes(invoice)
    opening = invoice.total_cents - excluded_cents
    if kind is CustomerKind.BUSINESS:
        interest = simple_interest(
            changes,
            opening,
            invoice.due_date + timedelta(days=1),
            today,
            lambda start: rates.penalty_rate_bp(start, organisation.penalty_margin_bp),
        )
        indemnity = organisation.recovery_indemnity_cents
    else:
        interest = Decimal(0)
        if formal_notice_date is not None and formal_notice_date < today:
            interest = simple_interest(
                changes,
                opening,
                formal_notice_date + timedelta(days=1),
                today,
                rates.consumer_rate_bp,
            )
        indemnity = 0
    return InvoicePenalties(invoice.id, days_late, round_cents(interest), indemnity)


def _balance_changes(invoice: Invoice) -> list[tuple[date, int]]:
    payments = db.session.execute(
        select(Payment.date, PaymentAllocation.amount_cents)
        .join(PaymentAllocation, PaymentAllocation.payment_id == Payment.id)
        .where(PaymentAllocation.invoice_id == invoice.id)
    ).all()
    credits = db.session.execute(
        select(CreditNote.date, CreditNote.amount_cents).where(CreditNote.invoice_id == invoice.id)
    ).all()
    return [(d, int(c)) for d, c in [*payments, *credits]]
