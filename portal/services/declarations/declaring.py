""" "I have already paid": the debtor declares a payment, with a proof if they have one.

A declaration pauses reminders for its invoices for a few days (`holds`),
gives the creditor a task and an email, and never moves money by itself: only
the creditor's confirmation (`reviews`) records a payment. The proof is checked
before anything is written, and removed again if the database refuses the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from flask_babel import format_date, gettext
from sqlalchemy import select

from portal.adapters import uploads
from portal.extensions import db
from portal.models import Customer, DeclarationStatus, Invoice, MessageKind, PaidDeclaration
from portal.services import audit, notifications
from portal.services.declarations.invoices import own_invoice_ids
from portal.services.errors import N_, DomainError, NotFound
from portal.services.payments import standing
from portal.services.payments.standing import Standing, State
from portal.values import money
from portal.values.dates import parse_date

#: What a debtor may say they paid with (SEPA debits only exist through the portal).
METHODS = ("transfer", "card", "cheque", "cash", "other")
#: A payment declared further back than this is a typing mistake, not a payment.
MAX_AGE_DAYS = 730
#: Fits the integer column on both databases, far above any invoice.
MAX_AMOUNT_CENTS = 1_000_000_000
MAX_COMMENT_LENGTH = 1000
#: Invoices the debtor already told us about, or is paying online: not declared again.
ALREADY_PAYING = {State.DECLARED, State.PROCESSING}
ALREADY_DECLARED = N_("You already told us these invoices are paid: we are checking.")
PAYING_ONLINE = N_("A payment of these invoices is under way online: nothing to declare.")
TASK_KIND = "paid_declaration"
OBJECT_TYPE = "paid_declaration"


class InvalidDeclaration(DomainError):
    """One message per form field ("invoice", "paid_on", "amount", "method", "comment", "proof")."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


@dataclass(frozen=True)
class Declared:
    """What the debtor says they paid, once parsed."""

    paid_on: date
    amount_cents: int
    method: str
    comment: str = ""


# ---------------------------------------------------------------- parsing and checks


def parse_amount(text: str) -> int:
    """Cents from what the debtor typed; the error says what to type instead."""
    try:
        return money.parse_amount(text)
    except money.AmountInvalid as exc:
        raise InvalidDeclaration({"amount": exc.reason}) from exc


def parse(*, paid_on: str, amount: str, method: str, comment: str, today: date) -> Declared:
    """Read the form's text fields; every problem is reported at once."""
    errors: dict[str, str] = {}
    day: date | None = None
    cents = 0
    try:
        day = parse_date((paid_on or "").strip())
    except ValueError:
        errors["paid_on"] = N_("Enter the date of the payment.")
    try:
        cents = parse_amount(amount)
    except InvalidDeclaration as exc:
        errors.update(exc.errors)
    declared = Declared(day or today, cents, (method or "").strip(), (comment or "").strip())
    for field, message in check(declared, today).items():
        errors.setdefault(field, message)
    if errors:
        raise InvalidDeclaration(errors)
    return declared


def check(declared: Declared, today: date) -> dict[str, str]:
    """Problems with a declaration's values, by field (empty when it is fine)."""
    errors: dict[str, str] = {}
    if declared.paid_on > today:
        errors["paid_on"] = N_("The date of the payment cannot be in the future.")
    elif declared.paid_on < today - timedelta(days=MAX_AGE_DAYS):
        errors["paid_on"] = N_("This date is too long ago: please check it.")
    if declared.amount_cents <= 0:
        errors["amount"] = N_("The amount must be greater than zero.")
    elif declared.amount_cents > MAX_AMOUNT_CENTS:
        errors["amount"] = N_("This amount is too large: please check it.")
    if declared.method not in METHODS:
        errors["method"] = N_("Choose how you paid.")
    if len(declared.comment) > MAX_COMMENT_LENGTH:
        errors["comment"] = N_("The comment is too long.")
    return errors


# ---------------------------------------------------------------- declaring


@dataclass
class Choices:
    """The form's invoices: those the debtor may declare paid, and those already on their way."""

    declarable: list[Standing]
    """In a plan or disputed included: an instalment or the undisputed part may have been paid."""
    already_paying: list[Standing]
    """Declared paid and being checked, or being paid online."""


def choices(customer: Customer, today: date) -> Choices:
    rows = standing.for_customer(customer, today)
    return Choices(
        [row for row in rows if row.state not in ALREADY_PAYING],
        [row for row in rows if row.state in ALREADY_PAYING],
    )


