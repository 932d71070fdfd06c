"""Telling people what an online payment did: the debtor's receipt, the creditor's word and tasks.

Everything here is queued in the outbox (or added as a task) inside the
webhook's own transaction, so a payment and the messages about it are
committed together or not at all; nothing is sent from here. Each message is
written in its reader's language: the debtor's for the receipt, the
creditor's for notifications and tasks.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from pathlib import Path

from flask_babel import gettext

from portal.extensions import db
from portal.models import CheckoutAttempt, Customer, Invoice, MessageKind, Payment
from portal.services import notifications, organisation
from portal.services.checkout.attempts import attempt_invoices
from portal.services.documents import receipt_document
from portal.values.money import format_money

#: The creditor's task kind for each event that needs a person to look.
TASK_KINDS = {"refunded": "refund", "disputed": "chargeback", "excess": "overpayment"}


def send_receipts(
    attempt: CheckoutAttempt,
    payment: Payment,
    excess: int,
    *,
    now: datetime,
    today: date,
    instance_path: Path | None = None,
) -> None:
    """A receipt to the debtor and a word to the creditor, queued in this same transaction.

    With `instance_path` the receipt PDF is written there and attached to the email.
    """
    customer = db.session.get(Customer, attempt.customer_id)
    lines = _paid_lines(payment)
    attached = _receipt_attachment(customer, payment, now, instance_path)
    notifications.tell_debtor(
        customer,
        MessageKind.RECEIPT,
        now=now,
        link=None,
        payment=payment,
        lines=lines,
        excess_cents=excess,
        attempt=attempt,
        attachments=attached,
        receipt_attached=bool(attached),
    )
    _notify_creditor(
        attempt,
        customer,
        "paid",
        payment.amount_cents,
        now=now,
        lines=lines,
        excess_cents=excess,
    )


def tell_creditor(
    attempt: CheckoutAttempt,
    event: str,
    amount: int,
    *,
    now: datetime,
    today: date,
    title: str,
    notify: bool = True,
    reason: str = "",
    lines: list[tuple[Invoice, int]] | None = None,
) -> None:
    """A task in the creditor's language, and (unless told not to) an email to their contact address."""
    customer = db.session.get(Customer, attempt.customer_id)
    invoices = attempt_invoices(attempt)
    lines = invoices if lines is None else lines
    numbers = ", ".join(invoice.number for invoice, _ in invoices)
    with notifications.creditor_language() as language:
        amount_text = format_money(amount, attempt.currency, language)
        text = gettext(title, amount=amount_text, numbers=numbers)
        body = gettext(
            "Customer: %(name)s (%(ref)s). Stripe session: %(session)s.",
            name=customer.name,
            ref=customer.ref,
            session=attempt.session_id or "",
        )
    if reason:
        body += f" ({reason})"
    single = invoices[0][0].id if len(invoices) == 1 else None
    notifications.ask_creditor(
        TASK_KINDS.get(event, event),
        text,
        now=now,
        due_date=today,
        about=("checkout_attempt", attempt.id),
        customer_id=customer.id,
        invoice_id=single,
        body=body,
    )
    if notify:
        _notify_creditor(attempt, customer, event, amount, now=now, lines=lines, reason=reason)


def _receipt_attachment(
    customer: Customer, payment: Payment, now: datetime, instance_path: Path | None
) -> list[dict]:
    """The receipt PDF under a random name in the instance folder; the outbox attaches it."""
    org = organisation.get()
    if instance_path is None or org is None:
        return []
    folder = instance_path / "receipts"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(16)}.pdf"
    (folder / name).write_bytes(receipt_document.receipt_pdf(org, customer, payment, now=now))
    return [
        {
            "filename": receipt_document.receipt_filename(org, customer, payment),
            "content_type": "application/pdf",
            "path": f"receipts/{name}",
        }
    ]


def first_address(customer: Customer) -> str:
    """The address to write to: the first that has not bounced, else the first known."""
    usable = [e.email for e in customer.emails if not e.undeliverable]
    return (usable or customer.email_addresses or [""])[0]


def _paid_lines(payment: Payment) -> list[tuple[Invoice, int]]:
    return [(db.session.get(Invoice, a.invoice_id), a.amount_cents) for a in payment.allocations]


def _notify_creditor(
    attempt: CheckoutAttempt,
    customer: Customer,
    event: str,
    amount: int,
    *,
    now: datetime,
    lines: list[tuple[Invoice, int]],
    excess_cents: int = 0,
    reason: str = "",
) -> None:
    notifications.tell_creditor(
        MessageKind.PAYMENT_NOTIFICATION,
        now=now,
        customer=customer,
        reply_to=first_address(customer),
        attempt=attempt,
        event=event,
        amount_cents=amount,
        lines=lines,
        excess_cents=excess_cents,
        reason=reason,
    )
