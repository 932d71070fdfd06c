"""Which invoices a debtor may name: their own, with something still due.

Shared by the "I have already paid" and "I will pay on this date" forms, and by
the creditor's review of a declaration: plain queries on the models, so either
feature may import them without loading the other's workflow.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from portal.extensions import db
from portal.models import Customer, Invoice, InvoiceStatus, PaidDeclaration
from portal.services.errors import N_, NotFound


def declarable_invoices(customer: Customer) -> list[Invoice]:
    """The customer's invoices that still have something due, oldest due date first."""
    return list(
        db.session.scalars(
            select(Invoice)
            .where(
                Invoice.customer_id == customer.id,
                Invoice.status == InvoiceStatus.OPEN,
                Invoice.outstanding_cents > 0,
            )
            .order_by(Invoice.due_date, Invoice.id)
        )
    )


def own_invoice_ids(customer: Customer, invoice_ids: Iterable[int | str]) -> list[int]:
    """The ids, if every one is an invoice of this customer; NotFound otherwise.

    Another customer's invoice is "not found", never "not yours".
    """
    try:
        wanted = {int(i) for i in invoice_ids}
    except (TypeError, ValueError) as exc:
        raise NotFound(N_("No such invoice.")) from exc
    if not wanted:
        return []
    found = set(
        db.session.scalars(
            select(Invoice.id).where(Invoice.id.in_(wanted), Invoice.customer_id == customer.id)
        )
    )
    if found != wanted:
        raise NotFound(N_("No such invoice."))
    return sorted(wanted)


def invoices_of(declaration: PaidDeclaration) -> list[Invoice]:
    """The declared invoices, oldest due date first (the order money is allocated in)."""
    ids = [int(i) for i in declaration.invoice_ids]
    return list(
        db.session.scalars(
            select(Invoice)
            .where(Invoice.id.in_(ids), Invoice.customer_id == declaration.customer_id)
            .order_by(Invoice.due_date, Invoice.id)
        )
    )
