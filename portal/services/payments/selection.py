"""What a debtor chose to pay: always recomputed on the server from what is still due."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    Customer,
    InstalmentPlan,
    Invoice,
    InvoiceStatus,
)
from portal.services.errors import N_, DomainError, NotFound
from portal.services.payments import standing
from portal.services.plans import instalments


class NothingToPay(DomainError):
    pass


@dataclass
class Selection:
    invoices: list[Invoice]
    allocations: dict[int, int]
    """invoice id -> cents to pay on it."""
    currency: str

    @property
    def total_cents(self) -> int:
        return sum(self.allocations.values())

    @property
    def invoice_ids(self) -> list[int]:
        return list(self.allocations)


def processing_invoice_ids(customer: Customer) -> set[int]:
    """Invoices with an online payment under way (SEPA debits take days): not payable twice."""
    return standing.processing_invoice_ids(customer)


def select_invoices(customer: Customer, invoice_ids: Iterable[int | str]) -> Selection:
    """The customer's own open invoices among `invoice_ids`, each for what is still due.

    An id that is not one of this customer's invoices is NotFound (never a hint
    that it exists for someone else).
    """
    try:
        wanted = {int(i) for i in invoice_ids}
    except (TypeError, ValueError) as exc:
        raise NotFound(N_("No such invoice.")) from exc
    if not wanted:
        raise NothingToPay(N_("Choose at least one invoice to pay."))
    invoices = list(
        db.session.scalars(
            select(Invoice)
            .where(Invoice.id.in_(wanted), Invoice.customer_id == customer.id)
            .order_by(Invoice.due_date, Invoice.id)
        )
    )
    if len(invoices) != len(wanted):
        raise NotFound(N_("No such invoice."))
    # Under way, declared paid, in a plan or disputed: never paid twice by ticking it.
    amounts = standing.payable_now(customer, invoices)
    payable = [i for i in invoices if i.status is InvoiceStatus.OPEN and amounts[i.id] > 0]
    if not payable:
        raise NothingToPay(N_("These invoices have nothing left to pay."))
    currencies = {i.currency for i in payable}
    if len(currencies) > 1:
        raise NothingToPay(N_("Invoices in different currencies must be paid separately."))
    return Selection(payable, {i.id: amounts[i.id] for i in payable}, currencies.pop())


def select_instalment(customer: Customer, plan: InstalmentPlan) -> Selection:
    """The next instalment of the customer's active plan, spread over its invoices oldest first.

    The amount is what the instalment still lacks, never more than the invoices owe.
    """
    if plan.customer_id != customer.id:
        raise NotFound(N_("No such plan."))
    instalments.apply_payments(plan)
    instalment = instalments.next_instalment(plan)
    if instalment is None:
        raise NothingToPay(N_("This plan has no instalment left to pay."))
    remaining = instalment.amount_cents - instalment.paid_cents
    busy = processing_invoice_ids(customer)
    allocations: dict[int, int] = {}
    invoices: list[Invoice] = []
    for invoice in instalments.plan_invoices(plan):
        if remaining <= 0:
            break
        if invoice.status is not InvoiceStatus.OPEN or invoice.id in busy:
            continue
        cents = min(invoice.outstanding_cents, remaining)
        if cents > 0:
            allocations[invoice.id] = cents
            invoices.append(invoice)
            remaining -= cents
    if not allocations:
        raise NothingToPay(N_("A payment for this instalment is already under way."))
    return Selection(invoices, allocations, plan.currency)
