"""What people read for the portal's internal kinds: audit actions, email kinds, statuses.

Keys such as `plan.accepted` or `paid_declaration_rejected` are for the code and
the database; pages show these labels, in the reader's language. Every enum
member has one (a test checks), and the services refuse values outside the
enums, so no raw key can reach a page.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from portal.models import AuditAction, MessageKind, MessageStatus, Role, SkipReason

A = AuditAction
AUDIT_ACTIONS = {
    A.BANK_ACCOUNT_ADDED: _l("Bank account added"),
    A.BANK_CSV_COLUMNS_REMEMBERED: _l("Columns of a bank's CSV export remembered"),
    A.BANK_STATEMENT_IMPORTED: _l("Bank statement imported"),
    A.BANK_ENTRY_MATCHED: _l("Transfer matched from the bank statement"),
    A.BANK_ENTRY_UNDONE: _l("Bank match undone"),
    A.BANK_ENTRY_NOT_CUSTOMER: _l("Bank entry marked as not a customer payment"),
    A.BANK_ENTRY_SPLIT: _l("Bank credit split into parts"),
    A.BANK_ENTRY_SPLIT_UNDONE: _l("Bank credit split undone"),
    A.CHECKOUT_STARTED: _l("Online payment started"),
    A.CHECKOUT_START_FAILED: _l("Online payment could not start"),
    A.CHECKOUT_PROCESSING: _l("Online payment processing"),
    A.CHECKOUT_PAID: _l("Paid online"),
    A.CHECKOUT_FAILED: _l("Online payment failed"),
    A.CHECKOUT_EXPIRED: _l("Online payment abandoned"),
    A.CHECKOUT_REFUNDED: _l("Online payment refunded"),
    A.CHECKOUT_DISPUTED: _l("Card payment disputed with the bank"),
    A.CREDIT_NOTE_CREATED: _l("Credit note"),
    A.CUSTOMER_CREATED: _l("Customer created"),
    A.CUSTOMER_UPDATED: _l("Customer updated"),
    A.CUSTOMER_CONTACTS_UPDATED: _l("Contacts changed"),
    A.CUSTOMER_EMAIL_UNDELIVERABLE: _l("Address refused by the mail server"),
    A.CUSTOMER_REMINDERS_PAUSED: _l("Reminders paused"),
    A.CUSTOMER_REMINDERS_RESUMED: _l("Reminders resumed"),
    A.CUSTOMER_SCENARIO_CHOSEN: _l("Reminder scenario chosen"),
    A.DISPUTE_OPENED: _l("Dispute opened"),
    A.DISPUTE_ACCEPTED: _l("Dispute accepted"),
    A.DISPUTE_REJECTED: _l("Dispute rejected"),
    A.FORMAL_NOTICE_POSTED: _l("Formal notice posted"),
    A.IMPORT_COMPLETED: _l("Import completed"),
    A.INVOICE_CREATED: _l("Invoice created"),
    A.INVOICE_UPDATED: _l("Invoice updated"),
    A.INVOICE_REOPENED: _l("Invoice due again"),
    A.LINK_CREATED: _l("Access link created"),
    A.LINK_REVOKED_ALL: _l("Access links revoked"),
    A.MESSAGE_FROM_DEBTOR: _l("Message from the customer"),
    A.MESSAGE_FROM_CREDITOR: _l("Message to the customer"),
    A.ORGANISATION_CREATED: _l("Organisation created"),
    A.ORGANISATION_UPDATED: _l("Settings changed"),
    A.ORGANISATION_LOGO_CHANGED: _l("Logo changed"),
    A.ORGANISATION_LOGO_REMOVED: _l("Logo removed"),
    A.ORGANISATION_TWO_FACTOR_REQUIRED: _l("Two-step login requirement changed"),
    A.OUTBOX_SENT: _l("Email sent"),
    A.OUTBOX_FAILED: _l("Email not delivered"),
    A.PAID_DECLARATION_CREATED: _l("Says they already paid"),
    A.PAID_DECLARATION_CONFIRMED: _l("Declared payment confirmed"),
    A.PAID_DECLARATION_REJECTED: _l("Declared payment rejected"),
    A.PAYMENT_RECORDED: _l("Payment recorded"),
    A.PAYMENT_EXCESS: _l("Paid more than was due"),
    A.PAYMENT_ALLOCATED: _l("Credit allocated to an invoice"),
    A.PAYMENT_REFUNDED: _l("Payment refunded"),
    A.PLAN_PROPOSED: _l("Payment plan proposed"),
    A.PLAN_ACCEPTED: _l("Payment plan accepted"),
    A.PLAN_MODIFIED: _l("Payment plan modified"),
    A.PLAN_REJECTED: _l("Payment plan rejected"),
    A.PLAN_COMPLETED: _l("Payment plan completed"),
    A.PLAN_BROKEN: _l("Payment plan broken"),
    A.PLAN_REMINDER_SENT: _l("Instalment reminder sent"),
    A.PLAN_MISSED_SENT: _l("Missed instalment reminder sent"),
    A.PROMISE_CREATED: _l("Promised to pay"),
    A.PROMISE_KEPT: _l("Promise to pay kept"),
    A.PROMISE_BROKEN: _l("Promise to pay not kept"),
    A.REFERENCE_RATE_CREATED: _l("Reference rate added"),
    A.REFERENCE_RATE_UPDATED: _l("Reference rate corrected"),
    A.REMINDER_QUEUED: _l("Reminder queued for sending"),
    A.SCENARIO_CREATED: _l("Scenario created"),
    A.SCENARIO_UPDATED: _l("Scenario changed"),
    A.SCENARIO_STEP_ADDED: _l("Reminder step added"),
    A.SCENARIO_STEP_UPDATED: _l("Reminder step changed"),
    A.SCENARIO_STEP_MOVED: _l("Reminder step moved"),
    A.SCENARIO_STEP_REMOVED: _l("Reminder step removed"),
    A.SCENARIO_TEMPLATE_SAVED: _l("Reminder message edited"),
    A.SCENARIO_TEST_SENT: _l("Test email sent"),
    A.TASK_CREATED: _l("Task created"),
    A.TASK_DONE: _l("Task done"),
    A.TASK_DISMISSED: _l("Task dismissed"),
    A.TRANSFER_REFERENCE_CREATED: _l("Transfer details shown"),
    A.USER_CREATED: _l("User created"),
    A.USER_INVITED: _l("User invited"),
    A.USER_ROLE_CHANGED: _l("User's role changed"),
    A.USER_DEACTIVATED: _l("User deactivated"),
    A.USER_REACTIVATED: _l("User reactivated"),
    A.USER_SESSIONS_ENDED: _l("User's sessions ended"),
    A.USER_PASSWORD_CHANGED: _l("Password changed"),
    A.USER_PASSWORD_RESET_SENT: _l("Password reset link sent"),
    A.USER_LOCKED: _l("Login locked after wrong passwords"),
    A.USER_TWO_FACTOR_ENABLED: _l("Two-step login turned on"),
    A.USER_TWO_FACTOR_DISABLED: _l("Two-step login turned off"),
    A.USER_RECOVERY_CODE_USED: _l("Recovery code used"),
}

#: The same events as the debtor reads them in their own history: "you" is the debtor.
DEBTOR_ACTIONS = {
    A.PAYMENT_RECORDED: _l("Payment received"),
    A.PAYMENT_ALLOCATED: _l("Your credit was used for an invoice"),
    A.CREDIT_NOTE_CREATED: _l("Credit note issued to you"),
    A.PAID_DECLARATION_CREATED: _l("You declared a payment"),
    A.PAID_DECLARATION_CONFIRMED: _l("We found the payment you declared"),
    A.PAID_DECLARATION_REJECTED: _l("We could not find the payment you declared"),
    A.DISPUTE_OPENED: _l("You disputed an invoice"),
    A.DISPUTE_ACCEPTED: _l("We accepted your dispute"),
    A.DISPUTE_REJECTED: _l("We did not accept your dispute"),
    A.PLAN_PROPOSED: _l("You proposed a payment plan"),
    A.PLAN_ACCEPTED: _l("Your payment plan was accepted"),
    A.PLAN_MODIFIED: _l("Your payment plan was changed"),
    A.PLAN_REJECTED: _l("Your payment plan was not accepted"),
    A.PLAN_COMPLETED: _l("Your payment plan is complete"),
    A.PLAN_BROKEN: _l("Your payment plan ended: an instalment was missed"),
    A.PROMISE_CREATED: _l("You promised to pay"),
    A.PROMISE_KEPT: _l("You kept your promise to pay"),
    A.PROMISE_BROKEN: _l("The payment you promised did not arrive"),
    A.MESSAGE_FROM_DEBTOR: _l("Your message"),
    A.MESSAGE_FROM_CREDITOR: _l("Our message to you"),
    A.REMINDER_QUEUED: _l("We sent you a reminder"),
}

K = MessageKind
MESSAGE_KINDS = {
    K.REMINDER: _l("Reminder"),
    K.FORMAL_NOTICE: _l("Formal notice"),
    K.RECEIPT: _l("Receipt"),
    K.PAYMENT_NOTIFICATION: _l("Payment notification"),
    K.FRESH_LINK: _l("New access link"),
    K.PAID_DECLARATION: _l("Says they already paid"),
    K.PAID_DECLARATION_REJECTED: _l("Declared payment rejected"),
    K.DISPUTE_ACCEPTED: _l("Dispute accepted"),
    K.DISPUTE_REJECTED: _l("Dispute rejected"),
    K.PLAN_ACCEPTED: _l("Payment plan accepted"),
    K.PLAN_REJECTED: _l("Payment plan rejected"),
    K.PLAN_REMINDER: _l("Instalment reminder"),
    K.PLAN_MISSED: _l("Missed instalment"),
    K.PLAN_BROKEN: _l("Payment plan broken"),
    K.PROMISE_BROKEN: _l("Promise to pay not kept"),
    K.MESSAGE_TO_DEBTOR: _l("Message to the customer"),
    K.MESSAGE_TO_CREDITOR: _l("Message from a customer"),
    K.TEST: _l("Test email"),
    K.USER_INVITATION: _l("Invitation to the dashboard"),
    K.PASSWORD_RESET: _l("Password reset"),
}

ROLES = {
    Role.OWNER: _l("Owner"),
    Role.COLLECTOR: _l("Collector"),
}

MESSAGE_STATUSES = {
    MessageStatus.QUEUED: _l("Waiting"),
    MessageStatus.SENT: _l("Sent"),
    MessageStatus.FAILED: _l("Failed"),
}

#: The default scenarios' step names, stored in English and shown in the reader's language.
STEP_NAMES = {
    "Courtesy notice": _l("Courtesy notice"),
    "First reminder": _l("First reminder"),
    "Second reminder": _l("Second reminder"),
    "Third reminder": _l("Third reminder"),
    "Formal notice": _l("Formal notice"),
    "Escalation": _l("Escalation"),
}

R = SkipReason
SKIP_REASONS = {
    R.DUE_DATE_PASSED: _l("the due date passed before it could be sent"),
    R.NO_EMAIL: _l("no deliverable email address"),
    R.NO_TEMPLATE: _l("the step has no message"),
    R.TEMPLATE_FAILED: _l("its message could not be written for this customer"),
    R.IDENTITY_MISSING: _l("your company's identity is missing from the settings"),
    R.NOTHING_TO_CLAIM: _l("nothing overdue was left to claim"),
    R.UNEXPECTED: _l("an unexpected error"),
}

#: Shown for a value no enum knows (a row written by a newer or older version).
UNKNOWN = _l("Other change")


def _label(table: dict, enum_cls: type, value) -> str:
    try:
        return str(table[enum_cls(str(value))])
    except (ValueError, KeyError):
        return str(UNKNOWN)


def action_label(action: str) -> str:
    return _label(AUDIT_ACTIONS, AuditAction, action)


def debtor_action_label(action: str) -> str:
    """An event of the debtor's history in their words; the creditor's label otherwise."""
    try:
        return str(DEBTOR_ACTIONS[AuditAction(str(action))])
    except (ValueError, KeyError):
        return action_label(action)


def message_kind_label(kind: str) -> str:
    return _label(MESSAGE_KINDS, MessageKind, kind)


def message_status_label(status: str) -> str:
    return _label(MESSAGE_STATUSES, MessageStatus, status)


def role_label(role: str) -> str:
    return _label(ROLES, Role, role)


def step_name_label(name: str) -> str:
    """A default step's name in the reader's language; a name the creditor typed, as typed."""
    label = STEP_NAMES.get(name)
    return str(label) if label is not None else name


def step_name_from_form(typed: str, stored: str) -> str:
    """Keep the stored name when the form sends back its translation unchanged."""
    typed = typed.strip()
    return stored if typed == step_name_label(stored) else typed


def skip_reason_label(reason: str) -> str:
    """A reason key in the reader's language; older rows (and mail server replies) as written."""
    try:
        return str(SKIP_REASONS[SkipReason(str(reason))])
    except ValueError:
        return str(reason)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        role_label=role_label,
        skip_reason_label=skip_reason_label,
        step_name_label=step_name_label,
        action_label=action_label,
        debtor_action_label=debtor_action_label,
        message_kind_label=message_kind_label,
        message_status_label=message_status_label,
    )
