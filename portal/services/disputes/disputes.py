"""Disputes: the debtor contests some lines of an invoice, the creditor accepts or rejects.

Only the disputed amount is held back: the dunning pass asks `put_on_hold`,
and the debtor's payment selection subtracts `open_cents_by_invoice`, so the
undisputed remainder stays payable and reminded at once. Accepting writes a
credit note (the amount due drops); rejecting brings the amount back into
collection, but its reminders wait `RESUME_AFTER_DAYS` days.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from flask_babel import force_locale, format_currency, gettext
from sqlalchemy import func, select

from portal.adapters import uploads
from portal.extensions import db
from portal.models import (
    CreditNote,
    Customer,
    Dispute,
    DisputeLine,
    DisputeReason,
    DisputeStatus,
    Invoice,
    InvoiceStatus,
)
from portal.services import audit, links, organisation, tasks
from portal.services.errors import N_, DomainError, NotFound
from portal.services.mail import outbox
from portal.services.payments import ledger
from portal.values import money

OBJECT_TYPE = "dispute"
TASK_KIND = "dispute"
#: After a rejection, reminders for the amount wait this long (the debtor may react).
RESUME_AFTER_DAYS = 7
MAX_COMMENT_LENGTH = 2000
MAX_ANSWER_LENGTH = 2000
MAX_ATTACHMENTS = 5
REASONS = tuple(DisputeReason)


class DisputeRefused(DomainError):
    """One message per form field ("lines", "amount", "reason", "comment", "attachment",
    "answer"); nothing was written."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


@dataclass(frozen=True)
class Figures:
    open_count: int
    open_cents: int
    median_days_to_resolve: float | None
    """None until a dispute has been resolved."""


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
        errors["lines"] = N_("A line you ticked is already disputed: we are looking into it.")
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
        dispute = _write(customer, invoice, chosen, reason, comment, stored, review_url, today, now, actor)  # fmt: skip
        db.session.commit()
    except BaseException as exc:
        db.session.rollback()
        for proof in stored:
            uploads.discard(uploads_folder, proof.filename)
        if isinstance(exc, uploads.ProofRefused):
            raise DisputeRefused({"attachment": str(exc)}) from exc
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
        actor, "dispute.opened", OBJECT_TYPE, dispute.id, at=now, customer_id=customer.id,
        invoice_id=invoice.id, amount_cents=dispute.amount_cents, currency=invoice.currency,
        number=invoice.number, reason=reason, lines=list(chosen), attachments=len(stored),
    )  # fmt: skip
    org = organisation.get()
    with force_locale(org.language if org else "fr"):
        title = gettext(
            "%(customer)s disputes %(amount)s on invoice %(number)s",
            customer=customer.name,
            amount=format_currency(Decimal(dispute.amount_cents).scaleb(-2), invoice.currency),
            number=invoice.number,
        )
    tasks.create(
        kind=TASK_KIND, title=title[:300], due_date=today, now=now, actor=actor, body=comment,
        customer_id=customer.id, invoice_id=invoice.id, object_type=OBJECT_TYPE,
        object_id=dispute.id,
    )  # fmt: skip
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


# ---------------------------------------------------------------- amounts held back


def open_cents_for_customer(customer_id: int) -> dict[int, int]:
    """Invoice id -> cents under an open dispute, for every invoice of one customer."""
    rows = db.session.execute(
        select(Dispute.invoice_id, func.sum(Dispute.amount_cents))
        .where(Dispute.status == DisputeStatus.OPEN, Dispute.customer_id == customer_id)
        .group_by(Dispute.invoice_id)
    )
    return {invoice_id: int(cents) for invoice_id, cents in rows}


