"""Limitation periods (prescription): the last day a creditor can still go to court.

A claim between businesses is time-barred 5 years after it fell due (Code de
commerce L110-4), a professional's claim on a consumer after 2 years (Code de la
consommation L218-2). The period runs from the day after the due date, so it
ends at the end of the due date's anniversary: an invoice due on 15 March 2022
can be sued on until 15 March 2027 (a 29 February due date ends on 28 February).

A part-payment, an acknowledgement of the debt or a court action restarts the
period (Code civil 2240-2241); the date shown ignores them, so it is the
earliest possible one: a warning to act, never a reason to give up on a claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import Customer, CustomerKind, Invoice, InvoiceStatus

#: Years before a claim is time-barred, by kind of customer.
YEARS = {CustomerKind.BUSINESS: 5, CustomerKind.CONSUMER: 2}


@dataclass(frozen=True)
class Approaching:
    """An open invoice close to its limitation date."""

    invoice: Invoice
    customer: Customer
    limitation_date: date
    days_left: int

    @property
    def amount_cents(self) -> int:
        return self.invoice.outstanding_cents

    @property
    def currency(self) -> str:
        return self.invoice.currency


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def limitation_date(due_date: date, kind: CustomerKind) -> date:
    """The last day on which the claim can still be brought to court."""
    return add_years(due_date, YEARS[kind])


def first_due_date_reaching(day: date, years: int) -> date:
    """The earliest due date whose limitation date falls on `day` or later.

    The inverse of `add_years` for range queries: a due date ≥ this value has a
    limitation date ≥ `day`, and no earlier due date has.
    """
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February of a leap year, `years` back is a common year
        return date(day.year - years, 3, 1)


def approaching(today: date, within_days: int = 183, limit: int = 20) -> list[Approaching]:
    """Open invoices whose limitation date falls within `within_days` from today, soonest first.

    One indexed range query on the due date per kind of customer (limitation
    dates are in due-date order within a kind), merged and cut to `limit`.
    """
    last = today + timedelta(days=within_days)
    found: list[Approaching] = []
    for kind, years in YEARS.items():
        rows = db.session.execute(
            select(Invoice, Customer)
            .join(Customer, Customer.id == Invoice.customer_id)
            .where(
                Invoice.status == InvoiceStatus.OPEN,
                Invoice.outstanding_cents > 0,
                Invoice.due_date >= first_due_date_reaching(today, years),
                Invoice.due_date < first_due_date_reaching(last + timedelta(days=1), years),
                Customer.kind == kind,
            )
            .order_by(Invoice.due_date, Invoice.id)
            .limit(limit)
        )
        for invoice, customer in rows:
            ends = limitation_date(invoice.due_date, kind)
            found.append(Approaching(invoice, customer, ends, (ends - today).days))
    found.sort(key=lambda a: (a.limitation_date, a.invoice.id))
    return found[:limit]
