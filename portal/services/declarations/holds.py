"""Which invoices a pending declaration keeps out of the dunning pass, and until when.

Asked on every pass, so it is one query on the models and imports nothing else.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, bindparam, select

from portal.extensions import db
from portal.models import DeclarationStatus, PaidDeclaration
from portal.statements import built_once


@built_once
def paused_invoice_lists(of_some_customers: bool) -> Select:
    """The invoice id lists (JSON) of pending declarations whose pause runs to `today` or later.

    A query, not its rows: the dunning holds read it together with the other
    lists of invoice ids in one round trip. Bind parameters: `today`, and
    `customer_ids` when `of_some_customers`.
    """
    query = select(PaidDeclaration.invoice_ids.label("invoice_ids")).where(
        PaidDeclaration.status == DeclarationStatus.PENDING,
        PaidDeclaration.pause_until >= bindparam("today"),
    )
    if of_some_customers:
        query = query.where(
            PaidDeclaration.customer_id.in_(bindparam("customer_ids", expanding=True))
        )
    return query


def paused_invoice_ids(today: date, customer_ids: list[int] | None = None) -> set[int]:
    """Invoices whose reminders wait: a pending declaration whose pause runs to today or later."""
    ids: set[int] = set()
    values = {"today": today, "customer_ids": customer_ids}
    for invoice_ids in db.session.scalars(paused_invoice_lists(customer_ids is not None), values):
        ids.update(int(i) for i in invoice_ids)
    return ids