def open_cents_by_invoice(invoice_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Invoice id -> cents under an open dispute: what the debtor need not pay yet."""
    query = select(Dispute.invoice_id, func.sum(Dispute.amount_cents)).where(
        Dispute.status == DisputeStatus.OPEN
    )
    if invoice_ids is not None:
        query = query.where(Dispute.invoice_id.in_(list(invoice_ids)))
    return {i: int(c) for i, c in db.session.execute(query.group_by(Dispute.invoice_id))}


def held_cents_by_invoice(today: date) -> dict[int, tuple[int, int]]:
    """Invoice id -> (cents reminders leave out today, cents still due).

    Held: open disputes, and what was refused (or not accepted) until its
    `resume_on` day; never more than what is still due.
    """
    held: dict[int, int] = dict(open_cents_by_invoice())
    rows = db.session.execute(
        select(Dispute.invoice_id, Dispute.amount_cents - Dispute.accepted_cents).where(
            Dispute.status != DisputeStatus.OPEN, Dispute.resume_on > today
        )
    )
    for invoice_id, cents in rows:
        if cents > 0:
            held[invoice_id] = held.get(invoice_id, 0) + int(cents)
    if not held:
        return {}
    due = dict(
        db.session.execute(
            select(Invoice.id, Invoice.outstanding_cents).where(
                Invoice.id.in_(list(held)), Invoice.status == InvoiceStatus.OPEN
            )
        ).all()
    )
    return {i: (min(c, due[i]), due[i]) for i, c in held.items() if due.get(i, 0) > 0}


def put_on_hold(invoice_ids: set[int], amounts_on_hold: dict[int, int], today: date) -> None:
    """Fill the dunning pass's holds: an invoice wholly under dispute is not reminded at all."""
    for invoice_id, (cents, due) in held_cents_by_invoice(today).items():
        amounts_on_hold[invoice_id] = min(due, amounts_on_hold.get(invoice_id, 0) + cents)
        if cents >= due:
            invoice_ids.add(invoice_id)


# ---------------------------------------------------------------- the creditor's side


def get(dispute_id: int) -> Dispute:
    dispute = db.session.get(Dispute, dispute_id)
    if dispute is None:
        raise NotFound(N_("No such dispute."))
    return dispute


def inbox(limit: int = 200) -> list[Dispute]:
    """Open disputes first (oldest first: they have waited longest), then the latest decided."""
    is_open = (Dispute.status == DisputeStatus.OPEN).desc()
    return list(
        db.session.scalars(
            select(Dispute).order_by(is_open, Dispute.resolved_at.desc(), Dispute.id).limit(limit)
        )
    )


def open_count() -> int:
    return db.session.scalar(
        select(func.count(Dispute.id)).where(Dispute.status == DisputeStatus.OPEN)
    )


def figures() -> Figures:
    """Home page: open count, amount in dispute, median days from opening to decision."""
    count, cents = db.session.execute(
        select(func.count(Dispute.id), func.coalesce(func.sum(Dispute.amount_cents), 0)).where(
            Dispute.status == DisputeStatus.OPEN
        )
    ).one()
    durations = [
        (resolved - created).total_seconds() / 86400
        for created, resolved in db.session.execute(
            select(Dispute.created_at, Dispute.resolved_at).where(
                Dispute.status != DisputeStatus.OPEN, Dispute.resolved_at.is_not(None)
            )
        )
    ]
    median = round(statistics.median(durations), 1) if durations else None
    return Figures(int(count), int(cents), median)


def _locked(dispute_id: int) -> Dispute:
    """The row locked until commit (PostgreSQL), so two clicks decide once."""
    dispute = db.session.scalar(
        select(Dispute)
        .where(Dispute.id == dispute_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if dispute is None:
        raise NotFound(N_("No such dispute."))
    return dispute


def _already_decided(dispute: Dispute) -> None:
    if dispute.status is not DisputeStatus.OPEN:
        db.session.rollback()  # releases the lock
        raise DisputeRefused({"answer": N_("This dispute has already been decided.")})


def accept(
    dispute_id: int,
    *,
    accepted_cents: int,
    answer: str,
    actor: audit.Actor,
    today: date,
    now: datetime,
    base_url: str,
    link_days: int,
) -> Dispute:
    """Accept in full or in part: a credit note for the accepted amount lowers what is due.

    Any part not accepted comes back into collection like a rejection, its
    reminders waiting `RESUME_AFTER_DAYS` days.
    """
    dispute = _locked(dispute_id)
    _already_decided(dispute)
    answer = (answer or "").strip()
    invoice = dispute.invoice
    errors: dict[str, str] = {}
    if accepted_cents <= 0:
        errors["amount"] = N_("The amount must be greater than zero.")
    elif accepted_cents > dispute.amount_cents:
        errors["amount"] = N_("You cannot accept more than the disputed amount.")
    elif accepted_cents > invoice.outstanding_cents:
        errors["amount"] = N_("The amount is more than what is still due on this invoice.")
    if len(answer) > MAX_ANSWER_LENGTH:
        errors["answer"] = N_("The answer is too long.")
    if errors:
        db.session.rollback()
        raise DisputeRefused(errors)
    existing = db.session.scalar(
        select(func.count(CreditNote.id)).where(CreditNote.invoice_id == invoice.id)
    )
    note = CreditNote(
        number=f"AV-{invoice.number}-{existing + 1}",
        customer_id=invoice.customer_id,
        invoice_id=invoice.id,
        date=today,
        amount_cents=accepted_cents,
        currency=invoice.currency,
        reason=f"Dispute #{dispute.id}",
        created_at=now,
    )
    db.session.add(note)
    db.session.flush()
    ledger.refresh_balance(invoice, paid_on=today)
    audit.record(
        actor, "credit_note.created", "credit_note", note.id, at=now,
        customer_id=invoice.customer_id, invoice_id=invoice.id, amount_cents=accepted_cents,
        currency=invoice.currency, number=note.number,
    )  # fmt: skip
    dispute.status = DisputeStatus.ACCEPTED
    dispute.accepted_cents = accepted_cents
    dispute.answer = answer
    dispute.credit_note_id = note.id
    dispute.resolved_at = now
    if accepted_cents < dispute.amount_cents:
        dispute.resume_on = today + timedelta(days=RESUME_AFTER_DAYS)
    audit.record(
        actor, "dispute.accepted", OBJECT_TYPE, dispute.id, at=now,
        customer_id=dispute.customer_id, invoice_id=invoice.id, amount_cents=accepted_cents,
        currency=invoice.currency, number=note.number, disputed_cents=dispute.amount_cents,
        answer=answer,
    )  # fmt: skip
    tasks.close_for(OBJECT_TYPE, dispute.id, actor=actor, now=now)
    _tell_debtor(dispute, "dispute_accepted", note, now=now, base_url=base_url, link_days=link_days)
    db.session.commit()
    return dispute


def reject(
    dispute_id: int,
    *,
    answer: str,
    actor: audit.Actor,
    today: date,
    now: datetime,
    base_url: str,
    link_days: int,
) -> Dispute:
    """Refuse with a written answer: the amount is due again, reminded from `resume_on`."""
    dispute = _locked(dispute_id)
    _already_decided(dispute)
    answer = (answer or "").strip()
    if not answer:
        db.session.rollback()
        raise DisputeRefused({"answer": N_("Write an answer for the customer.")})
    if len(answer) > MAX_ANSWER_LENGTH:
        db.session.rollback()
        raise DisputeRefused({"answer": N_("The answer is too long.")})
    dispute.status = DisputeStatus.REJECTED
    dispute.answer = answer
    dispute.resolved_at = now
    dispute.resume_on = today + timedelta(days=RESUME_AFTER_DAYS)
    audit.record(
        actor, "dispute.rejected", OBJECT_TYPE, dispute.id, at=now,
        customer_id=dispute.customer_id, invoice_id=dispute.invoice_id,
        amount_cents=dispute.amount_cents, currency=dispute.invoice.currency, answer=answer,
        until=dispute.resume_on.isoformat(),
    )  # fmt: skip
    tasks.close_for(OBJECT_TYPE, dispute.id, actor=actor, now=now)
    _tell_debtor(dispute, "dispute_rejected", None, now=now, base_url=base_url, link_days=link_days)
    db.session.commit()
    return dispute


def _tell_debtor(
    dispute: Dispute,
    template: str,
    note: CreditNote | None,
    *,
    now: datetime,
    base_url: str,
    link_days: int,
) -> None:
    customer = dispute.customer
    addresses = [e.email for e in customer.emails if not e.undeliverable]
    if not addresses:
        return
    token = links.create(
        customer, now=now, days=link_days, actor=audit.Actor.system(), purpose=template
    )
    org = organisation.get()
    with force_locale(customer.language):
        outbox.queue_template(
            template, kind=template, to=addresses, now=now, customer_id=customer.id,
            reply_to=org.contact_email if org else "", customer=customer, dispute=dispute,
            invoice=dispute.invoice, credit_note=note, organisation=org,
            url=links.absolute_url(token, base_url),
        )  # fmt: skip


def attachment_file(dispute_id: int, index: int, uploads_folder: Path) -> tuple[Path, str, str]:
    """(path, content type, download name) of one attachment, or NotFound."""
    dispute = get(dispute_id)
    if not 0 <= index < len(dispute.attachments or []):
        raise NotFound(N_("No such file."))
    item = dispute.attachments[index]
    path = uploads.proof_path(uploads_folder, item.get("filename", ""))
    if path is None:
        raise NotFound(N_("No such file."))
    content_type = item.get("content_type", "")
    if content_type not in uploads.CONTENT_TYPES:
        content_type = "application/octet-stream"
    return path, content_type, f"dispute-{dispute.id}-{index + 1}{path.suffix}"
