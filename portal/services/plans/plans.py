"""Instalment plans: a debtor spreads what they owe within the creditor's rules.

The debtor's proposal is checked against the organisation's policy and either
accepted at once (small totals, no broken plan before) or left for the
creditor's review. While a plan is proposed or active, its invoices leave
normal dunning (`held_invoice_ids`); the plan job reminds the debtor before
and after each instalment, and breaks the plan when one stays unpaid for
`BREACH_DAYS`, which gives the invoices back to the dunning pass.

Money is never moved here: instalments are paid like invoices, and
`apply_payments` reads what the covered invoices received since the plan began.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import force_locale, format_currency, gettext
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    Customer,
    Instalment,
    InstalmentPlan,
    Invoice,
    InvoiceStatus,
    PlanInvoice,
    PlanStatus,
)
from portal.services import audit, links, organisation, tasks
from portal.services.errors import N_, DomainError, NotFound
from portal.services.mail import outbox

FREQUENCIES = ("weekly", "monthly", "chosen")
#: Open plans: their invoices are out of normal dunning and cannot join another plan.
OPEN_STATUSES = (PlanStatus.PROPOSED, PlanStatus.ACTIVE)
REMIND_BEFORE_DAYS = 3
REMIND_AFTER_DAYS = 1
#: An instalment still unpaid this many days after its date breaks the plan.
BREACH_DAYS = 7
MAX_MESSAGE_LENGTH = 2000
OBJECT_TYPE = "instalment_plan"
TASK_KIND = "instalment_plan"


@dataclass(frozen=True)
class Problem:
    """A rule the proposal breaks, in plain words (an msgid and its values)."""

    message: str
    params: dict = field(default_factory=dict)
    amount: tuple[int, str] | None = None
    """Cents and currency, formatted in the reader's language when shown."""

    def text(self) -> str:
        extra = {"amount": money(*self.amount)} if self.amount else {}
        return gettext(self.message, **self.params, **extra)


class PlanRefused(DomainError):
    """The proposal breaks at least one rule; nothing was written."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems[0].message)
        self.problems = problems


@dataclass(frozen=True)
class Request:
    """What the debtor asks for, once parsed."""

    invoice_ids: tuple[int, ...]
    count: int
    first_date: date | None
    down_payment_cents: int | None = None
    dates: tuple[date, ...] = ()
    message: str = ""


@dataclass
class Preview:
    """The schedule a request gives, and every rule it breaks."""

    invoices: list[Invoice]
    total_cents: int
    currency: str
    frequency: str
    schedule: list[tuple[date, int]]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def money(cents: int, currency: str) -> str:
    """In the current locale (portal.i18n's filter imports the services, so not from there)."""
    return format_currency(Decimal(cents).scaleb(-2), currency)


# ---------------------------------------------------------------- arithmetic


def split(total_cents: int, count: int) -> list[int]:
    """Equal parts in cents; the last takes the rounding, so they sum exactly to the total."""
    if count < 1:
        return []
    base = total_cents // count
    return [base] * (count - 1) + [total_cents - base * (count - 1)]


def amounts(total_cents: int, count: int, down_payment_cents: int | None = None) -> list[int]:
    """A chosen down payment first, the rest in equal parts; or equal parts throughout."""
    if down_payment_cents is None or count < 2:
        return split(total_cents, count)
    return [down_payment_cents] + split(total_cents - down_payment_cents, count - 1)


def add_months(day: date, months: int, *, end_of_month: bool = False) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last if end_of_month else min(day.day, last))


def dates_for(first: date, count: int, frequency: str) -> list[date]:
    """Weekly or monthly dates from `first`; a month-end first date stays on month ends."""
    if frequency == "weekly":
        return [first + timedelta(weeks=k) for k in range(count)]
    end_of_month = first.day == calendar.monthrange(first.year, first.month)[1]
    return [add_months(first, k, end_of_month=end_of_month) for k in range(count)]


# ---------------------------------------------------------------- the debtor's side


