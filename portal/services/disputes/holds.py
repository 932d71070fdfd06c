"""The amounts disputes hold back, read by the dunning pass, the payment selection and the pages.

Only the disputed amount is held, never the whole invoice: the dunning pass
asks `put_on_hold` and the debtor's payment selection subtracts
`open_cents_by_invoice`, so the undisputed remainder stays payable and reminded
at once. What a rejection (or a partial acceptance) brings back waits until the
dispute's `resume_on` day. Plain queries on the models, so any module may ask.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Select, bindparam, func, select

from portal.extensions import db
from portal.models import Dispute, DisputeStatus, Invoice, InvoiceStatus
from portal.statements import built_once


def open_cents_for_customer(customer_id: int) -> dict[int, int]:
    """Invoice id -> cents under an open dispute, for every invoice of one customer."""
    rows = db.session.execute(_open_cents_of_customer(), {"customer_id": customer_id})
    return {invoice_id: int(cents) for invoice_id, cents in rows}


@built_once
def _open_cents_of_customer() -> Select:
    return (
        select(Dispute.invoice_id, func.sum(Dispute.amount_cents))
        .where(
            Dispute.status == DisputeStatus.OPEN, Dispute.customer_id == bindparam("customer_id")
        )
        .group_by(Dispute.invoice_id)
    )


def open_cents_by_invoice(invoice_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Invoice id -> cents under an open dispute: what the debtor need not pay yet."""
    query = select(Dispute.invoice_id, func.sum(Dispute.amount_cents)).where(
        Dispute.status == DisputeStatus.OPEN
    )
    if invoice_ids is not None:
        query = query.where(Dispute.invoice_id.in_(list(invoice_ids)))
    return {i: int(c) for i, c in db.session.execute(query.group_by(Dispute.invoice_id))}


def held_cents_by_invoice(
    today: date, customer_ids: list[int] | None = None
) -> dict[int, tuple[int, int]]:
    """Invoice id -> (cents reminders leave out today, cents still due).

    Held: open disputes, and what was refused (or not accepted) until its
    `resume_on` day; never more than what is still due. With `customer_ids`,
    only the disputes of these customers.
    """
    if customer_ids is None:
        held: dict[int, int] = dict(open_cents_by_invoice())
        rows = db.session.execute(
            select(Dispute.invoice_id, Dispute.amount_cents - Dispute.accepted_cents).where(
                Dispute.status != DisputeStatus.OPEN, Dispute.resume_on > today
            )
        )
    else:  # a few customers: their open and resuming disputes in one query
        held, rows = {}, []
        for invoice_id, status, amount, accepted, resume_on in db.session.execute(
            _disputes_of_customers(), {"customer_ids": customer_ids}
        ):
            if status == DisputeStatus.OPEN:
                held[invoice_id] = held.get(invoice_id, 0) + int(amount)
            elif resume_on is not None and resume_on > today:
                rows.append((invoice_id, amount - accepted))
    for invoice_id, cents in rows:
        if cents > 0:
            held[invoice_id] = held.get(invoice_id, 0) + int(cents)
    if not held:
        return {}
    due = dict(
        db.session.execute(
            select(Invoice.id, Invoice.outstanding_cents).where(
                Invoice.id.in_(list(held)), Invoice.status == InvoiceStatus.OPEN
            )
        ).all()
    )
    return {i: (min(c, due[i]), due[i]) for i, c in held.items() if due.get(i, 0) > 0}


@built_once
def _disputes_of_customers() -> Select:
    return select(
        Dispute.invoice_id,
        Dispute.status,
        Dispute.amount_cents,
        Dispute.accepted_cents,
        Dispute.resume_on,
    ).where(Dispute.customer_id.in_(bindparam("customer_ids", expanding=True)))


def put_on_hold(
    invoice_ids: set[int],
    amounts_on_hold: dict[int, int],
    today: date,
    customer_ids: list[int] | None = None,
) -> None:
    """Fill the dunning pass's holds: an invoice wholly under dispute is not reminded at all."""
    for invoice_id, (cents, due) in held_cents_by_invoice(today, customer_ids).items():
        amounts_on_hold[invoice_id] = min(due, amounts_on_hold.get(invoice_id, 0) + cents)
        if cents >= due:
            invoice_ids.add(invoice_id)
