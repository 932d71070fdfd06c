"""Figures for the creditor's home page, aggregated in SQL.

Every figure is one query over indexed columns of open invoices: the home page
must stay fast with a million invoices, so nothing iterates invoices in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case, func, select

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


def home_figures(today: date, currency: str = "EUR", top: int = 8) -> HomeFigures:
    figures = HomeFigures(currency=currency)
    open_in_currency = and_(Invoice.status == InvoiceStatus.OPEN, Invoice.currency == currency)

    columns = [func.coalesce(func.sum(Invoice.outstanding_cents), 0), func.count(Invoice.id)]
    for key in BUCKET_KEYS:
        condition = bucket_condition(key, today)
        columns.append(func.coalesce(func.sum(case((condition, Invoice.outstanding_cents), else_=0)), 0))
        columns.append(func.coalesce(func.sum(case((condition, 1), else_=0)), 0))
    row = db.session.execute(select(*columns).where(open_in_currency)).one()
    figures.outstanding_cents, figures.open_invoices = int(row[0]), int(row[1])
    for index, key in enumerate(BUCKET_KEYS):
        figures.aged.append(AgedBucket(key, int(row[2 + 2 * index]), int(row[3 + 2 * index])))
    figures.overdue_cents = figures.outstanding_cents - figures.aged[0].amount_cents

    overdue = and_(open_in_currency, Invoice.due_date < today)
    figures.customers_overdue = db.session.scalar(
        select(func.count(func.distinct(Invoice.customer_id))).where(overdue)
    )
    figures.top_debtors = top_debtors(overdue, top)
    figures.other_currencies = {
        cur: int(amount)
        for cur, amount in db.session.execute(
            select(Invoice.currency, func.sum(Invoice.outstanding_cents))
            .where(Invoice.status == InvoiceStatus.OPEN, Invoice.currency != currency)
            .group_by(Invoice.currency)
        )
    }
    return figures


def top_debtors(condition, limit: int) -> list[TopDebtor]:
    totals = (
        select(
            Invoice.customer_id,
            func.sum(Invoice.outstanding_cents).label("overdue"),
            func.count(Invoice.id).label("invoices"),
            func.min(Invoice.due_date).label("oldest_due"),
        )
        .where(condition)
        .group_by(Invoice.customer_id)
        .order_by(func.sum(Invoice.outstanding_cents).desc())
        .limit(limit)
        .subquery()
    )
    rows = db.session.execute(
        select(Customer.id, Customer.name, Customer.ref, totals.c.overdue, totals.c.invoices, totals.c.oldest_due)
        .join(totals, totals.c.customer_id == Customer.id)
        .order_by(totals.c.overdue.desc(), Customer.name)
    )
    return [TopDebtor(r[0], r[1], r[2], int(r[3]), int(r[4]), r[5]) for r in rows]
