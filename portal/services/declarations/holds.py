"""Which invoices a pending declaration keeps out of the dunning pass, and until when.

Asked on every pass, so it is one query on the models and imports nothing else.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select

from portal.extensions import db
from portal.models import DeclarationStatus, PaidDeclaration


def paused_invoice_lists(today: date, customer_ids: list[int] | None = None) -> Select:
    """The invoice id lists (JSON) of pending declarations whose pause runs to today or later.

    A query, not its rows: the dunning holds read it together with the other
    lists of invoice ids in one round trip. With `customer_ids`, only the
    declarations of these customers.
    """
    query = select(PaidDeclaration.invoice_ids.label("invoice_ids")).where(
        PaidDeclaration.status == DeclarationStatus.PENDING,
        PaidDeclaration.pause_until >= today,
    )
    if customer_ids is not None:
        query = query.where(PaidDeclaration.customer_id.in_(customer_ids))
    return query


def paused_invoice_ids(today: date, customer_ids: list[int] | None = None) -> set[int]:
    """Invoices whose reminders wait: a pending declaration whose pause runs to today or later."""
    ids: set[int] = set()
    for invoice_ids in db.session.scalars(paused_invoice_lists(today, customer_ids)):
        ids.update(int(i) for i in invoice_ids)
    return ids