def eligible_invoices(customer: Customer) -> list[Invoice]:
    """The customer's open invoices with something due and no open plan."""
    in_plans = _invoice_ids_in_open_plans()
    return [
        invoice
        for invoice in db.session.scalars(
            select(Invoice)
            .where(
                Invoice.customer_id == customer.id,
                Invoice.status == InvoiceStatus.OPEN,
                Invoice.outstanding_cents > 0,
            )
            .order_by(Invoice.due_date, Invoice.id)
        )
        if invoice.id not in in_plans
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
    in_plans = _invoice_ids_in_open_plans()
    for invoice in invoices:
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
    currencies = {i.currency for i in invoices}
    if len(currencies) > 1:
        problems.append(Problem(N_("Invoices in different currencies need separate plans.")))
    currency = invoices[0].currency if invoices else (org.currency if org else "EUR")
    total = sum(i.outstanding_cents for i in invoices if i.outstanding_cents > 0)
    schedule = _schedule(wanted, total, frequency, problems)
    if org is not None:
        problems.extend(_policy_problems(org, wanted, schedule, total, currency, today))
    return Preview(invoices, total, currency, frequency, schedule, problems)


def _schedule(
    wanted: Request, total: int, frequency: str, problems: list[Problem]
) -> list[tuple[date, int]]:
    count = wanted.count
    if count < 1:
        problems.append(Problem(N_("Choose at least one instalment.")))
        return []
    if wanted.down_payment_cents is not None and not 0 < wanted.down_payment_cents < total:
        problems.append(
            Problem(N_("The down payment must be more than zero and less than the total."))
        )
        return []
    if frequency == "chosen":
        days = sorted(wanted.dates)
        if len(days) != count or len(set(days)) != count:
            problems.append(
                Problem(
                    N_("Give one different date for each of the %(count)d instalments."),
                    {"count": count},
                )
            )
            return []
    elif wanted.first_date is None:
        problems.append(Problem(N_("Choose the date of the first instalment.")))
        return []
    else:
        days = dates_for(wanted.first_date, count, frequency)
    return list(zip(days, amounts(total, count, wanted.down_payment_cents), strict=True))


def _policy_problems(
    org, wanted: Request, schedule: list[tuple[date, int]], total: int, currency: str, today: date
) -> list[Problem]:
    problems: list[Problem] = []
    if wanted.count > org.plan_max_instalments:
        problems.append(
            Problem(
                N_("You can spread the payment over at most %(max)d instalments."),
                {"max": org.plan_max_instalments},
            )
        )
    if not schedule:
        return problems
    first, last = schedule[0][0], schedule[-1][0]
    if first < today:
        problems.append(Problem(N_("The first instalment cannot be in the past.")))
    if (last - today).days > org.plan_max_days:
        problems.append(
            Problem(
                N_(
                    "The plan lasts too long: the last instalment must be at most %(days)d days from today."
                ),
                {"days": org.plan_max_days},
            )
        )
    if min(cents for _, cents in schedule) < org.plan_min_instalment_cents:
        problems.append(
            Problem(
                N_("Each instalment must be at least %(amount)s: choose fewer instalments."),
                amount=(org.plan_min_instalment_cents, currency),
            )
        )
    needed = -(-total * org.plan_min_down_payment_pct // 100)
    if schedule[0][1] < needed:
        problems.append(
            Problem(
                N_("The first instalment must be at least %(amount)s (%(pct)d%% of the total)."),
                {"pct": org.plan_min_down_payment_pct},
                amount=(needed, currency),
            )
        )
    return problems


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
        db.session.rollback()
        raise PlanRefused(result.problems)
    org = organisation.get()
    plan = InstalmentPlan(
        customer_id=customer.id, status=PlanStatus.PROPOSED, total_cents=result.total_cents,
        currency=result.currency, frequency=result.frequency,
        message=wanted.message.strip()[:MAX_MESSAGE_LENGTH], created_at=now,
    )  # fmt: skip
    plan.invoices = [
        PlanInvoice(invoice_id=i.id, amount_cents=i.outstanding_cents) for i in result.invoices
    ]
    plan.instalments = _instalments(result.schedule)
    db.session.add(plan)
    db.session.flush()
    audit.record(
        actor, "plan.proposed", OBJECT_TYPE, plan.id, at=now, customer_id=customer.id,
        total_cents=plan.total_cents, currency=plan.currency, count=len(plan.instalments),
        numbers=[i.number for i in result.invoices],
    )  # fmt: skip
    if plan.total_cents <= org.plan_auto_accept_cents and not has_broken_plan(customer):
        plan.auto_accepted = True
        _accept(plan, actor=audit.Actor.system(), now=now, base_url=base_url, link_days=link_days)
    else:
        tasks.create(
            kind=TASK_KIND, title=_task_title(customer, plan, org.language), due_date=today,
            now=now, actor=actor, body=plan.message, customer_id=customer.id,
            object_type=OBJECT_TYPE, object_id=plan.id,
        )  # fmt: skip
    db.session.commit()
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


def next_instalment(plan: InstalmentPlan) -> Instalment | None:
    """The first instalment not fully paid, if the plan is active."""
    if plan.status is not PlanStatus.ACTIVE:
        return None
    return next((i for i in plan.instalments if i.paid_cents < i.amount_cents), None)


def plan_invoices(plan: InstalmentPlan) -> list[Invoice]:
    """The plan's invoices, oldest due date first (the order instalments pay them in)."""
    return sorted((pi.invoice for pi in plan.invoices), key=lambda i: (i.due_date, i.id))


# ---------------------------------------------------------------- payments


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
            audit.Actor.system(), "plan.completed", OBJECT_TYPE, plan.id, at=now,
            customer_id=plan.customer_id,
        )  # fmt: skip
    return paid


# ---------------------------------------------------------------- the creditor's side


def get(plan_id: int) -> InstalmentPlan:
    plan = db.session.get(InstalmentPlan, plan_id)
    if plan is None:
        raise NotFound(N_("No such plan."))
    return plan


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
    _accept(plan, actor=actor, now=now, base_url=base_url, link_days=link_days)
    db.session.commit()
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
    plan.instalments = _instalments(schedule)
    plan.frequency = frequency
    audit.record(
        actor, "plan.modified", OBJECT_TYPE, plan.id, at=now, customer_id=plan.customer_id,
        count=count, first_date=first_date.isoformat(),
    )  # fmt: skip
    _accept(plan, actor=actor, now=now, base_url=base_url, link_days=link_days)
    db.session.commit()
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
        actor, "plan.rejected", OBJECT_TYPE, plan.id, at=now, customer_id=plan.customer_id,
        message=plan.message,
    )  # fmt: skip
    tasks.close_for(OBJECT_TYPE, plan.id, actor=actor, now=now)
    _tell_debtor(plan, "plan_rejected", now=now, base_url=base_url, link_days=link_days)
    db.session.commit()
    return plan


