""" "I have already paid": the debtor declares a payment, the creditor confirms or rejects it.

A declaration pauses reminders for its invoices for a few days (the dunning
engine asks `paused_invoice_ids`), gives the creditor a task, and never moves
money by itself: only the creditor's confirmation records a payment, through
the ledger, for no more than what is still due.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from flask_babel import force_locale, format_currency, format_date, gettext
from sqlalchemy import select

from portal.adapters import uploads
from portal.extensions import db
from portal.models import (
    Customer,
    DeclarationStatus,
    Invoice,
    InvoiceStatus,
    PaidDeclaration,
    Payment,
    PaymentMethod,
    Task,
)
from portal.services import audit, links, organisation, tasks
from portal.services.errors import N_, DomainError, NotFound
from portal.services.mail import outbox
from portal.services.payments import ledger
from portal.values import money
from portal.values.dates import parse_date

#: What a debtor may say they paid with (SEPA debits only exist through the portal).
METHODS = ("transfer", "card", "cheque", "cash", "other")
#: A payment declared further back than this is a typing mistake, not a payment.
MAX_AGE_DAYS = 730
#: Fits the integer column on both databases, far above any invoice.
MAX_AMOUNT_CENTS = 1_000_000_000
MAX_COMMENT_LENGTH = 1000
MAX_MESSAGE_LENGTH = 2000
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


@dataclass(frozen=True)
class Confirmation:
    declaration: PaidDeclaration
    payment: Payment | None
    allocated_cents: int
    excess_cents: int
    """Declared but not allocated: more than was still due on the invoices."""
    decided_now: bool = True
    """False when the declaration had already been decided (a second click)."""


@dataclass(frozen=True)
class Details:
    """A declaration with its invoices, as the creditor reviews it."""

    declaration: PaidDeclaration
    invoices: list[Invoice]

    @property
    def due_cents(self) -> int:
        return sum(i.outstanding_cents for i in self.invoices if i.status is InvoiceStatus.OPEN)

    @property
    def excess_cents(self) -> int:
        return max(0, self.declaration.amount_cents - self.due_cents)


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


# ---------------------------------------------------------------- the debtor's side


def declarable_invoices(customer: Customer) -> list[Invoice]:
    """The customer's invoices that still have something due, oldest due date first."""
    return list(
        db.session.scalars(
            select(Invoice)
            .where(
                Invoice.customer_id == customer.id,
                Invoice.status == InvoiceStatus.OPEN,
                Invoice.outstanding_cents > 0,
            )
            .order_by(Invoice.due_date, Invoice.id)
        )
    )


def own_invoice_ids(customer: Customer, invoice_ids: Iterable[int | str]) -> list[int]:
    """The ids, if every one is an invoice of this customer; NotFound otherwise.

    Another customer's invoice is "not found", never "not yours".
    """
    try:
        wanted = {int(i) for i in invoice_ids}
    except (TypeError, ValueError) as exc:
        raise NotFound(N_("No such invoice.")) from exc
    if not wanted:
        return []
    found = set(
        db.session.scalars(
            select(Invoice.id).where(Invoice.id.in_(wanted), Invoice.customer_id == customer.id)
        )
    )
    if found != wanted:
        raise NotFound(N_("No such invoice."))
    return sorted(wanted)


