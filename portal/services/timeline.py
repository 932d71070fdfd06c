"""Reading the audit trail as timelines for a customer or an invoice."""

from __future__ import annotations

from sqlalchemy import or_, select

from portal.extensions import db
from portal.models import AuditEvent


def for_customer(customer_id: int, limit: int = 100) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.customer_id == customer_id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


def for_invoice(invoice_id: int, limit: int = 100) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                or_(
                    AuditEvent.invoice_id == invoice_id,
                    (AuditEvent.object_type == "invoice") & (AuditEvent.object_id == invoice_id),
                )
            )
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )
