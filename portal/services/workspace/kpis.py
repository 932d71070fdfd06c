"""Figures for the creditor's home page, aggregated in SQL.

Every figure is one query over indexed columns of open invoices: the home page
must stay fast with a million invoices, so nothing iterates invoices in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, func, select

from portal.extensions import db
from portal.models import Customer, Invoice, InvoiceStatus

#: Ageing buckets: key, first and last day past due (None: open-ended).
BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("not_due", None, 0),
    ("1_30", 1, 30),
    ("31_60", 31, 60),
    ("61_90", 61, 90),
    ("over_90", 91, None),
)
BUCKET_KEYS = tuple(key for key, _, _ in BUCKETS)


def bucket_condition(key: str, today: date):
    """SQL condition on Invoice.due_date for one ageing bucket (open invoices)."""
    for name, first, last in BUCKETS:
        if name == key:
            conditions = []
            if first is not None:  # at least `first` days late: due on or before today - first
                conditions.append(Invoice.due_date <= today - timedelta(days=first))
            if last is not None:
                conditions.append(Invoice.due_date >= today - timedelta(days=last))
            return and_(*conditions)
    raise ValueError(f"unknown ageing bucket {key!r}")


@dataclass
class AgedBucket:
    key: str
    amount_cents: int
    count: int

    def share_of(self, total: int) -> float:
        return self.amount_cents / total if total else 0.0


@dataclass
class TopDebtor:
    customer_id: int
    name: str
    ref: str
    overdue_cents: int
    invoices: int
    oldest_due: date


@dataclass
class HomeFigures:
    currency: str
    outstanding_cents: int = 0
    overdue_cents: int = 0
    open_invoices: int = 0
    customers_overdue: int = 0
    aged: list[AgedBucket] = field(default_factory=list)
    top_debtors: list[TopDebtor] = field(default_factory=list)
    other_currencies: dict[str, int] = field(default_factory=dict)
    """Outstanding amounts in currencies other than the main one (never summed with it)."""

    @property
    def largest_bucket_cents(self) -> int:
        return max((b.amount_cents for b in self.aged), default=0)


def bucket_of(due_date: date, today: date) -> str:
    days_late = (today - due_date).days
    for key, first, last in BUCKETS:
        if (first is None or days_late >= first) and (last is None or days_late <= last):
            return key
    raise AssertionError("buckets cover every day")


def home_figures(today: date, currency: str = "EUR", top: int = 8) -> HomeFigures:
    """Three index-only queries: totals per due date, per-customer overdue, other currencies."""
    figures = HomeFigures(currency=currency)
    open_in_currency = and_(Invoice.status == InvoiceStatus.OPEN, Invoice.currency == currency)

    aged = {key: AgedBucket(key, 0, 0) for key in BUCKET_KEYS}
    per_due_date = db.session.execute(
        select(Invoice.due_date, func.sum(Invoice.outstanding_cents), func.count())
        .where(open_in_currency)
        .group_by(Invoice.due_date)
    )
    for due_date, amount, count in per_due_date:
        bucket = aged[bucket_of(due_date, today)]
        bucket.amount_cents += int(amount)
        bucket.count += int(count)
    figures.aged = list(aged.values())
    figures.outstanding_cents = sum(b.amount_cents for b in figures.aged)
    figures.open_invoices = sum(b.count for b in figures.aged)
    figures.overdue_cents = figures.outstanding_cents - aged["not_due"].amount_cents

    figures.top_debtors, figures.customers_overdue = top_debtors(
        and_(open_in_currency, Invoice.due_date < today), top
    )
    figures.other_currencies = {
        cur: int(amount)
        for cur, amount in db.session.execute(
            select(Invoice.currency, func.sum(Invoice.outstanding_cents))
            .where(Invoice.status == InvoiceStatus.OPEN, Invoice.currency != currency)
            .group_by(Invoice.currency)
        )
    }
    return figures


def top_debtors(condition, limit: int) -> tuple[list[TopDebtor], int]:
    """The customers owing the most under `condition`, and how many customers owe anything."""
    per_customer = (
        select(
            Invoice.customer_id.label("customer_id"),
            func.sum(Invoice.outstanding_cents).label("amount"),
            func.count().label("invoices"),
            func.min(Invoice.due_date).label("oldest_due"),
        )
        .where(condition)
        .group_by(Invoice.customer_id)
        .subquery()
    )
    ranked = (
        select(per_customer, func.count().over().label("customers"))
        .order_by(per_customer.c.amount.desc(), per_customer.c.customer_id)
        .limit(limit)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Customer.id,
            Customer.name,
            Customer.ref,
            ranked.c.amount,
            ranked.c.invoices,
            ranked.c.oldest_due,
            ranked.c.customers,
        )
        .join(ranked, ranked.c.customer_id == Customer.id)
        .order_by(ranked.c.amount.desc(), Customer.id)
    ).all()
    debtors = [TopDebtor(r[0], r[1], r[2], int(r[3]), int(r[4]), r[5]) for r in rows]
    return debtors, int(rows[0][6]) if rows else 0
