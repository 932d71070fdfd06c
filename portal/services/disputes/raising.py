"""The debtor disputes some lines of an invoice: the form read into cents, checked, recorded.

Only the lines ticked are disputed, each for all or part of its total; the
creditor gets a task in their own language. A line already under an open
dispute, or already credited, cannot be disputed again. The creditor's answer
is in `resolution`; what the dispute holds back meanwhile, in `holds`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.adapters import uploads
from portal.extensions import db
from portal.models import (
    Customer,
    Dispute,
    DisputeLine,
    DisputeReason,
    DisputeStatus,
    Invoice,
    InvoiceStatus,
)
from portal.services import audit, notifications
from portal.services.errors import N_, DomainError, NotFound
from portal.values import money

OBJECT_TYPE = "dispute"
TASK_KIND = "dispute"
MAX_COMMENT_LENGTH = 2000
MAX_ATTACHMENTS = 5
REASONS = tuple(DisputeReason)
ALREADY_DISPUTED = N_("A line you ticked is already disputed: we are looking into it.")


class DisputeRefused(DomainError):
    """One message per form field ("lines", "amount", "reason", "comment", "attachment",
    "answer"); nothing was written."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


# ---------------------------------------------------------------- parsing


def parse_amount(text: str) -> int:
    """Cents from what the debtor typed; the error says what to type instead."""
    try:
        return money.parse_amount(text)
    except money.AmountInvalid as exc:
        raise DisputeRefused({"amount": exc.reason}) from exc


def parse_lines(
    invoice: Invoice, line_ids: Iterable[str], amounts: dict[str, str], whole: bool
) -> dict[int, int]:
    """line id -> disputed cents, from the ticked lines (or all of them for the whole invoice).

    A blank amount means the line's whole total; a line that is not on this
    invoice is NotFound.
    """
    by_id = {line.id: line for line in invoice.lines}
    try:
        wanted = list(by_id) if whole else sorted({int(i) for i in line_ids})
    except (TypeError, ValueError) as exc:
        raise NotFound(N_("No such invoice line.")) from exc
    if not wanted:
        raise DisputeRefused({"lines": N_("Tick the lines you dispute, or the whole invoice.")})
    chosen: dict[int, int] = {}
    for line_id in wanted:
        line = by_id.get(line_id)
        if line is None:
            raise NotFound(N_("No such invoice line."))
        text = "" if whole else (amounts.get(str(line_id)) or "").strip()
        chosen[line_id] = parse_amount(text) if text else line.total_cents
    return chosen


# ---------------------------------------------------------------- the debtor's side


def invoice_of(customer: Customer, invoice_id: int) -> Invoice:
    """One of this customer's invoices; another customer's is NotFound."""
    invoice = db.session.scalar(
        select(Invoice).where(Invoice.id == invoice_id, Invoice.customer_id == customer.id)
    )
    if invoice is None:
        raise NotFound(N_("No such invoice."))
    return invoice


def of_customer(customer: Customer, dispute_id: int) -> Dispute:
    """One of this customer's disputes; another customer's is NotFound."""
    dispute = db.session.scalar(
        select(Dispute).where(Dispute.id == dispute_id, Dispute.customer_id == customer.id)
    )
    if dispute is None:
        raise NotFound(N_("No such dispute."))
    return dispute


def _lines_in(statuses: Iterable[DisputeStatus], invoice_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(DisputeLine.invoice_line_id)
            .join(Dispute, Dispute.id == DisputeLine.dispute_id)
            .where(Dispute.invoice_id == invoice_id, Dispute.status.in_(list(statuses)))
        )
    )


def check(invoice: Invoice, chosen: dict[int, int], reason: str, comment: str) -> dict[str, str]:
    """Problems with a new dispute, by field (empty when it may be opened)."""
    errors: dict[str, str] = {}
    if invoice.status is InvoiceStatus.PAID or invoice.outstanding_cents <= 0:
        errors["lines"] = N_("This invoice is already paid: there is nothing left to dispute.")
        return errors
    by_id = {line.id: line for line in invoice.lines}
    if set(chosen) - set(by_id):
        raise NotFound(N_("No such invoice line."))
    if not chosen:
        errors["lines"] = N_("Tick the lines you dispute, or the whole invoice.")
    if set(chosen) & _lines_in([DisputeStatus.OPEN], invoice.id):
        errors["lines"] = ALREADY_DISPUTED
    elif set(chosen) & _lines_in([DisputeStatus.ACCEPTED], invoice.id):
        errors["lines"] = N_("A line you ticked has already been credited.")
    for line_id, cents in chosen.items():
        if cents <= 0:
            errors["amount"] = N_("The amount must be greater than zero.")
        elif cents > by_id[line_id].total_cents:
            errors["amount"] = N_(
                "The disputed amount cannot be more than the line's total including tax."
            )
    if reason not in REASONS:
        errors["reason"] = N_("Choose the reason of the dispute.")
    if len(comment) > MAX_COMMENT_LENGTH:
        errors["comment"] = N_("The comment is too long.")
    return errors


