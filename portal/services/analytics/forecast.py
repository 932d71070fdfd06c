"""Cash forecast: the receipts expected per week for 8 weeks and per month for 3.

Each open invoice is expected on its due date shifted by its customer's average
delay over the last year (signed: early payers pay early), or the portfolio's
for a customer without history. An instalment plan replaces its invoices by
its instalments at their dates; a pending promise by the promised amount at the
promised date. Amounts held by open disputes are left out. What is already
overdue has no date anyone can trust: it is its own bar, not spread over weeks.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    Dispute,
    DisputeStatus,
    Instalment,
    InstalmentPlan,
    Invoice,
    InvoiceStatus,
    PlanInvoice,
    PlanStatus,
    Promise,
    PromiseStatus,
)
from portal.services.analytics import delays as payment_delays

WEEKS, MONTHS = 8, 3
SOURCES = ("invoices", "instalments", "promises")


@dataclass
class Period:
    kind: str
    start: date
    end: date
    cents: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SOURCES, 0))

    @property
    def expected_cents(self) -> int:
        return sum(self.cents.values())


@dataclass
class Forecast:
    made_on: date
    weeks: list[Period]
    months: list[Period]
    overdue: Period
    later: Period
    disputed: Period
    portfolio_delay: Fraction | None = None

    def periods(self) -> list[Period]:
        return [*self.weeks, *self.months, self.overdue, self.later, self.disputed]


def _month_after(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def empty(today: date) -> Forecast:
    weeks = [
        Period("week", today + timedelta(days=7 * i), today + timedelta(days=7 * i + 6))
        for i in range(WEEKS)
    ]
    months, first = [], today.replace(day=1)
    for _ in range(MONTHS):
        following = _month_after(first)
        months.append(Period("month", max(first, today), following - timedelta(days=1)))
        first = following
    horizon = max(weeks[-1].end, months[-1].end)
    return Forecast(
        today,
        weeks,
        months,
        overdue=Period("overdue", date.min, today - timedelta(days=1)),
        later=Period("later", horizon + timedelta(days=1), date.max),
        disputed=Period("disputed", date.min, date.max),
    )


def _book(forecast: Forecast, day: date, cents: int, source: str) -> None:
    if cents <= 0:
        return
    if day < forecast.made_on:
        forecast.overdue.cents[source] += cents
        return
    placed = False
    for period in [*forecast.weeks, *forecast.months]:
        if period.start <= day <= period.end:
            period.cents[source] += cents
            placed = True
    if not placed:
        forecast.later.cents[source] += cents


def _shift(due: date, delay: Fraction | None) -> date:
    if delay is None:
        return due
    return due + timedelta(days=math.floor(delay + Fraction(1, 2)))


def compute(
    today: date,
    currency: str = "EUR",
    delays: dict[int, payment_delays.PaymentDelays] | None = None,
) -> Forecast:
    """Read the open ledger once and place every expected receipt.

    `delays`: the year's payment delays per customer, when the caller has them.
    """
    forecast = empty(today)
    if delays is None:
        delays = payment_delays.per_customer(today, currency)
    average = {cid: d.average_delay for cid, d in delays.items()}
    forecast.portfolio_delay = payment_delays.portfolio(delays).average_delay

    planned = _plan_instalments(forecast, currency)
    promised = _promises(forecast, currency)
    held = dict(
        db.session.execute(
            select(Dispute.invoice_id, func.sum(Dispute.amount_cents - Dispute.accepted_cents))
            .where(Dispute.status == DisputeStatus.OPEN)
            .group_by(Dispute.invoice_id)
        ).all()
    )
    rows = db.session.execute(
        select(Invoice.id, Invoice.customer_id, Invoice.due_date, Invoice.outstanding_cents).where(
            Invoice.status == InvoiceStatus.OPEN, Invoice.currency == currency
        )
    )
    for invoice_id, customer_id, due, outstanding in rows:
        if invoice_id in planned:
            continue
        hold = min(int(held.get(invoice_id) or 0), outstanding)
        forecast.disputed.cents["invoices"] += hold
        left = outstanding - hold
        if invoice_id in promised:
            left -= promised[invoice_id]
            if left <= 0:
                continue
        if due < today:
            _book(forecast, due, left, "invoices")
        else:
            delay = average.get(customer_id, forecast.portfolio_delay)
            _book(forecast, max(_shift(due, delay), today), left, "invoices")
    return forecast


def _plan_instalments(forecast: Forecast, currency: str) -> set[int]:
    """Book the unpaid instalments of active plans; the invoices they cover."""
    active = select(InstalmentPlan.id).where(
        InstalmentPlan.status == PlanStatus.ACTIVE, InstalmentPlan.currency == currency
    )
    for due, amount, paid in db.session.execute(
        select(Instalment.due_date, Instalment.amount_cents, Instalment.paid_cents).where(
            Instalment.plan_id.in_(active)
        )
    ):
        _book(forecast, due, amount - paid, "instalments")
    return set(
        db.session.scalars(select(PlanInvoice.invoice_id).where(PlanInvoice.plan_id.in_(active)))
    )


def _promises(forecast: Forecast, currency: str) -> dict[int, int]:
    """Book pending promises at their date; {invoice id: cents promised on it}."""
    covered: dict[int, int] = defaultdict(int)
    for promise in db.session.scalars(
        select(Promise).where(Promise.status == PromiseStatus.PENDING)
    ):
        ids = [int(i) for i in promise.invoice_ids]
        owed = dict(
            db.session.execute(
                select(Invoice.id, Invoice.outstanding_cents).where(
                    Invoice.id.in_(ids),
                    Invoice.status == InvoiceStatus.OPEN,
                    Invoice.currency == currency,
                )
            ).all()
        )
        left = sum(owed.values()) if promise.amount_cents is None else promise.amount_cents
        left = min(left, sum(owed.values()))
        _book(forecast, max(promise.promised_date, forecast.made_on), left, "promises")
        for invoice_id in ids:
            take = min(owed.get(invoice_id, 0), left)
            covered[invoice_id] += take
            left -= take
    return covered
