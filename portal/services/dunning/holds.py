"""What holds reminders back, gathered for the dunning pass.

Each self-service feature owns its rule (a declaration being checked, a payment
under way, a dispute, a plan, a promise); this module only asks each of them,
so the pass has one place to look and the features stay independent.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import CompoundSelect, Select, bindparam, select, union_all

from portal.extensions import db
from portal.models import AttemptStatus, CheckoutAttempt
from portal.services import promises
from portal.services.declarations import holds as declaration_holds
from portal.services.disputes import holds as dispute_holds
from portal.services.plans import holds as plan_holds
from portal.statements import built_once


@dataclass
class Holds:
    invoice_ids: set[int] = field(default_factory=set)
    """Invoices no reminder step may touch today."""
    amounts_on_hold: dict[int, int] = field(default_factory=dict)
    """Invoice id -> cents set aside (a dispute on part of it): reminders go on for the rest."""


def for_today(today: date, customer_ids: Collection[int] | None = None) -> Holds:
    """Every hold of today; with `customer_ids`, only those of these customers.

    The pass asks for all of them; a debtor's page asks for one customer, and
    must not read every customer's holds to show its own outlook.
    """
    only = None if customer_ids is None else list(customer_ids)
    holds = Holds()
    # Three features keep the invoices they hold as JSON lists (or {id: cents}): one query.
    values = {"today": today, "customer_ids": only, **promises.hold_values(today)}
    for invoice_ids in db.session.scalars(_invoice_lists(only is not None), values):
        holds.invoice_ids.update(int(i) for i in invoice_ids)
    holds.invoice_ids |= plan_holds.held_invoice_ids(only)
    dispute_holds.put_on_hold(holds.invoice_ids, holds.amounts_on_hold, today, only)
    return holds


@built_once
def _invoice_lists(of_some_customers: bool) -> CompoundSelect:
    return union_all(
        declaration_holds.paused_invoice_lists(of_some_customers),
        processing_payment_allocations(of_some_customers),
        promises.paused_invoice_lists(of_some_customers),
    )


def processing_payment_allocations(of_some_customers: bool) -> Select:
    """The allocations ({invoice id: cents}, JSON) of online payments under way, as a query."""
    query = select(CheckoutAttempt.allocations.label("invoice_ids")).where(
        CheckoutAttempt.status == AttemptStatus.PROCESSING
    )
    if of_some_customers:
        query = query.where(
            CheckoutAttempt.customer_id.in_(bindparam("customer_ids", expanding=True))
        )
    return query
