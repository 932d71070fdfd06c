"""The creditor's review of a proposed plan: approve, modify or reject.

Accepting is the same step whether the creditor approves, modifies or the
proposal is small enough to be accepted at once (`accept`, called by the
proposal too): the plan becomes active, the review task closes and the debtor
gets the schedule. A rejection gives the invoices back to normal dunning.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import InstalmentPlan, MessageKind, PlanStatus
from portal.services import audit, notifications, tasks
from portal.services.errors import N_, NotFound
from portal.services.plans import instalments
from portal.services.plans.instalments import OBJECT_TYPE, plan_invoices
from portal.services.plans.schedule import (
    MAX_MESSAGE_LENGTH,
    PlanRefused,
    Problem,
    dates_for,
    split,
)


def get(plan_id: int) -> InstalmentPlan:
    plan = db.session.get(InstalmentPlan, plan_id)
    if plan is None:
        raise NotFound(N_("No such plan."))
    return plan


def to_review_count() -> int:
    """Plans waiting for the creditor's decision, for the badge in the navigation."""
    return db.session.scalar(
        select(func.count(InstalmentPlan.id)).where(InstalmentPlan.status == PlanStatus.PROPOSED)
    )


def for_review() -> list[InstalmentPlan]:
    """Proposed plans first (oldest first), then the others, newest first."""
    rows = list(
        db.session.scalars(select(InstalmentPlan).order_by(InstalmentPlan.id.desc()).limit(200))
    )
    proposed = sorted((p for p in rows if p.status is PlanStatus.PROPOSED), key=lambda p: p.id)
    return proposed + [p for p in rows if p.status is not PlanStatus.PROPOSED]


def approve(
    plan_id: int, *, actor: audit.Actor, now: datetime, base_url: str, link_days: int
) -> InstalmentPlan:
    plan = _proposed(plan_id)
    accept(plan, actor=actor, now=now, base_url=base_url, link_days=link_days)
    return plan


def modify(
    plan_id: int,
    *,
    count: int,
    first_date: date | None,
    today: date,
    actor: audit.Actor,
    now: datetime,
    base_url: str,
    link_days: int,
) -> InstalmentPlan:
    """Accept with another number of instalments or first date (the creditor may exceed the policy)."""
    plan = _proposed(plan_id)
    if count < 1 or count > 60:
        raise PlanRefused([Problem(N_("Choose between 1 and 60 instalments."))])
    if first_date is None or first_date < today:
        raise PlanRefused([Problem(N_("The first instalment cannot be in the past."))])
    frequency = plan.frequency if plan.frequency in ("weekly", "monthly") else "monthly"
    schedule = list(
        zip(dates_for(first_date, count, frequency), split(plan.total_cents, count), strict=True)
    )
    plan.instalments = instalments.from_schedule(schedule)
    plan.frequency = frequency
    audit.record(
        actor,
        "plan.modified",
        OBJECT_TYPE,
        plan.id,
        at=now,
        customer_id=plan.customer_id,
        count=count,
        first_date=first_date.isoformat(),
    )
    accept(plan, actor=actor, now=now, base_url=base_url, link_days=link_days)
    return plan


def reject(
    plan_id: int, message: str, *, actor: audit.Actor, now: datetime, base_url: str, link_days: int
) -> InstalmentPlan:
    """Refuse with a written answer: the invoices go back to normal dunning."""
    message = message.strip()
    if not message:
        raise PlanRefused([Problem(N_("Write a message to the customer."))])
    plan = _proposed(plan_id)
    plan.status = PlanStatus.REJECTED
    plan.decided_at = now
    plan.message = message[:MAX_MESSAGE_LENGTH]
    audit.record(
        actor,
        "plan.rejected",
        OBJECT_TYPE,
        plan.id,
        at=now,
        customer_id=plan.customer_id,
        message=plan.message,
    )
    tasks.close_for(OBJECT_TYPE, plan.id, actor=actor, now=now)
    notifications.tell_debtor(
        plan.customer,
        MessageKind.PLAN_REJECTED,
        now=now,
        link=notifications.PortalLink(base_url, link_days),
        plan=plan,
        invoices=plan_invoices(plan),
    )
    return plan


def accept(
    plan: InstalmentPlan, *, actor: audit.Actor, now: datetime, base_url: str, link_days: int
) -> None:
    """The plan becomes active and the debtor gets the schedule; the caller commits."""
    plan.status = PlanStatus.ACTIVE
    plan.decided_at = now
    audit.record(
        actor,
        "plan.accepted",
        OBJECT_TYPE,
        plan.id,
        at=now,
        customer_id=plan.customer_id,
        automatic=plan.auto_accepted,
        count=len(plan.instalments),
    )
    tasks.close_for(OBJECT_TYPE, plan.id, actor=actor, now=now)
    notifications.tell_debtor(
        plan.customer,
        MessageKind.PLAN_ACCEPTED,
        now=now,
        link=notifications.PortalLink(base_url, link_days),
        plan=plan,
        invoices=plan_invoices(plan),
    )


def _proposed(plan_id: int) -> InstalmentPlan:
    plan = db.session.scalar(
        select(InstalmentPlan).where(InstalmentPlan.id == plan_id).with_for_update()
    )
    if plan is None:
        raise NotFound(N_("No such plan."))
    if plan.status is not PlanStatus.PROPOSED:
        raise PlanRefused([Problem(N_("This plan has already been decided."))])
    return plan
