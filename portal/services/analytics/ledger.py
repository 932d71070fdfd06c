"""Receivables as they stood at the end of any past day, read from the ledger.

The stored balance of an invoice only says what is owed now; the figures need
what was owed at the end of day t. That is the invoice total (once issued)
minus the payments allocated and the credit notes dated on or before t. Each
of those amounts is linear, so the database sums them in a few grouped queries
(invoices by issue and due date, reductions by the day they took effect and the
due date) and every day asked for is added up from those few thousand groups:
a year of month ends costs the same three scans as a single day.

A reduction takes effect on its own date, or on the invoice's issue date when
it is dated earlier (credit placed on an invoice issued later), so an invoice
never counts below zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select

from portal.extensions import db
from portal.models import CreditNote, Invoice, Payment, PaymentAllocation

#: Ageing buckets: key and the last day past due it holds (None: open-ended).
AGE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("not_due", 0),
    ("1_30", 30),
    ("31_60", 60),
    ("61_90", 90),
    ("over_90", None),
)


def age_bucket(days_past_due: int) -> str:
    for key, last in AGE_BUCKETS:
        if last is None or days_past_due <= last:
            return key
    raise AssertionError("the last bucket is open-ended")


@dataclass
class Position:
    """What customers owed at the end of one day."""

    day: date
    receivables_cents: int = 0
    current_cents: int = 0
    """The part not yet overdue: due on or after that day."""
    overdue_days_cents: int = 0
    """Σ(outstanding × days overdue) over the invoices overdue that day (cent-days)."""
    aged: dict[str, int] = field(default_factory=lambda: {k: 0 for k, _ in AGE_BUCKETS})

    @property
    def overdue_cents(self) -> int:
        return self.receivables_cents - self.current_cents

    def add(self, cents: int, due: date) -> None:
        late = (self.day - due).days
        self.receivables_cents += cents
        if late <= 0:
            self.current_cents += cents
        else:
            self.overdue_days_cents += cents * late
        self.aged[age_bucket(late)] += cents


@dataclass
class Ledger:
    """The grouped amounts of one currency, ready to be read at any day."""

    currency: str
    issued: list[tuple[date, date, int]]
    """(issue date, due date, Σ totals)."""
    reductions: list[tuple[date, date, int]]
    """(day it took effect, due date, Σ payments allocated and credit notes)."""

    def position(self, day: date) -> Position:
        point = Position(day)
        for issued_on, due, cents in self.issued:
            if issued_on <= day:
                point.add(cents, due)
        for effective, due, cents in self.reductions:
            if effective <= day:
                point.add(-cents, due)
        return point

    def positions(self, days: Iterable[date]) -> dict[date, Position]:
        return {day: self.position(day) for day in sorted(set(days))}


def load(currency: str) -> Ledger:
    """Three grouped scans: invoices, allocated payments, credit notes."""
    issued = db.session.execute(
        select(Invoice.issue_date, Invoice.due_date, func.sum(Invoice.total_cents))
        .where(Invoice.currency == currency)
        .group_by(Invoice.issue_date, Invoice.due_date)
    ).all()
    paid_on = case((Payment.date > Invoice.issue_date, Payment.date), else_=Invoice.issue_date)
    allocated = db.session.execute(
        select(paid_on, Invoice.due_date, func.sum(PaymentAllocation.amount_cents))
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
        .where(Invoice.currency == currency)
        .group_by(paid_on, Invoice.due_date)
    ).all()
    credited_on = case(
        (CreditNote.date > Invoice.issue_date, CreditNote.date), else_=Invoice.issue_date
    )
    credited = db.session.execute(
        select(credited_on, Invoice.due_date, func.sum(CreditNote.amount_cents))
        .join(Invoice, Invoice.id == CreditNote.invoice_id)
        .where(Invoice.currency == currency)
        .group_by(credited_on, Invoice.due_date)
    ).all()
    return Ledger(
        currency,
        issued=[(_day(i), _day(d), int(c)) for i, d, c in issued],
        reductions=[(_day(e), _day(d), int(c)) for e, d, c in [*allocated, *credited]],
    )


def issued_between(currency: str, after: date, until: date) -> int:
    """Invoice totals issued in (after, until]."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(Invoice.total_cents), 0)).where(
                Invoice.currency == currency,
                Invoice.issue_date > after,
                Invoice.issue_date <= until,
            )
        )
    )


def credited_between(currency: str, after: date, until: date) -> int:
    """Credit notes dated in (after, until], at their own date."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(CreditNote.amount_cents), 0)).where(
                CreditNote.currency == currency,
                CreditNote.date > after,
                CreditNote.date <= until,
            )
        )
    )


def collected_between(currency: str, after: date, until: date) -> int:
    """Cash received in (after, until], allocated or not."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
                Payment.currency == currency, Payment.date > after, Payment.date <= until
            )
        )
    )


def unallocated_credit(currency: str, until: date) -> int:
    """Money received by `until` that no invoice took: shown apart, never netted."""
    received = db.session.scalar(
        select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
            Payment.currency == currency, Payment.date <= until
        )
    )
    placed = db.session.scalar(
        select(func.coalesce(func.sum(PaymentAllocation.amount_cents), 0))
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(Payment.currency == currency, Payment.date <= until)
    )
    return int(received) - int(placed)


def _day(value) -> date:
    """SQLite may hand a grouped CASE back as text."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))
