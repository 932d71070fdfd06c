"""Which invoices a pending declaration keeps out of the dunning pass, and until when.

Asked on every pass, so it is one query on the models and imports nothing else.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.models import DeclarationStatus, PaidDeclaration


def paused_invoice_ids(today: date) -> set[int]:
    """Invoices whose reminders wait: a pending declaration whose pause runs to today or later."""
    ids: set[int] = set()
    for invoice_ids in db.session.scalars(
        select(PaidDeclaration.invoice_ids).where(
            PaidDeclaration.status == DeclarationStatus.PENDING,
            PaidDeclaration.pause_until >= today,
        )
    ):
        ids.update(int(i) for i in invoice_ids)
    return ids
