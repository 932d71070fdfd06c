"""Reading the audit trail as timelines for a customer or an invoice."""

from __future__ import annotations

from sqlalchemy import or_, select

from portal.extensions import db
from portal.models import AuditEvent

#: Kept in the audit trail, left out of timelines: the transfer details a debtor
#: is shown on the pay page are recorded at each new selection, which says
#: nothing the creditor must act on, and would bury what does.
QUIET_ACTIONS = ("transfer_reference.created",)


def for_customer(customer_id: int, limit: int = 100) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.customer_id == customer_id, AuditEvent.action.not_in(QUIET_ACTIONS))
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
                ),
                AuditEvent.action.not_in(QUIET_ACTIONS),
            )
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


#: What a debtor sees of their own history: their requests and what became of them,
#: never the creditor's internal work (tasks, imports, users, emails to the creditor).
DEBTOR_ACTIONS = (
    "payment.recorded",
    "payment.allocated",
    "credit_note.created",
    "paid_declaration.created",
    "paid_declaration.confirmed",
    "paid_declaration.rejected",
    "dispute.opened",
    "dispute.accepted",
    "dispute.rejected",
    "plan.proposed",
    "plan.accepted",
    "plan.modified",
    "plan.rejected",
    "plan.completed",
    "plan.broken",
    "promise.created",
    "promise.kept",
    "promise.broken",
    "message.from_debtor",
    "message.from_creditor",
    "reminder.queued",
    "formal_notice.posted",
)


def for_debtor(customer_id: int, limit: int = 100) -> list[AuditEvent]:
    """The customer's own timeline, as shown on their portal."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.customer_id == customer_id, AuditEvent.action.in_(DEBTOR_ACTIONS))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )
