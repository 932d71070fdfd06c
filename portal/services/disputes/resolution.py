"""The creditor answers a dispute: accept it (in full or in part) with a credit note, or reject it.

Accepting writes a credit note, so the amount due drops through the ledger;
any part not accepted, like a rejection, comes back into collection, but its
reminders wait `RESUME_AFTER_DAYS` days (the debtor may react). The row is
locked while it is decided, so two clicks decide once; the debtor is told by
email either way.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from portal.adapters import uploads
from portal.extensions import db
from portal.models import Dispute, DisputeStatus, MessageKind
from portal.services import audit, notifications, tasks
from portal.services.disputes.raising import OBJECT_TYPE, DisputeRefused
from portal.services.errors import N_, NotFound
from portal.services.payments import ledger

#: After a rejection, reminders for the amount wait this long (the debtor may react).
RESUME_AFTER_DAYS = 7
MAX_ANSWER_LENGTH = 2000


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
        raise DisputeRefused(errors)
    note = ledger.record_credit_note(
        invoice,
        amount_cents=accepted_cents,
        issued_on=today,
        reason=f"Dispute #{dispute.id}",
        actor=actor,
        now=now,
    )
    dispute.status = DisputeStatus.ACCEPTED
    dispute.accepted_cents = accepted_cents
    dispute.answer = answer
    dispute.credit_note_id = note.id
    dispute.resolved_at = now
    if accepted_cents < dispute.amount_cents:
        dispute.resume_on = today + timedelta(days=RESUME_AFTER_DAYS)
    audit.record(
        actor,
        "dispute.accepted",
        OBJECT_TYPE,
        dispute.id,
        at=now,
        customer_id=dispute.customer_id,
        invoice_id=invoice.id,
        amount_cents=accepted_cents,
        currency=invoice.currency,
        number=note.number,
        disputed_cents=dispute.amount_cents,
        answer=answer,
    )
    tasks.close_for(OBJECT_TYPE, dispute.id, actor=actor, now=now)
    notifications.tell_debtor(
        dispute.customer,
        MessageKind.DISPUTE_ACCEPTED,
        now=now,
        link=notifications.PortalLink(base_url, link_days),
        dispute=dispute,
        invoice=dispute.invoice,
        credit_note=note,
    )
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
        raise DisputeRefused({"answer": N_("Write an answer for the customer.")})
    if len(answer) > MAX_ANSWER_LENGTH:
        raise DisputeRefused({"answer": N_("The answer is too long.")})
    dispute.status = DisputeStatus.REJECTED
    dispute.answer = answer
    dispute.resolved_at = now
    dispute.resume_on = today + timedelta(days=RESUME_AFTER_DAYS)
    audit.record(
        actor,
        "dispute.rejected",
        OBJECT_TYPE,
        dispute.id,
        at=now,
        customer_id=dispute.customer_id,
        invoice_id=dispute.invoice_id,
        amount_cents=dispute.amount_cents,
        currency=dispute.invoice.currency,
        answer=answer,
        until=dispute.resume_on.isoformat(),
    )
    tasks.close_for(OBJECT_TYPE, dispute.id, actor=actor, now=now)
    notifications.tell_debtor(
        dispute.customer,
        MessageKind.DISPUTE_REJECTED,
        now=now,
        link=notifications.PortalLink(base_url, link_days),
        dispute=dispute,
        invoice=dispute.invoice,
        credit_note=None,
    )
    return dispute


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
