"""The home page's "to handle today": every decision waiting, in one list.

Decisions live in several places (tasks, the message threads, the bank inbox)
and the customers worth a phone call are found in the figures. The creditor's
morning should not be a tour of those pages, so this gathers them, each with
what is at stake, and orders them by amount weighted by age: an item a month
old weighs twice its amount, so a small old decision is not buried forever
under large fresh ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    BankEntry,
    Customer,
    Dispute,
    InstalmentPlan,
    Invoice,
    InvoiceStatus,
    Message,
    PaidDeclaration,
    PlanStatus,
    Task,
    TaskStatus,
)
from portal.services.reconciliation import inbox

#: A customer this many days past their oldest due date is worth a call.
CALL_AFTER_DAYS = 30
AGE_WEIGHT_DAYS = 30
DEBTOR = "debtor"


@dataclass
class TodayItem:
    """One decision: what it is, for whom, how much is at stake and since when."""

    kind: str
    """dispute, plan_proposal, plan_broken, declaration, promise_broken, bounce,
    message, bank_entry, call, or task (any other task)."""
    since: date
    amount_cents: int
    currency: str
    customer_id: int | None = None
    customer_name: str = ""
    phone: str = ""
    title: str = ""
    task_id: int | None = None
    object_id: int | None = None
    score: int | None = None
    """Payer risk, for customers to call."""
    reasons: list = field(default_factory=list)

    def age_days(self, today: date) -> int:
        return max(0, (today - self.since).days)

    def weight(self, today: date) -> float:
        return abs(self.amount_cents) * (1 + self.age_days(today) / AGE_WEIGHT_DAYS)


class CallCandidate(Protocol):
    customer_id: int
    overdue_cents: int
    oldest_due: date | None


def to_handle(
    today: date, currency: str, call_candidates: Iterable[CallCandidate], limit: int = 200
) -> list[TodayItem]:
    """Tasks, unread threads, bank credits to place and customers to call, weightiest first.

    `call_candidates` are the customers worth a call, riskiest first (payer
    risk, or the largest overdue balances when no score is kept): those a
    month past due and not already in the list are the ones to call.
    """
    items = _task_items(currency, limit) + _message_items(currency) + _bank_items(limit)
    busy = {item.customer_id for item in items if item.customer_id}
    for candidate in call_candidates:
        oldest = candidate.oldest_due
        if candidate.customer_id in busy or oldest is None:
            continue
        if (today - oldest).days < CALL_AFTER_DAYS:
            continue
        items.append(
            TodayItem(
                "call",
                since=oldest,
                amount_cents=candidate.overdue_cents,
                currency=currency,
                customer_id=candidate.customer_id,
                score=getattr(candidate, "score", None),
                reasons=getattr(candidate, "reasons", []),
            )
        )
    _fill_customers(items, currency)
    items.sort(key=lambda item: (-item.weight(today), item.since, item.kind))
    return items


def _task_items(currency: str, limit: int) -> list[TodayItem]:
    open_tasks = db.session.scalars(
        select(Task)
        .where(Task.status == TaskStatus.OPEN)
        .order_by(Task.due_date, Task.id)
        .limit(limit)
    ).all()
    disputes = _by_id(Dispute, open_tasks, "dispute")
    plans = _by_id(InstalmentPlan, open_tasks, "instalment_plan")
    declarations = _by_id(PaidDeclaration, open_tasks, "paid_declaration")
    invoice_ids = {t.invoice_id for t in open_tasks if t.invoice_id}
    invoices = dict(
        db.session.execute(
            select(Invoice.id, Invoice.outstanding_cents).where(Invoice.id.in_(invoice_ids))
        ).all()
    )
    items = []
    for task in open_tasks:
        item = TodayItem(
            "task",
            since=task.created_at.date(),
            amount_cents=invoices.get(task.invoice_id, 0),
            currency=currency,
            customer_id=task.customer_id,
            title=task.title,
            task_id=task.id,
            object_id=task.object_id,
        )
        if (dispute := disputes.get(task.object_id)) and task.object_type == "dispute":
            item.kind, item.amount_cents = "dispute", dispute.amount_cents
        elif (plan := plans.get(task.object_id)) and task.object_type == "instalment_plan":
            item.kind = "plan_proposal" if plan.status is PlanStatus.PROPOSED else "plan_broken"
            item.amount_cents = plan.total_cents
        elif (decl := declarations.get(task.object_id)) and task.object_type == "paid_declaration":
            item.kind, item.amount_cents = "declaration", decl.amount_cents
        elif task.kind == "promise_broken":
            item.kind = "promise_broken"
        elif task.kind == "undeliverable":
            item.kind = "bounce"
        items.append(item)
    return items


def _by_id(model, open_tasks: list[Task], object_type: str) -> dict:
    ids = {t.object_id for t in open_tasks if t.object_type == object_type and t.object_id}
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))}


def _message_items(currency: str) -> list[TodayItem]:
    rows = db.session.execute(
        select(Message.customer_id, func.min(Message.created_at))
        .where(Message.author == DEBTOR, Message.read_at.is_(None))
        .group_by(Message.customer_id)
    ).all()
    return [
        TodayItem("message", since=first.date(), amount_cents=0, currency=currency, customer_id=cid)
        for cid, first in rows
    ]


def _bank_items(limit: int) -> list[TodayItem]:
    entries: list[BankEntry] = inbox.waiting(limit)
    return [
        TodayItem(
            "bank_entry",
            since=entry.booking_date,
            amount_cents=entry.amount_cents,
            currency=entry.currency,
            customer_id=entry.customer_id,
            title=entry.counterparty_name or entry.label,
            object_id=entry.id,
        )
        for entry in entries
    ]


def _fill_customers(items: list[TodayItem], currency: str) -> None:
    """Names and phones, and the open balance as the stake of items that have none."""
    ids = {item.customer_id for item in items if item.customer_id}
    if not ids:
        return
    customers = {c.id: c for c in db.session.scalars(select(Customer).where(Customer.id.in_(ids)))}
    owed = dict(
        db.session.execute(
            select(Invoice.customer_id, func.sum(Invoice.outstanding_cents))
            .where(
                Invoice.customer_id.in_(ids),
                Invoice.status == InvoiceStatus.OPEN,
                Invoice.currency == currency,
            )
            .group_by(Invoice.customer_id)
        ).all()
    )
    for item in items:
        customer = customers.get(item.customer_id)
        if customer is None:
            continue
        item.customer_name, item.phone = customer.name, customer.phone
        if not item.amount_cents:
            item.amount_cents = int(owed.get(customer.id) or 0)


def counts(items: list[TodayItem]) -> dict[str, int]:
    """How many of each kind, for the summary line above the list."""
    found: dict[str, int] = {}
    for item in items:
        found[item.kind] = found.get(item.kind, 0) + 1
    return found