def _chosen_invoices(customer: Customer, invoice_ids: Iterable[int | str]) -> list[Invoice]:
    ids = own_invoice_ids(customer, invoice_ids)
    if not ids:
        raise InvalidDeclaration({"invoice": N_("Choose the invoices you paid.")})
    invoices = [i for i in declarable_invoices(customer) if i.id in ids]
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
    invoices = _chosen_invoices(customer, invoice_ids)
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
        db.session.commit()
    except BaseException:
        db.session.rollback()
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
        actor, "paid_declaration.created", OBJECT_TYPE, declaration.id, at=now,
        customer_id=customer.id, invoice_id=single, amount_cents=declared.amount_cents,
        currency=currency, paid_on=declared.paid_on.isoformat(), method=declared.method,
        numbers=[i.number for i in invoices], proof=bool(stored),
        pause_until=declaration.pause_until.isoformat(),
    )  # fmt: skip
    org = organisation.get()
    language = org.language if org else "fr"
    tasks.create(
        kind=TASK_KIND, title=_task_title(customer, declaration, language), due_date=today,
        now=now, actor=actor, body=declared.comment, customer_id=customer.id, invoice_id=single,
        object_type=OBJECT_TYPE, object_id=declaration.id,
    )  # fmt: skip
    if org is not None and org.contact_email:
        with force_locale(language):
            outbox.queue_template(
                "paid_declaration", kind="paid_declaration", to=[org.contact_email], now=now,
                customer_id=customer.id, reply_to=next(iter(_addresses(customer)), ""),
                customer=customer, declaration=declaration, invoices=invoices,
                organisation=org, url=review_url,
            )  # fmt: skip
    return declaration


def _task_title(customer: Customer, declaration: PaidDeclaration, language: str) -> str:
    """Written once in the creditor's language, like every task title."""
    with force_locale(language):
        title = gettext(
            "%(customer)s says they paid %(amount)s on %(day)s — confirm or reject",
            customer=customer.name,
            amount=format_currency(
                Decimal(declaration.amount_cents).scaleb(-2), declaration.currency
            ),
            day=format_date(declaration.paid_on, "short"),
        )
    return title[:300]


def _addresses(customer: Customer) -> list[str]:
    return [e.email for e in customer.emails if not e.undeliverable]


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


def invoices_of(declaration: PaidDeclaration) -> list[Invoice]:
    """The declared invoices, oldest due date first (the order money is allocated in)."""
    ids = [int(i) for i in declaration.invoice_ids]
    return list(
        db.session.scalars(
            select(Invoice)
            .where(Invoice.id.in_(ids), Invoice.customer_id == declaration.customer_id)
            .order_by(Invoice.due_date, Invoice.id)
        )
    )


# ---------------------------------------------------------------- for the dunning engine


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


# ---------------------------------------------------------------- the creditor's side


def get(declaration_id: int) -> PaidDeclaration:
    declaration = db.session.get(PaidDeclaration, declaration_id)
    if declaration is None:
        raise NotFound(N_("No such declaration."))
    return declaration


def task_for(declaration_id: int) -> Task | None:
    """The latest task about a declaration, whatever its state."""
    return db.session.scalar(
        select(Task)
        .where(Task.object_type == OBJECT_TYPE, Task.object_id == declaration_id)
        .order_by(Task.id.desc())
        .limit(1)
    )