# ---------------------------------------------------------------- for the dunning engine


def held_invoice_ids() -> set[int]:
    """Invoices of proposed or active plans: no normal reminder touches them."""
    return set(
        db.session.scalars(
            select(PlanInvoice.invoice_id)
            .join(InstalmentPlan, InstalmentPlan.id == PlanInvoice.plan_id)
            .where(InstalmentPlan.status.in_(OPEN_STATUSES))
        )
    )


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
    db.session.commit()
    return result


# ---------------------------------------------------------------- inside


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


def _invoice_ids_in_open_plans() -> set[int]:
    return held_invoice_ids()


def _instalments(schedule: list[tuple[date, int]]) -> list[Instalment]:
    return [
        Instalment(position=k + 1, due_date=day, amount_cents=cents, paid_cents=0)
        for k, (day, cents) in enumerate(schedule)
    ]


def _proposed(plan_id: int) -> InstalmentPlan:
    plan = db.session.scalar(
        select(InstalmentPlan).where(InstalmentPlan.id == plan_id).with_for_update()
    )
    if plan is None:
        raise NotFound(N_("No such plan."))
    if plan.status is not PlanStatus.PROPOSED:
        raise PlanRefused([Problem(N_("This plan has already been decided."))])
    return plan


def _accept(
    plan: InstalmentPlan, *, actor: audit.Actor, now: datetime, base_url: str, link_days: int
) -> None:
    plan.status = PlanStatus.ACTIVE
    plan.decided_at = now
    audit.record(
        actor, "plan.accepted", OBJECT_TYPE, plan.id, at=now, customer_id=plan.customer_id,
        automatic=plan.auto_accepted, count=len(plan.instalments),
    )  # fmt: skip
    tasks.close_for(OBJECT_TYPE, plan.id, actor=actor, now=now)
    _tell_debtor(plan, "plan_accepted", now=now, base_url=base_url, link_days=link_days)


