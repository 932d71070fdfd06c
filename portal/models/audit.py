"""The audit trail: every state change, who made it and when."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime


class AuditAction(enum.StrEnum):
    """Every kind of change the audit trail records; `portal.labels` names each for people.

    `services.audit.record` refuses any other value, so a page never shows a raw key.
    """

    BANK_ACCOUNT_ADDED = "bank_account.added"
    BANK_CSV_COLUMNS_REMEMBERED = "bank_csv_mapping.remembered"
    BANK_STATEMENT_IMPORTED = "bank_statement.imported"
    BANK_ENTRY_MATCHED = "bank_entry.matched"
    BANK_ENTRY_UNDONE = "bank_entry.undone"
    BANK_ENTRY_NOT_CUSTOMER = "bank_entry.not_customer"
    BANK_ENTRY_SPLIT = "bank_entry.split"
    BANK_ENTRY_SPLIT_UNDONE = "bank_entry.split_undone"
    CHECKOUT_STARTED = "checkout.started"
    CHECKOUT_START_FAILED = "checkout.start_failed"
    CHECKOUT_PROCESSING = "checkout.processing"
    CHECKOUT_PAID = "checkout.paid"
    CHECKOUT_FAILED = "checkout.failed"
    CHECKOUT_EXPIRED = "checkout.expired"
    CHECKOUT_REFUNDED = "checkout.refunded"
    CHECKOUT_DISPUTED = "checkout.disputed"
    CREDIT_NOTE_CREATED = "credit_note.created"
    CUSTOMER_CREATED = "customer.created"
    CUSTOMER_UPDATED = "customer.updated"
    CUSTOMER_CONTACTS_UPDATED = "customer.contacts_updated"
    CUSTOMER_EMAIL_UNDELIVERABLE = "customer.email_undeliverable"
    CUSTOMER_REMINDERS_PAUSED = "customer.reminders_paused"
    CUSTOMER_REMINDERS_RESUMED = "customer.reminders_resumed"
    CUSTOMER_SCENARIO_CHOSEN = "customer.scenario_chosen"
    DISPUTE_OPENED = "dispute.opened"
    DISPUTE_ACCEPTED = "dispute.accepted"
    DISPUTE_REJECTED = "dispute.rejected"
    FORMAL_NOTICE_POSTED = "formal_notice.posted"
    IMPORT_COMPLETED = "import.completed"
    INVOICE_CREATED = "invoice.created"
    INVOICE_UPDATED = "invoice.updated"
    INVOICE_REOPENED = "invoice.reopened"
    LINK_CREATED = "link.created"
    LINK_REVOKED_ALL = "link.revoked_all"
    MESSAGE_FROM_DEBTOR = "message.from_debtor"
    MESSAGE_FROM_CREDITOR = "message.from_creditor"
    ORGANISATION_CREATED = "organisation.created"
    ORGANISATION_UPDATED = "organisation.updated"
    ORGANISATION_LOGO_CHANGED = "organisation.logo_changed"
    ORGANISATION_LOGO_REMOVED = "organisation.logo_removed"
    ORGANISATION_TWO_FACTOR_REQUIRED = "organisation.two_factor_required"
    OUTBOX_SENT = "outbox.sent"
    OUTBOX_FAILED = "outbox.failed"
    PAID_DECLARATION_CREATED = "paid_declaration.created"
    PAID_DECLARATION_CONFIRMED = "paid_declaration.confirmed"
    PAID_DECLARATION_REJECTED = "paid_declaration.rejected"
    PAYMENT_RECORDED = "payment.recorded"
    PAYMENT_ALLOCATED = "payment.allocated"
    PAYMENT_EXCESS = "payment.excess"
    PAYMENT_REFUNDED = "payment.refunded"
    PLAN_PROPOSED = "plan.proposed"
    PLAN_ACCEPTED = "plan.accepted"
    PLAN_MODIFIED = "plan.modified"
    PLAN_REJECTED = "plan.rejected"
    PLAN_COMPLETED = "plan.completed"
    PLAN_BROKEN = "plan.broken"
    PLAN_REMINDER_SENT = "plan.reminder_sent"
    PLAN_MISSED_SENT = "plan.missed_sent"
    PROMISE_CREATED = "promise.created"
    PROMISE_KEPT = "promise.kept"
    PROMISE_BROKEN = "promise.broken"
    REFERENCE_RATE_CREATED = "reference_rate.created"
    REFERENCE_RATE_UPDATED = "reference_rate.updated"
    REMINDER_QUEUED = "reminder.queued"
    SCENARIO_CREATED = "scenario.created"
    SCENARIO_UPDATED = "scenario.updated"
    SCENARIO_STEP_ADDED = "scenario.step_added"
    SCENARIO_STEP_UPDATED = "scenario.step_updated"
    SCENARIO_STEP_MOVED = "scenario.step_moved"
    SCENARIO_STEP_REMOVED = "scenario.step_removed"
    SCENARIO_TEMPLATE_SAVED = "scenario.template_saved"
    SCENARIO_TEST_SENT = "scenario.test_sent"
    TASK_CREATED = "task.created"
    TASK_DONE = "task.done"
    TASK_DISMISSED = "task.dismissed"
    TRANSFER_REFERENCE_CREATED = "transfer_reference.created"
    USER_CREATED = "user.created"
    USER_INVITED = "user.invited"
    USER_ROLE_CHANGED = "user.role_changed"
    USER_DEACTIVATED = "user.deactivated"
    USER_REACTIVATED = "user.reactivated"
    USER_SESSIONS_ENDED = "user.sessions_ended"
    USER_PASSWORD_CHANGED = "user.password_changed"
    USER_PASSWORD_RESET_SENT = "user.password_reset_sent"
    USER_LOCKED = "user.locked"
    USER_TWO_FACTOR_ENABLED = "user.two_factor_enabled"
    USER_TWO_FACTOR_DISABLED = "user.two_factor_disabled"
    USER_RECOVERY_CODE_USED = "user.recovery_code_used"


class AuditEvent(db.Model):
    """One state change. `customer_id`/`invoice_id` make timelines one indexed query."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_customer_at", "customer_id", "at"),
        Index("ix_audit_invoice_at", "invoice_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(300))
    """Who: "user:3 jane@example.com", "debtor:12", "system", "cli"."""
    action: Mapped[str] = mapped_column(String(64))
    """An AuditAction value."""
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column()
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