def open_dispute(
    customer: Customer,
    invoice_id: int,
    chosen: dict[int, int],
    *,
    reason: str,
    comment: str,
    files: list[BinaryIO],
    uploads_folder: Path,
    max_file_bytes: int,
    review_url: str,
    today: date,
    now: datetime,
    actor: audit.Actor,
) -> Dispute:
    """Record the dispute, its audit event and the creditor's task, all or nothing.

    Files are checked before anything is written; if the database refuses the
    rest, the stored files are removed again.
    """
    invoice = invoice_of(customer, invoice_id)
    comment = (comment or "").strip()
    errors = check(invoice, chosen, reason, comment)
    if len(files) > MAX_ATTACHMENTS:
        errors.setdefault("attachment", N_("Attach at most 5 files."))
    if errors:
        raise DisputeRefused(errors)
    stored: list[uploads.StoredProof] = []
    try:
        for stream in files:
            stored.append(uploads.store_proof(stream, uploads_folder, max_bytes=max_file_bytes))
        dispute = _write(
            customer, invoice, chosen, reason, comment, stored, review_url, today, now, actor
        )
        db.session.flush()
    except BaseException as exc:
        for proof in stored:
            uploads.discard(uploads_folder, proof.filename)
        if isinstance(exc, uploads.ProofRefused):
            raise DisputeRefused({"attachment": str(exc)}) from exc
        if isinstance(exc, IntegrityError):  # a concurrent request disputed a line first
            db.session.rollback()
            raise DisputeRefused({"lines": ALREADY_DISPUTED}) from exc
        raise
    return dispute


def _write(
    customer: Customer,
    invoice: Invoice,
    chosen: dict[int, int],
    reason: str,
    comment: str,
    stored: list[uploads.StoredProof],
    review_url: str,
    today: date,
    now: datetime,
    actor: audit.Actor,
) -> Dispute:
    dispute = Dispute(
        customer_id=customer.id,
        invoice_id=invoice.id,
        status=DisputeStatus.OPEN,
        reason=DisputeReason(reason),
        comment=comment,
        amount_cents=sum(chosen.values()),
        accepted_cents=0,
        answer="",
        attachments=[
            {"filename": s.filename, "content_type": s.content_type, "size": s.size} for s in stored
        ],
        created_at=now,
        lines=[DisputeLine(invoice_line_id=i, amount_cents=c) for i, c in chosen.items()],
    )
    db.session.add(dispute)
    db.session.flush()
    audit.record(
        actor,
        "dispute.opened",
        OBJECT_TYPE,
        dispute.id,
        at=now,
        customer_id=customer.id,
        invoice_id=invoice.id,
        amount_cents=dispute.amount_cents,
        currency=invoice.currency,
        number=invoice.number,
        reason=reason,
        lines=list(chosen),
        attachments=len(stored),
    )
    with notifications.creditor_language() as language:
        title = gettext(
            "%(customer)s disputes %(amount)s on invoice %(number)s",
            customer=customer.name,
            amount=money.format_money(dispute.amount_cents, invoice.currency, language),
            number=invoice.number,
        )
    notifications.ask_creditor(
        TASK_KIND,
        title,
        now=now,
        due_date=today,
        about=(OBJECT_TYPE, dispute.id),
        customer_id=customer.id,
        invoice_id=invoice.id,
        body=comment,
        actor=actor,
    )
    return dispute


def of_invoice(invoice: Invoice) -> list[Dispute]:
    return list(
        db.session.scalars(
            select(Dispute).where(Dispute.invoice_id == invoice.id).order_by(Dispute.id.desc())
        )
    )


def disputable_line_ids(invoice: Invoice) -> set[int]:
    """Lines neither under an open dispute nor already credited."""
    taken = _lines_in([DisputeStatus.OPEN, DisputeStatus.ACCEPTED], invoice.id)
    return {line.id for line in invoice.lines} - taken
