"""A plan's instalments and what has been paid on them.

Money is never moved here: instalments are paid like invoices, and
`apply_payments` reads what the covered invoices received since the plan began.
The debtor's pages, the payment selection and the plan job all read a plan
through these functions, so this module imports only the models and the audit
trail, never the proposal or the emails.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import Customer, Instalment, InstalmentPlan, Invoice, PlanStatus
from portal.services import audit
from portal.services.errors import N_, NotFound

OBJECT_TYPE = "instalment_plan"
TASK_KIND = "instalment_plan"


def of_customer(customer: Customer, plan_id: int) -> InstalmentPlan:
    """One of this customer's plans; another customer's is NotFound."""
    plan = db.session.scalar(
        select(InstalmentPlan).where(
            InstalmentPlan.id == plan_id, InstalmentPlan.customer_id == customer.id
        )
    )
    if plan is None:
        raise NotFound(N_("No such plan."))
    return plan


def plans_of(customer: Customer) -> list[InstalmentPlan]:
    return list(
        db.session.scalars(
            select(InstalmentPlan)
            .where(InstalmentPlan.customer_id == customer.id)
            .order_by(InstalmentPlan.id.desc())
        )
    )


def from_schedule(schedule: list[tuple[date, int]]) -> list[Instalment]:
    """The instalment rows of a schedule, numbered from 1, nothing paid yet."""
    return [
        Instalment(position=k + 1, due_date=day, amount_cents=cents, paid_cents=0)
        for k, (day, cents) in enumerate(schedule)
    ]


def next_instalment(plan: InstalmentPlan) -> Instalment | None:
    """The first instalment not fully paid, if the plan is active."""
    if plan.status is not PlanStatus.ACTIVE:
        return None
    return next((i for i in plan.instalments if i.paid_cents < i.amount_cents), None)


def plan_invoices(plan: InstalmentPlan) -> list[Invoice]:
    """The plan's invoices, oldest due date first (the order instalments pay them in)."""
    return sorted((pi.invoice for pi in plan.invoices), key=lambda i: (i.due_date, i.id))


def apply_payments(plan: InstalmentPlan, *, now: datetime | None = None) -> int:
    """Spread what the plan's invoices received since it began over the instalments, in order.

    Returns the cents paid; an active plan fully paid becomes completed.
    """
    paid = sum(
        max(0, pi.amount_cents - max(0, pi.invoice.outstanding_cents)) for pi in plan.invoices
    )
    remaining = paid
    for instalment in plan.instalments:
        instalment.paid_cents = min(instalment.amount_cents, remaining)
        remaining -= instalment.paid_cents
    if plan.status is PlanStatus.ACTIVE and paid >= plan.total_cents and now is not None:
        plan.status = PlanStatus.COMPLETED
        audit.record(
            audit.Actor.system(),
            "plan.completed",
            OBJECT_TYPE,
            plan.id,
            at=now,
            customer_id=plan.customer_id,
        )
    return paid
