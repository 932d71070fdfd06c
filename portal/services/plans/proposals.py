"""The debtor proposes an instalment plan within the creditor's rules.

The proposal is checked against the organisation's policy (`schedule`) and
either accepted at once (small totals, no broken plan before) or left for the
creditor's review with a task. While a plan is proposed or active, its invoices
leave normal dunning (`holds`). The preview runs the very same checks and
writes nothing, so what the debtor sees is what the proposal will do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import (
    Customer,
    InstalmentPlan,
    Invoice,
    InvoiceStatus,
    PlanInvoice,
    PlanStatus,
)
from portal.services import audit, notifications, organisation
from portal.services.errors import N_, NotFound
from portal.services.payments import standing
from portal.services.payments.standing import WAITING, Standing, State
from portal.services.plans import instalments, reviews
from portal.services.plans.holds import held_invoice_ids
from portal.services.plans.instalments import OBJECT_TYPE, TASK_KIND
from portal.services.plans.schedule import (
    FREQUENCIES,
    MAX_MESSAGE_LENGTH,
    TOO_MANY_TO_COMPUTE,
    PlanRefused,
    Problem,
    Request,
    policy_problems,
    schedule_for,
)
from portal.values.money import format_money


@dataclass
class Preview:
    """The schedule a request gives, and every rule it breaks."""

    invoices: list[Invoice]
    total_cents: int
    currency: str
    frequency: str
    schedule: list[tuple[date, int]]
    problems: list[Problem]
    amounts: dict[int, int] = field(default_factory=dict)
    """Invoice id -> cents the plan covers on it."""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def disputed_cents(self) -> int:
        """What the chosen invoices owe beyond the plan: the part under an open dispute."""
        owed = sum(max(invoice.outstanding_cents, 0) for invoice in self.invoices)
        return max(0, owed - self.total_cents)


def eligible_invoices(customer: Customer, today: date) -> list[Standing]:
    """Open invoices with something payable now: not in a plan, not declared paid or under way.

    A disputed part is left out of the plan (it waits for the creditor's decision).
    """
    return [
        row
        for row in standing.for_customer(customer, today)
        if row.selectable and row.state is not State.PROCESSING
    ]


def preview(customer: Customer, wanted: Request, *, today: date) -> Preview:
    """The schedule and the broken rules; an invoice not of this customer is NotFound."""
    org = organisation.get()
    frequency = org.plan_frequency if org and org.plan_frequency in FREQUENCIES else "monthly"
    invoices = _own_invoices(customer, wanted.invoice_ids)
    problems: list[Problem] = []
    if org is None or not org.plans_enabled:
        problems.append(Problem(N_("Payment plans are not available at the moment.")))
    if not invoices:
        problems.append(Problem(N_("Choose at least one invoice.")))
    in_plans = held_invoice_ids()
    rows = {row.invoice.id: row for row in standing.for_customer(customer, today, invoices)}
    amounts: dict[int, int] = {}
    for invoice in invoices:
        row = rows[invoice.id]
        if invoice.id in in_plans:
            problems.append(
                Problem(
                    N_("Invoice %(number)s is already in a payment plan."),
                    {"number": invoice.number},
                )
            )
        elif invoice.status is not InvoiceStatus.OPEN or invoice.outstanding_cents <= 0:
            problems.append(
                Problem(
                    N_("Invoice %(number)s has nothing left to pay."), {"number": invoice.number}
                )
            )
        elif row.state in WAITING:
            problems.append(
                Problem(
                    N_(
                        "Invoice %(number)s is waiting for a payment you made or declared: "
                        "it cannot be in a plan."
                    ),
                    {"number": invoice.number},
                )
            )
        elif row.payable_cents <= 0:
            problems.append(
                Problem(
                    N_("Invoice %(number)s is wholly disputed: nothing to spread until we answer."),
                    {"number": invoice.number},
                )
            )
        else:
            amounts[invoice.id] = row.payable_cents
    currencies = {i.currency for i in invoices}
    if len(currencies) > 1:
        problems.append(Problem(N_("Invoices in different currencies need separate plans.")))
    currency = invoices[0].currency if invoices else (org.currency if org else "EUR")
    total = sum(amounts.values())  # the disputed part waits for the decision, outside the plan
    schedule = schedule_for(wanted, total, frequency, problems)
    if org is not None:
        if wanted.count > org.plan_max_instalments:  # the creditor's maximum, not the technical one
            problems = [p for p in problems if p.message != TOO_MANY_TO_COMPUTE]
        problems.extend(policy_problems(org, wanted, schedule, total, currency, today))
    if problems:
        schedule = []  # a plan that breaks a rule has no schedule to show, nor an earlier one
    return Preview(invoices, total, currency, frequency, schedule, problems, amounts)


def propose(
    customer: Customer,
    wanted: Request,
    *,
    today: date,
    now: datetime,
    actor: audit.Actor,
    base_url: str,
    link_days: int,
) -> InstalmentPlan:
    """Write the plan if it keeps every rule: accepted at once, or for the creditor's review."""
    _lock_invoices(customer, wanted.invoice_ids)
    result = preview(customer, wanted, today=today)
    if not result.ok:
        raise PlanRefused(result.problems)
    org = organisation.get()
    plan = InstalmentPlan(
        customer_id=customer.id,
        status=PlanStatus.PROPOSED,
        total_cents=result.total_cents,
        currency=result.currency,
        frequency=result.frequency,
        message=wanted.message.strip()[:MAX_MESSAGE_LENGTH],
        created_at=now,
    )
    plan.invoices = [
        PlanInvoice(invoice_id=i.id, amount_cents=result.amounts[i.id]) for i in result.invoices
    ]
    plan.instalments = instalments.from_schedule(result.schedule)
    db.session.add(plan)
    try:
        db.session.flush()
    except IntegrityError as exc:  # a concurrent proposal took one of these invoices
        db.session.rollback()
        raise PlanRefused(
            [Problem(N_("One of these invoices is already in a payment plan."))]
        ) from exc
    audit.record(
        actor,
        "plan.proposed",
        OBJECT_TYPE,
        plan.id,
        at=now,
        customer_id=customer.id,
        total_cents=plan.total_cents,
        currency=plan.currency,
        count=len(plan.instalments),
        numbers=[i.number for i in result.invoices],
    )
    if plan.total_cents <= org.plan_auto_accept_cents and not has_broken_plan(customer):
        plan.auto_accepted = True
        system = audit.Actor.system()
        reviews.accept(plan, actor=system, now=now, base_url=base_url, link_days=link_days)
    else:
        notifications.ask_creditor(
            TASK_KIND,
            _task_title(customer, plan),
            now=now,
            due_date=today,
            about=(OBJECT_TYPE, plan.id),
            customer_id=customer.id,
            body=plan.message,
            actor=actor,
        )
    return plan


def has_broken_plan(customer: Customer) -> bool:
    return (
        db.session.scalar(
            select(InstalmentPlan.id)
            .where(
                InstalmentPlan.customer_id == customer.id,
                InstalmentPlan.status == PlanStatus.BROKEN,
            )
            .limit(1)
        )
        is not None
    )


def _own_invoices(customer: Customer, invoice_ids: Iterable[int]) -> list[Invoice]:
    wanted = set(invoice_ids)
    if not wanted:
        return []
    invoices = list(
        db.session.scalars(
            select(Invoice)
            .where(Invoice.id.in_(wanted), Invoice.customer_id == customer.id)
            .order_by(Invoice.due_date, Invoice.id)
        )
    )
    if len(invoices) != len(wanted):
        raise NotFound(N_("No such invoice."))
    return invoices


def _lock_invoices(customer: Customer, invoice_ids: Iterable[int]) -> None:
    """Two proposals on one invoice at once: the second waits, then sees the first plan."""
    ids = set(invoice_ids)
    if ids:
        db.session.execute(
            select(Invoice.id)
            .where(Invoice.id.in_(ids), Invoice.customer_id == customer.id)
            .with_for_update()
        ).all()


def _task_title(customer: Customer, plan: InstalmentPlan) -> str:
    """Written once in the creditor's language, like every task title."""
    with notifications.creditor_language() as language:
        return gettext(
            "%(customer)s proposes to pay %(amount)s in %(count)d instalments — approve, modify or reject",
            customer=customer.name,
            amount=format_money(plan.total_cents, plan.currency, language),
            count=len(plan.instalments),
        )
