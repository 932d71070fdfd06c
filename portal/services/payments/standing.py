"""Where each open invoice stands from the debtor's side, and what may be paid on it now.

One reading shared by the account, the pay page, the promise form and the plan
form, so that a request the debtor already made (a plan, a declared payment, a
payment under way, a dispute) is shown on every page and is never preselected,
totalled or paid a second time by mistake. Plain queries on the models: the
payment selection imports this module, so it imports no other use case.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, bindparam, select

from portal.extensions import db
from portal.models import (
    AttemptStatus,
    CheckoutAttempt,
    Customer,
    DeclarationStatus,
    Dispute,
    Instalment,
    InstalmentPlan,
    Invoice,
    PaidDeclaration,
    PlanInvoice,
    PlanStatus,
    Promise,
    PromiseStatus,
)
from portal.services.declarations.invoices import declarable_invoices
from portal.statements import built_once


class State(enum.StrEnum):
    """The one thing the debtor most needs to know about an open invoice, first match wins."""

    PROCESSING = "processing"
    DECLARED = "declared"
    PLAN_PROPOSED = "plan_proposed"
    PLAN_ACTIVE = "plan_active"
    PROMISED = "promised"
    OVERDUE = "overdue"
    DUE = "due"
    NOT_DUE = "not_due"


#: States whose invoices wait for something other than a payment ticked on the account.
WAITING = {State.PROCESSING, State.DECLARED, State.PLAN_PROPOSED, State.PLAN_ACTIVE}


@dataclass
class Standing:
    invoice: Invoice
    state: State
    on_hold_cents: int
    """Under an open dispute: not asked for until the creditor decides."""
    payable_cents: int
    """What ticking this invoice pays now (0 when it waits for something else)."""
    declaration: PaidDeclaration | None = None
    plan: InstalmentPlan | None = None
    next_instalment: Instalment | None = None
    promise: Promise | None = None
    disputes: list[Dispute] = field(default_factory=list)

    @property
    def selectable(self) -> bool:
        return self.payable_cents > 0

    @property
    def preselected(self) -> bool:
        """Only what is due today or late, and not waiting for anything, is ticked for them."""
        return self.selectable and self.state in (State.OVERDUE, State.DUE)


def for_customer(
    customer: Customer, today: date | None, invoices: list[Invoice] | None = None
) -> list[Standing]:
    """The standing of `invoices` (by default every open invoice of the customer).

    Without `today` the due dates are not read: what may be paid does not depend on them.
    """
    invoices = declarable_invoices(customer) if invoices is None else invoices
    ids = {i.id for i in invoices}
    processing = processing_invoice_ids(customer)
    values = {"customer_id": customer.id}
    declarations = _by_invoice(db.session.scalars(_pending_declarations(), values), ids)
    promises = _by_invoice(db.session.scalars(_pending_promises(), values), ids)
    plans: dict[int, InstalmentPlan] = {
        invoice_id: plan for invoice_id, plan in db.session.execute(_live_plans(), values)
    }
    disputes: dict[int, list[Dispute]] = {}
    for dispute in db.session.scalars(_disputes(), values):
        disputes.setdefault(dispute.invoice_id, []).append(dispute)

    result = []
    for invoice in invoices:
        own = disputes.get(invoice.id, [])
        held = min(
            invoice.outstanding_cents, sum(d.amount_cents for d in own if d.status == "open")
        )
        plan = plans.get(invoice.id)
        state = _state(invoice, today, invoice.id in processing, declarations, plan, promises)
        payable = 0 if state in WAITING else invoice.outstanding_cents - held
        result.append(
            Standing(
                invoice=invoice,
                state=state,
                on_hold_cents=held,
                payable_cents=max(payable, 0),
                declaration=declarations.get(invoice.id),
                plan=plan,
                next_instalment=_next_instalment(plan),
                promise=promises.get(invoice.id),
                disputes=own,
            )
        )
    return result


def payable_now(customer: Customer, invoices: list[Invoice]) -> dict[int, int]:
    """Invoice id -> cents the debtor may pay on it now by ticking it."""
    return {s.invoice.id: s.payable_cents for s in for_customer(customer, None, invoices)}


def processing_invoice_ids(customer: Customer) -> set[int]:
    """Invoices with an online payment under way (SEPA debits take days): not payable twice."""
    ids: set[int] = set()
    for allocations in db.session.scalars(_processing_allocations(), {"customer_id": customer.id}):
        ids.update(int(k) for k in allocations)
    return ids


@built_once
def _processing_allocations() -> Select:
    return select(CheckoutAttempt.allocations).where(
        CheckoutAttempt.customer_id == bindparam("customer_id"),
        CheckoutAttempt.status == AttemptStatus.PROCESSING,
    )


@built_once
def _pending_declarations() -> Select:
    return (
        select(PaidDeclaration)
        .where(
            PaidDeclaration.customer_id == bindparam("customer_id"),
            PaidDeclaration.status == DeclarationStatus.PENDING,
        )
        .order_by(PaidDeclaration.id)
    )


@built_once
def _pending_promises() -> Select:
    return (
        select(Promise)
        .where(
            Promise.customer_id == bindparam("customer_id"),
            Promise.status == PromiseStatus.PENDING,
        )
        .order_by(Promise.id)
    )


@built_once
def _live_plans() -> Select:
    """Proposed or active plans, with each invoice they cover."""
    return (
        select(PlanInvoice.invoice_id, InstalmentPlan)
        .join(InstalmentPlan, InstalmentPlan.id == PlanInvoice.plan_id)
        .where(
            InstalmentPlan.customer_id == bindparam("customer_id"),
            InstalmentPlan.status.in_((PlanStatus.PROPOSED, PlanStatus.ACTIVE)),
        )
    )


@built_once
def _disputes() -> Select:
    return (
        select(Dispute).where(Dispute.customer_id == bindparam("customer_id")).order_by(Dispute.id)
    )


def _by_invoice(rows, ids: set[int]) -> dict:
    found: dict = {}
    for row in rows:
        for invoice_id in row.invoice_ids:
            if int(invoice_id) in ids:
                found.setdefault(int(invoice_id), row)
    return found


def _state(invoice, today, processing, declarations, plan, promises) -> State:
    if processing:
        return State.PROCESSING
    if invoice.id in declarations:
        return State.DECLARED
    if plan is not None:
        return State.PLAN_ACTIVE if plan.status is PlanStatus.ACTIVE else State.PLAN_PROPOSED
    if invoice.id in promises:
        return State.PROMISED
    if today is None:
        return State.DUE
    if invoice.due_date < today:
        return State.OVERDUE
    return State.DUE if invoice.due_date == today else State.NOT_DUE


def _next_instalment(plan: InstalmentPlan | None) -> Instalment | None:
    if plan is None or plan.status is not PlanStatus.ACTIVE:
        return None
    return next((i for i in plan.instalments if i.paid_cents < i.amount_cents), None)
