"""The plan job: remind the debtor around each instalment, complete paid plans, break overdue ones.

Run by the scheduler after each dunning pass, inside the sending window. An
instalment still unpaid `BREACH_DAYS` after its date breaks the plan, which
gives its invoices back to the dunning pass and the creditor a task. Each
reminder is stamped on its instalment, so a repeated run sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext
from sqlalchemy import select

from portal.extensions import db
from portal.models import Instalment, InstalmentPlan, MessageKind, PlanStatus
from portal.services import audit, notifications
from portal.services.plans.instalments import (
    OBJECT_TYPE,
    TASK_KIND,
    apply_payments,
    plan_invoices,
)

REMIND_BEFORE_DAYS = 3
REMIND_AFTER_DAYS = 1
#: An instalment still unpaid this many days after its date breaks the plan.
BREACH_DAYS = 7


@dataclass
class ReminderResult:
    before: int = 0
    after: int = 0
    broken: int = 0
    completed: int = 0


def run_plan_reminders(now: datetime, settings) -> ReminderResult:
    """Remind before and after instalments, complete paid plans, break overdue ones.

    Each reminder is stamped on its instalment, so a repeated run sends nothing twice.
    """
    today = now.astimezone(settings.timezone).date()
    result = ReminderResult()
    active = list(
        db.session.scalars(
            select(InstalmentPlan)
            .where(InstalmentPlan.status == PlanStatus.ACTIVE)
            .order_by(InstalmentPlan.id)
        )
    )
    for plan in active:
        apply_payments(plan, now=now)
        if plan.status is PlanStatus.COMPLETED:
            result.completed += 1
            continue
        for instalment in plan.instalments:
            if instalment.paid_cents >= instalment.amount_cents:
                continue
            late = (today - instalment.due_date).days
            if late >= BREACH_DAYS:
                _break(plan, instalment, now=now, today=today, settings=settings)
                result.broken += 1
                break
            if -REMIND_BEFORE_DAYS <= late < 0 and instalment.reminded_before_at is None:
                instalment.reminded_before_at = now
                _remind(plan, instalment, "plan_reminder", now, settings)
                result.before += 1
            elif late >= REMIND_AFTER_DAYS and instalment.reminded_after_at is None:
                instalment.reminded_after_at = now
                _remind(plan, instalment, "plan_missed", now, settings)
                result.after += 1
    return result


def _break(
    plan: InstalmentPlan, instalment: Instalment, *, now: datetime, today: date, settings
) -> None:
    """The plan ends: the creditor gets a task and an email; dunning takes the invoices back."""
    plan.status = PlanStatus.BROKEN
    plan.broken_at = now
    actor = audit.Actor.system()
    audit.record(
        actor,
        "plan.broken",
        OBJECT_TYPE,
        plan.id,
        at=now,
        customer_id=plan.customer_id,
        position=instalment.position,
        due_date=instalment.due_date.isoformat(),
    )
    customer = plan.customer
    with notifications.creditor_language():
        title = gettext(
            "%(customer)s missed instalment %(position)d of their payment plan: the plan is broken",
            customer=customer.name,
            position=instalment.position,
        )
    notifications.ask_creditor(
        TASK_KIND,
        title,
        now=now,
        due_date=today,
        about=(OBJECT_TYPE, plan.id),
        customer_id=customer.id,
        actor=actor,
    )
    notifications.tell_creditor(
        MessageKind.PLAN_BROKEN, now=now, customer=customer, plan=plan, instalment=instalment
    )


def _remind(
    plan: InstalmentPlan, instalment: Instalment, template: str, now: datetime, settings
) -> None:
    action = f"plan.{template.removeprefix('plan_')}_sent"
    audit.record(
        audit.Actor.system(),
        action,
        OBJECT_TYPE,
        plan.id,
        at=now,
        customer_id=plan.customer_id,
        position=instalment.position,
    )
    notifications.tell_debtor(
        plan.customer,
        template,
        now=now,
        link=notifications.PortalLink(settings.base_url, settings.link_days),
        plan=plan,
        invoices=plan_invoices(plan),
        instalment=instalment,
    )
