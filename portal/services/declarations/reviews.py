"""The creditor confirms or rejects a declared payment.

Only a confirmation moves money: it records the payment through the ledger,
oldest invoice first and never more than what is still due, so any excess is
reported rather than allocated. A rejection ends the pause and tells the debtor
why. The row is locked while it is decided, so a second click changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from portal.adapters import uploads
from portal.extensions import db
from portal.models import (
    DeclarationStatus,
    Invoice,
    InvoiceStatus,
    MessageKind,
    PaidDeclaration,
    Payment,
    PaymentMethod,
    Task,
)
from portal.services import audit, notifications, tasks
from portal.services.declarations.declaring import OBJECT_TYPE
from portal.services.declarations.invoices import invoices_of
from portal.services.errors import N_, NotFound
from portal.services.payments import ledger

MAX_MESSAGE_LENGTH = 2000


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
        return Confirmation(declaration, _payment(declaration), 0, 0, decided_now=False)
    plan = allocation_plan(declaration)
    payment = None
    if plan:
        payment = ledger.record_split_payment(
            plan,
            paid_on=declaration.paid_on,
            method=PaymentMethod(declaration.method),
            reference=f"#{declaration.id}",
            actor=actor,
            now=now,
            source="declaration",
            external_key=f"declaration:{declaration.id}",
        )
    allocated = sum(share for _, share in plan)
    declaration.status = DeclarationStatus.CONFIRMED
    declaration.decided_at = now
    declaration.payment_id = payment.id if payment else None
    audit.record(
        actor,
        "paid_declaration.confirmed",
        OBJECT_TYPE,
        declaration.id,
        at=now,
        customer_id=declaration.customer_id,
        amount_cents=declaration.amount_cents,
        currency=declaration.currency,
        allocated_cents=allocated,
        excess_cents=declaration.amount_cents - allocated,
        payment_id=payment.id if payment else None,
    )
    tasks.close_for(OBJECT_TYPE, declaration.id, actor=actor, now=now)
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
        return declaration
    message = (message or "").strip()[:MAX_MESSAGE_LENGTH]
    declaration.status = DeclarationStatus.REJECTED
    declaration.decided_at = now
    audit.record(
        actor,
        "paid_declaration.rejected",
        OBJECT_TYPE,
        declaration.id,
        at=now,
        customer_id=declaration.customer_id,
        amount_cents=declaration.amount_cents,
        currency=declaration.currency,
        message=message,
    )
    tasks.close_for(OBJECT_TYPE, declaration.id, actor=actor, now=now)
    notifications.tell_debtor(
        declaration.customer,
        MessageKind.PAID_DECLARATION_REJECTED,
        now=now,
        link=notifications.PortalLink(base_url, link_days, purpose="declaration_rejected"),
        declaration=declaration,
        invoices=invoices_of(declaration),
        message=message,
    )
    return declaration


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
