"""Which invoices an open plan holds: out of normal dunning, and not free for another plan.

Asked by the dunning pass on every run and by each new proposal, so it is one
query that imports nothing but the models.
"""

from __future__ import annotations

from sqlalchemy import Select, bindparam, select

from portal.extensions import db
from portal.models import InstalmentPlan, PlanInvoice, PlanStatus
from portal.statements import built_once

#: Open plans: their invoices are out of normal dunning and cannot join another plan.
OPEN_STATUSES = (PlanStatus.PROPOSED, PlanStatus.ACTIVE)


def held_invoice_ids(customer_ids: list[int] | None = None) -> set[int]:
    """Invoices of proposed or active plans (of these customers): no normal reminder touches them."""
    query = _held_invoices(customer_ids is not None)
    return set(db.session.scalars(query, {"customer_ids": customer_ids}))


@built_once
def _held_invoices(of_some_customers: bool) -> Select:
    query = (
        select(PlanInvoice.invoice_id)
        .join(InstalmentPlan, InstalmentPlan.id == PlanInvoice.plan_id)
        .where(InstalmentPlan.status.in_(OPEN_STATUSES))
    )
    if of_some_customers:
        query = query.where(
            InstalmentPlan.customer_id.in_(bindparam("customer_ids", expanding=True))
        )
    return query