def _locked(declaration_id: int) -> PaidDeclaration:
    """The row locked until commit (PostgreSQL), so two clicks decide once."""
    declaration = db.session.scalar(
        select(PaidDeclaration)
        .where(PaidDeclaration.id == declaration_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if declaration is None:
        raise NotFound(N_("No such declaration."))
    return declaration


def details_for(declaration_ids: Iterable[int]) -> dict[int, Details]:
    """Declarations by id with their invoices, for the task list."""
    ids = set(declaration_ids)
    if not ids:
        return {}
    rows = db.session.scalars(select(PaidDeclaration).where(PaidDeclaration.id.in_(ids)))
    return {row.id: Details(row, invoices_of(row)) for row in rows}


def allocation_plan(declaration: PaidDeclaration) -> list[tuple[Invoice, int]]:
    """Oldest due date first, never more than what is still due on each invoice."""
    remaining = declaration.amount_cents
    plan: list[tuple[Invoice, int]] = []
    for invoice in invoices_of(declaration):
        if remaining <= 0:
            break
        if invoice.status is not InvoiceStatus.OPEN or invoice.outstanding_cents <= 0:
            continue
        if invoice.currency != declaration.currency:
            continue
        share = min(remaining, invoice.outstanding_cents)
        plan.append((invoice, share))
        remaining -= share
    return plan


def confirm(declaration_id: int, *, actor: audit.Actor, now: datetime) -> Confirmation:
    """Record the declared payment and close the task; a second confirmation changes nothing."""
    declaration = _locked(declaration_id)
    if declaration.status is not DeclarationStatus.PENDING:
        db.session.commit()  # releases the lock
        return Confirmation(declaration, _payment(declaration), 0, 0, decided_now=False)
    plan = allocation_plan(declaration)
    payment = None
    if plan:
        payment = ledger.record_split_payment(
            plan, paid_on=declaration.paid_on, method=PaymentMethod(declaration.method),
            reference=f"#{declaration.id}", actor=actor, now=now, source="declaration",
            external_key=f"declaration:{declaration.id}",
        )  # fmt: skip
    allocated = sum(share for _, share in plan)
    declaration.status = DeclarationStatus.CONFIRMED
    declaration.decided_at = now
    declaration.payment_id = payment.id if payment else None
    audit.record(
        actor, "paid_declaration.confirmed", OBJECT_TYPE, declaration.id, at=now,
        customer_id=declaration.customer_id, amount_cents=declaration.amount_cents,
        currency=declaration.currency, allocated_cents=allocated,
        excess_cents=declaration.amount_cents - allocated,
        payment_id=payment.id if payment else None,
    )  # fmt: skip
    tasks.close_for(OBJECT_TYPE, declaration.id, actor=actor, now=now)
    db.session.commit()
    return Confirmation(declaration, payment, allocated, declaration.amount_cents - allocated)


def _payment(declaration: PaidDeclaration) -> Payment | None:
    return db.session.get(Payment, declaration.payment_id) if declaration.payment_id else None


def reject(
    declaration_id: int,
    *,
    message: str,
    actor: audit.Actor,
    now: datetime,
    base_url: str,
    link_days: int,
) -> PaidDeclaration:
    """Refuse the declaration: the pause ends, and the debtor is told why, in their language."""
    declaration = _locked(declaration_id)
    if declaration.status is not DeclarationStatus.PENDING:
        db.session.commit()  # releases the lock
        return declaration
    message = (message or "").strip()[:MAX_MESSAGE_LENGTH]
    declaration.status = DeclarationStatus.REJECTED
    declaration.decided_at = now
    audit.record(
        actor, "paid_declaration.rejected", OBJECT_TYPE, declaration.id, at=now,
        customer_id=declaration.customer_id, amount_cents=declaration.amount_cents,
        currency=declaration.currency, message=message,
    )  # fmt: skip
    tasks.close_for(OBJECT_TYPE, declaration.id, actor=actor, now=now)
    _tell_debtor(declaration, message, now=now, base_url=base_url, link_days=link_days)
    db.session.commit()
    return declaration


def _tell_debtor(
    declaration: PaidDeclaration, message: str, *, now: datetime, base_url: str, link_days: int
) -> None:
    customer = declaration.customer
    addresses = _addresses(customer)
    if not addresses:
        return
    token = links.create(
        customer,
        now=now,
        days=link_days,
        actor=audit.Actor.system(),
        purpose="declaration_rejected",
    )
    org = organisation.get()
    with force_locale(customer.language):
        outbox.queue_template(
            "paid_declaration_rejected", kind="paid_declaration_rejected", to=addresses, now=now,
            customer_id=customer.id, reply_to=org.contact_email if org else "",
            customer=customer, declaration=declaration, invoices=invoices_of(declaration),
            message=message, organisation=org, url=links.absolute_url(token, base_url),
        )  # fmt: skip


def proof_file(declaration_id: int, uploads_folder: Path) -> tuple[Path, str, str]:
    """(path, content type, download name) of a declaration's proof, or NotFound."""
    declaration = get(declaration_id)
    path = uploads.proof_path(uploads_folder, declaration.proof_filename)
    if path is None:
        raise NotFound(N_("No such file."))
    content_type = declaration.proof_content_type
    if content_type not in uploads.CONTENT_TYPES:
        content_type = "application/octet-stream"
    return path, content_type, f"proof-{declaration.id}{path.suffix}"
