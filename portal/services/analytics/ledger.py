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
    credit_notes: list[tuple[date, int]] = field(default_factory=list)
    """(credit note date, Σ amounts): credit sales net them at their own date."""
    receipts: list[tuple[date, int, int]] = field(default_factory=list)
    """(payment date, Σ received, Σ allocated to invoices)."""

    def position(self, day: date) -> Position:
        point = Position(day)
        for issued_on, due, cents in self.issued:
            if issued_on <= day:
                point.add(cents, due)
        for effective, due, cents in self.reductions:
            if effective <= day:
                point.add(-cents, due)
        return point

    def invoiced(self, after: date, until: date) -> int:
        """Invoice totals issued in (after, until]."""
        return sum(c for issued_on, _, c in self.issued if after < issued_on <= until)

    def credit_sales(self, after: date, until: date) -> int:
        """S: invoices issued in (after, until] minus credit notes dated in it."""
        credited = sum(c for day, c in self.credit_notes if after < day <= until)
        return self.invoiced(after, until) - credited

    def collected(self, after: date, until: date) -> int:
        """Cash received in (after, until], allocated or not."""
        return sum(received for day, received, _ in self.receipts if after < day <= until)

    def unallocated(self, until: date) -> int:
        """Money received by `until` that no invoice took: shown apart, never netted."""
        return sum(received - placed for day, received, placed in self.receipts if day <= until)


def load(currency: str) -> Ledger:
    """Grouped scans of invoices, allocated payments, credit notes and receipts.

    Allocations are filtered on the payment's currency (always the invoice's):
    SQLite then walks payments and looks invoices up by key, seven times
    faster than walking a million invoices for their allocations.
    """
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
        .where(Payment.currency == currency)
        .group_by(paid_on, Invoice.due_date)
    ).all()
    credited_on = case(
        (CreditNote.date > Invoice.issue_date, CreditNote.date), else_=Invoice.issue_date
    )
    credited = db.session.execute(
        select(credited_on, Invoice.due_date, CreditNote.date, func.sum(CreditNote.amount_cents))
        .join(Invoice, Invoice.id == CreditNote.invoice_id)
        .where(CreditNote.currency == currency)
        .group_by(credited_on, Invoice.due_date, CreditNote.date)
    ).all()
    received = dict(
        db.session.execute(
            select(Payment.date, func.sum(Payment.amount_cents))
            .where(Payment.currency == currency)
            .group_by(Payment.date)
        ).all()
    )
    placed = dict(
        db.session.execute(
            select(Payment.date, func.sum(PaymentAllocation.amount_cents))
            .join(Payment, Payment.id == PaymentAllocation.payment_id)
            .where(Payment.currency == currency)
            .group_by(Payment.date)
        ).all()
    )
    notes: dict[date, int] = {}
    for _, _, day, cents in credited:
        notes[_day(day)] = notes.get(_day(day), 0) + int(cents)
    return Ledger(
        currency,
        issued=[(_day(i), _day(d), int(c)) for i, d, c in issued],
        reductions=[(_day(e), _day(d), int(c)) for e, d, c in allocated]
        + [(_day(e), _day(d), int(c)) for e, d, _, c in credited],
        credit_notes=sorted(notes.items()),
        receipts=[
            (_day(day), int(cents), int(placed.get(day, 0))) for day, cents in received.items()
        ],
    )


def _day(value) -> date:
    """SQLite may hand a grouped CASE back as text."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))
