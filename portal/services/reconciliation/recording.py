"""Recording what a bank entry pays, and taking it back, always through the ledger.

A recorded credit is an ordinary payment (method transfer, the bank entry as
its reference and key), so the invoices' balances, both timelines, the debtor's
history and the dunning pass see it at once. The payer's IBAN is learned on
every recorded match, so the next transfer from it is recognised; an
"I have already paid" declaration on the same invoices is confirmed by it; an
overpayment stays as the customer's credit with a task for the creditor.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    AuditAction,
    BankEntry,
    DeclarationStatus,
    EntryStatus,
    Invoice,
    PaidDeclaration,
    PayerAccount,
    Payment,
    PaymentMethod,
)
from portal.services import audit, notifications, tasks
from portal.services.declarations.declaring import OBJECT_TYPE as DECLARATION
from portal.services.payments import ledger
from portal.services.reconciliation.matching import Match
from portal.values.banking import normalise_iban
from portal.values.money import format_money

TASK_KIND = "unallocated_credit"
REVERSAL_TASK_KIND = "payment_returned"


def record(
    entry: BankEntry,
    match: Match,
    *,
    actor: audit.Actor,
    now: datetime,
    known_payers: set[str] | None = None,
    declaring: set[int] | None = None,
) -> Payment:
    """Record the entry's credit on the match's invoices; the excess stays as credit."""
    invoices = {
        i.id: i
        for i in db.session.scalars(
            select(Invoice).where(Invoice.id.in_([invoice_id for invoice_id, _ in match.shares]))
        )
    }
    payment, excess = ledger.record_received_payment(
        [(invoices[invoice_id], cents) for invoice_id, cents in match.shares],
        customer_id=match.customer_id,
        currency=entry.currency,
        amount_cents=entry.amount_cents,
        paid_on=entry.booking_date,
        method=PaymentMethod.TRANSFER,
        reference=(entry.end_to_end_id or entry.bank_reference or entry.label)[:140],
        actor=actor,
        now=now,
        source="bank",
        external_key=_payment_key(entry),
    )
    entry.status = EntryStatus.MATCHED
    entry.rule = match.rule
    entry.customer_id = match.customer_id
    entry.payment_id = payment.id
    entry.suggestion = {}
    entry.decided_at = now
    entry.decided_by = actor.label
    audit.record(
        actor,
        AuditAction.BANK_ENTRY_MATCHED,
        "bank_entry",
        entry.id,
        at=now,
        customer_id=match.customer_id,
        amount_cents=entry.amount_cents,
        currency=entry.currency,
        rule=str(match.rule),
        why=match.why,
    )
    learn_payer(entry, match.customer_id, now=now, known=known_payers)
    if declaring is None or match.customer_id in declaring:
        _confirm_declarations(payment, [invoices[i] for i, _ in match.shares], actor=actor, now=now)
    if excess > 0:
        _ask_about_credit(entry, match.customer_id, excess, now=now)
    return payment


def _payment_key(entry: BankEntry) -> str:
    """The entry's key at the ledger; an entry placed again after an undo gets a new one."""
    entry.placements = (entry.placements or 0) + 1
    return f"bank:{entry.id}:{entry.placements}"


def learn_payer(
    entry: BankEntry, customer_id: int, *, now: datetime, known: set[str] | None = None
) -> None:
    """Remember the IBAN a customer paid from; an IBAN already known for another stays theirs.

    `known` is the IBANs already stored, when the caller keeps them (a statement import).
    """
    iban = normalise_iban(entry.counterparty_iban or "")
    if not iban or (known is not None and iban in known):
        return
    if known is None and db.session.scalar(
        select(PayerAccount.id).where(PayerAccount.iban == iban)
    ):
        return
    db.session.add(PayerAccount(iban=iban, customer_id=customer_id, confirmed_at=now))
    if known is not None:
        known.add(iban)


def undo(entry: BankEntry, *, actor: audit.Actor, now: datetime, reason: str) -> None:
    """Take a recorded match back: the payment is reversed, the entry waits in the inbox again."""
    payment = db.session.get(Payment, entry.payment_id) if entry.payment_id else None
    if payment is not None:
        ledger.reverse_payment(payment, payment.amount_cents, actor=actor, now=now, reason=reason)
    audit.record(
        actor,
        AuditAction.BANK_ENTRY_UNDONE,
        "bank_entry",
        entry.id,
        at=now,
        customer_id=entry.customer_id,
        amount_cents=entry.amount_cents,
        currency=entry.currency,
        reason=reason,
    )
    entry.status = EntryStatus.UNMATCHED
    entry.rule = None
    entry.customer_id = None
    entry.payment_id = None
    entry.decided_at = now
    entry.decided_by = actor.label
    db.session.flush()


def reverse_returned(
    debit: BankEntry, credit: BankEntry, *, actor: audit.Actor, now: datetime
) -> None:
    """A returned transfer: its payment is reversed, reminders resume, the creditor is told."""
    payment = db.session.get(Payment, credit.payment_id) if credit.payment_id else None
    if payment is not None:
        cents = min(-debit.amount_cents, payment.amount_cents)
        ledger.reverse_payment(payment, cents, actor=actor, now=now, reason="returned")
    debit.status = EntryStatus.REVERSAL
    debit.customer_id = credit.customer_id
    debit.reversed_payment_id = credit.payment_id
    debit.decided_at = now
    debit.decided_by = actor.label
    with notifications.creditor_language() as language:
        title = gettext(
            "Transfer of %(amount)s returned by the bank (%(payer)s): reminders resume",
            amount=format_money(-debit.amount_cents, debit.currency, language),
            payer=credit.counterparty_name or credit.label,
        )
        notifications.ask_creditor(
            REVERSAL_TASK_KIND,
            title,
            now=now,
            due_date=debit.booking_date,
            about=("bank_entry", debit.id),
            customer_id=credit.customer_id,
            body=debit.label,
        )


def _confirm_declarations(
    payment: Payment, invoices: list[Invoice], *, actor: audit.Actor, now: datetime
) -> None:
    ids = {i.id for i in invoices}
    pending = db.session.scalars(
        select(PaidDeclaration).where(
            PaidDeclaration.customer_id == payment.customer_id,
            PaidDeclaration.status == DeclarationStatus.PENDING,
        )
    )
    for declaration in pending:
        if ids & set(declaration.invoice_ids):
            declaration.status = DeclarationStatus.CONFIRMED
            declaration.decided_at = now
            declaration.payment_id = payment.id
            audit.record(
                actor,
                AuditAction.PAID_DECLARATION_CONFIRMED,
                DECLARATION,
                declaration.id,
                at=now,
                customer_id=declaration.customer_id,
                payment_id=payment.id,
            )
            tasks.close_for(DECLARATION, declaration.id, actor=actor, now=now)


def _ask_about_credit(entry: BankEntry, customer_id: int, excess: int, *, now: datetime) -> None:
    with notifications.creditor_language() as language:
        title = gettext(
            "%(amount)s paid beyond what is due: allocate it to an invoice or refund it",
            amount=format_money(excess, entry.currency, language),
        )
    notifications.ask_creditor(
        TASK_KIND,
        title,
        now=now,
        due_date=entry.booking_date,
        about=("bank_entry", entry.id),
        customer_id=customer_id,
        body=entry.label,
    )