def _chosen_invoices(
    customer: Customer, invoice_ids: Iterable[int | str], today: date
) -> list[Invoice]:
    ids = own_invoice_ids(customer, invoice_ids)
    if not ids:
        raise InvalidDeclaration({"invoice": N_("Choose the invoices you paid.")})
    found = choices(customer, today)
    for row in found.already_paying:
        if row.invoice.id in ids:
            declared = row.state is State.DECLARED
            raise InvalidDeclaration({"invoice": ALREADY_DECLARED if declared else PAYING_ONLINE})
    invoices = [row.invoice for row in found.declarable if row.invoice.id in ids]
    if not invoices:
        raise InvalidDeclaration({"invoice": N_("These invoices have nothing left to pay.")})
    if len({i.currency for i in invoices}) > 1:
        raise InvalidDeclaration(
            {"invoice": N_("Invoices in different currencies must be declared separately.")}
        )
    return invoices


def declare(
    customer: Customer,
    invoice_ids: Iterable[int | str],
    declared: Declared,
    proof: BinaryIO | None,
    *,
    uploads_folder: Path,
    max_proof_bytes: int,
    pause_days: int,
    review_url: str,
    today: date,
    now: datetime,
    actor: audit.Actor,
) -> PaidDeclaration:
    """Record the declaration, its audit event, the creditor's task and email, all or nothing.

    The proof is checked before anything is written; if the database refuses
    the rest, the stored file is removed again.
    """
    invoices = _chosen_invoices(customer, invoice_ids, today)
    errors = check(declared, today)
    if errors:
        raise InvalidDeclaration(errors)
    try:
        stored = (
            uploads.store_proof(proof, uploads_folder, max_bytes=max_proof_bytes)
            if proof is not None
            else None
        )
    except uploads.ProofRefused as exc:
        raise InvalidDeclaration({"proof": str(exc)}) from exc
    try:
        declaration = _write(
            customer, invoices, declared, stored, pause_days, review_url, today, now, actor
        )
        db.session.flush()
    except BaseException:
        if stored is not None:
            uploads.discard(uploads_folder, stored.filename)
        raise
    return declaration


def _write(
    customer: Customer,
    invoices: list[Invoice],
    declared: Declared,
    stored: uploads.StoredProof | None,
    pause_days: int,
    review_url: str,
    today: date,
    now: datetime,
    actor: audit.Actor,
) -> PaidDeclaration:
    currency = invoices[0].currency
    declaration = PaidDeclaration(
        customer_id=customer.id,
        invoice_ids=[i.id for i in invoices],
        paid_on=declared.paid_on,
        amount_cents=declared.amount_cents,
        currency=currency,
        method=declared.method,
        comment=declared.comment,
        proof_filename=stored.filename if stored else "",
        proof_content_type=stored.content_type if stored else "",
        status=DeclarationStatus.PENDING,
        pause_until=today + timedelta(days=pause_days),
        created_at=now,
    )
    db.session.add(declaration)
    db.session.flush()
    single = invoices[0].id if len(invoices) == 1 else None
    audit.record(
        actor,
        "paid_declaration.created",
        OBJECT_TYPE,
        declaration.id,
        at=now,
        customer_id=customer.id,
        invoice_id=single,
        amount_cents=declared.amount_cents,
        currency=currency,
        paid_on=declared.paid_on.isoformat(),
        method=declared.method,
        numbers=[i.number for i in invoices],
        proof=bool(stored),
        pause_until=declaration.pause_until.isoformat(),
    )
    notifications.ask_creditor(
        TASK_KIND,
        _task_title(customer, declaration),
        now=now,
        due_date=today,
        about=(OBJECT_TYPE, declaration.id),
        customer_id=customer.id,
        invoice_id=single,
        body=declared.comment,
        actor=actor,
    )
    notifications.tell_creditor(
        MessageKind.PAID_DECLARATION,
        now=now,
        customer=customer,
        reply_to=next(iter(notifications.deliverable_addresses(customer)), ""),
        declaration=declaration,
        invoices=invoices,
        url=review_url,
    )
    return declaration


def _task_title(customer: Customer, declaration: PaidDeclaration) -> str:
    """Written once in the creditor's language, like every task title."""
    with notifications.creditor_language() as language:
        return gettext(
            "%(customer)s says they paid %(amount)s on %(day)s — confirm or reject",
            customer=customer.name,
            amount=money.format_money(declaration.amount_cents, declaration.currency, language),
            day=format_date(declaration.paid_on, "short"),
        )


def of_customer(customer: Customer, declaration_id: int) -> PaidDeclaration:
    """One of this customer's declarations; another customer's is NotFound."""
    declaration = db.session.scalar(
        select(PaidDeclaration).where(
            PaidDeclaration.id == declaration_id, PaidDeclaration.customer_id == customer.id
        )
    )
    if declaration is None:
        raise NotFound(N_("No such declaration."))
    return declaration