def _break(
    plan: InstalmentPlan, instalment: Instalment, *, now: datetime, today: date, settings
) -> None:
    """The plan ends: the creditor gets a task and an email; dunning takes the invoices back."""
    plan.status = PlanStatus.BROKEN
    plan.broken_at = now
    actor = audit.Actor.system()
    audit.record(
        actor, "plan.broken", OBJECT_TYPE, plan.id, at=now, customer_id=plan.customer_id,
        position=instalment.position, due_date=instalment.due_date.isoformat(),
    )  # fmt: skip
    org = organisation.get()
    language = org.language if org else "fr"
    customer = plan.customer
    with force_locale(language):
        title = gettext(
            "%(customer)s missed instalment %(position)d of their payment plan: the plan is broken",
            customer=customer.name, position=instalment.position,
        )  # fmt: skip
        tasks.create(
            kind=TASK_KIND, title=title[:300], due_date=today, now=now, actor=actor,
            customer_id=customer.id, object_type=OBJECT_TYPE, object_id=plan.id,
        )  # fmt: skip
        if org is not None and org.contact_email:
            outbox.queue_template(
                "plan_broken", kind="plan_broken", to=[org.contact_email], now=now,
                customer_id=customer.id, customer=customer, plan=plan, instalment=instalment,
                organisation=org,
            )  # fmt: skip


def _remind(
    plan: InstalmentPlan, instalment: Instalment, template: str, now: datetime, settings
) -> None:
    audit.record(
        audit.Actor.system(), f"plan.{template.removeprefix('plan_')}_sent", OBJECT_TYPE, plan.id,
        at=now, customer_id=plan.customer_id, position=instalment.position,
    )  # fmt: skip
    _tell_debtor(
        plan, template, now=now, base_url=settings.base_url, link_days=settings.link_days,
        instalment=instalment,
    )  # fmt: skip


def _tell_debtor(
    plan: InstalmentPlan, template: str, *, now: datetime, base_url: str, link_days: int, **context
) -> None:
    customer = plan.customer
    addresses = [e.email for e in customer.emails if not e.undeliverable]
    if not addresses:
        return
    token = links.create(
        customer, now=now, days=link_days, actor=audit.Actor.system(), purpose=template
    )
    org = organisation.get()
    with force_locale(customer.language):
        outbox.queue_template(
            template, kind=template, to=addresses, now=now, customer_id=customer.id,
            reply_to=org.contact_email if org else "", customer=customer, plan=plan,
            invoices=plan_invoices(plan), organisation=org, url=links.absolute_url(token, base_url),
            **context,
        )  # fmt: skip


def _task_title(customer: Customer, plan: InstalmentPlan, language: str) -> str:
    with force_locale(language):
        title = gettext(
            "%(customer)s proposes to pay %(amount)s in %(count)d instalments — approve, modify or reject",
            customer=customer.name, amount=money(plan.total_cents, plan.currency),
            count=len(plan.instalments),
        )  # fmt: skip
    return title[:300]
