"""Deterministic demo data: load it into an empty portal, wipe it, hand out debtor links.

A demo only convinces if every figure on the dashboard means something: late
payers and prompt ones, part payments, a few credit notes, customers who owe a
lot, open invoices in every ageing bucket. It must also be the same on every
run, so that screenshots, docs and tests can rely on it: one seeded
`random.Random`, and every date relative to `today`.

This is the entry point `portal demo` and `portal serve` call; who the demo is
about lives in `catalogue`, the random history in `planning`, and the writes
through the real services in `writing`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import inspect, select

from portal.extensions import db
from portal.models import Customer, Invoice, InvoiceStatus, Organisation, User
from portal.services import audit, customers, links
from portal.services.demo.catalogue import DEMO_DEBTOR_REFS, PAUSED
from portal.services.demo.planning import SEED, plan_invoices
from portal.services.demo.writing import create_creditor, create_customers, write_history

#: How long the links printed by `portal serve` stay valid.
DEMO_LINK_DAYS = 7


@dataclass(frozen=True)
class DemoSummary:
    """What was loaded, for `portal demo` to report."""

    customers: int
    invoices: int
    payments: int
    credit_notes: int = 0


def has_data() -> bool:
    """Whether the database holds anything a demo load would mix with.

    Users and the organisation count as well as customers: a portal that has
    been set up but has no customer yet is a real deployment, and loading demo
    data there (or failing half-way on the second setup) would be worse.
    """
    return any(
        db.session.scalar(select(model.id).limit(1)) is not None
        for model in (Customer, User, Organisation)
    )


def wipe() -> None:
    """Delete every row of every table, children first, so foreign keys never object.

    Tables the metadata knows but the database lacks (a model whose migration
    has not run) are skipped rather than failing the reset.
    """
    existing = set(inspect(db.session.connection()).get_table_names())
    for table in reversed(db.metadata.sorted_tables):
        if table.name in existing:
            db.session.execute(table.delete())
    db.session.commit()
    db.session.expunge_all()


def load(*, today: date, now: datetime) -> DemoSummary:
    """Load the demo into an empty database; the same `today` always gives the same data."""
    rng = random.Random(SEED)
    actors = create_creditor(today, now)
    created = create_customers(rng, actors[0], today, now)
    plans = plan_invoices(rng, today)
    payments = write_history(plans, created, actors, today, now)
    ref, days = PAUSED
    customers.pause_reminders(
        created[ref], until=today + timedelta(days=days), today=today, actor=actors[0], now=now
    )
    db.session.commit()
    return DemoSummary(
        customers=len(created),
        invoices=len(plans),
        payments=payments,
        credit_notes=sum(1 for p in plans if p.credit),
    )


def debtor_link_lines(*, base_url: str, now: datetime, today: date) -> list[str]:
    """Fresh debtor links for the example customers, one printable line each.

    Tokens are never stored in clear, so a demo cannot ship fixed links: each
    `portal demo` and `portal serve` makes new ones. A customer with overdue
    invoices comes first: the debtor's side has the most to show there.
    Customers missing (no demo loaded) are skipped.
    """
    found = [c for c in (customers.get_by_ref(ref) for ref in DEMO_DEBTOR_REFS) if c is not None]
    found.sort(key=lambda c: not _has_overdue(c, today))
    lines = []
    for customer in found:
        token = links.create(
            customer, now=now, days=DEMO_LINK_DAYS, actor=audit.Actor.cli(), purpose="demo"
        )
        url = links.absolute_url(token, base_url)
        lines.append(f"Debtor {customer.name} ({customer.language}): {url}")
    db.session.commit()
    return lines


def _has_overdue(customer: Customer, today: date) -> bool:
    return (
        db.session.scalar(
            select(Invoice.id)
            .where(
                Invoice.customer_id == customer.id,
                Invoice.status == InvoiceStatus.OPEN,
                Invoice.due_date < today,
            )
            .limit(1)
        )
        is not None
    )
