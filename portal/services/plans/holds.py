"""Which invoices an open plan holds: out of normal dunning, and not free for another plan.

Asked by the dunning pass on every run and by each new proposal, so it is one
query that imports nothing but the models.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import InstalmentPlan, PlanInvoice, PlanStatus

#: Open plans: their invoices are out of normal dunning and cannot join another plan.
OPEN_STATUSES = (PlanStatus.PROPOSED, PlanStatus.ACTIVE)


def held_invoice_ids(customer_ids: list[int] | None = None) -> set[int]:
    """Invoices of proposed or active plans (of these customers): no normal reminder touches them."""
    query = (
        select(PlanInvoice.invoice_id)
        .join(InstalmentPlan, InstalmentPlan.id == PlanInvoice.plan_id)
        .where(InstalmentPlan.status.in_(OPEN_STATUSES))
    )
    if customer_ids is not None:
        query = query.where(InstalmentPlan.customer_id.in_(customer_ids))
    return set(db.session.scalars(query))
