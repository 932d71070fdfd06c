"""The reconciliation inbox: the credits no rule could place, and the creditor's decisions.

The creditor assigns a credit to a customer and some of their invoices (the
suggestion, when there is one, in a click), or says it is not a customer
payment; a transfer that pays for several customers is first split into parts,
each placed on its own. Any match, automatic or not, can be undone: the payment is reversed
through the ledger, reminders resume, both timelines say so, and the entry waits
here again to be assigned elsewhere.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select

from portal.extensions import db
from portal.models import AuditAction, BankEntry, EntryStatus, Invoice, InvoiceStatus, MatchRule
from portal.services import audit
from portal.services.errors import N_, DomainError, NotFound
from portal.services.reconciliation import recording, splitting
from portal.services.reconciliation.matching import Match

WAITING = (EntryStatus.UNMATCHED, EntryStatus.TO_REVIEW)


class EntryRefused(DomainError):
    pass


def waiting(limit: int = 500) -> list[BankEntry]:
    """Credits to place, those with a suggestion first, then oldest first."""
    return list(
        db.session.scalars(
            select(BankEntry)
            .where(BankEntry.status.in_(WAITING))
            .order_by(
                case((BankEntry.status == EntryStatus.TO_REVIEW, 0), else_=1),
                BankEntry.booking_date,
                BankEntry.id,
            )
            .limit(limit)
        )
    )


def count_waiting() -> int:
    return db.session.scalar(
        select(func.count()).select_from(BankEntry).where(BankEntry.status.in_(WAITING))
    )


def get(entry_id: int) -> BankEntry:
    entry = db.session.get(BankEntry, entry_id)
    if entry is None or entry.amount_cents <= 0:
        raise NotFound(N_("No such bank entry."))
    return entry


def assign(
    entry_id: int,
    *,
    customer_id: int,
    invoice_ids: list[int],
    actor: audit.Actor,
    now: datetime,
) -> BankEntry:
    """Record the credit on these invoices of one customer, oldest due first; the rest is credit."""
    entry = get(entry_id)
    if entry.status not in WAITING:
        raise EntryRefused(N_("This bank entry is already placed: undo it first."))
    invoices = list(
        db.session.scalars(
            select(Invoice)
            .where(
                Invoice.id.in_(invoice_ids or [-1]),
                Invoice.customer_id == customer_id,
                Invoice.status == InvoiceStatus.OPEN,
                Invoice.currency == entry.currency,
            )
            .order_by(Invoice.due_date, Invoice.id)
        )
    )
    if invoice_ids and len(invoices) != len(set(invoice_ids)):
        raise EntryRefused(N_("Choose open invoices of this customer, in the entry's currency."))
    shares, left = [], entry.amount_cents
    for invoice in invoices:
        cents = min(left, invoice.outstanding_cents)
        if cents > 0:
            shares.append((invoice.id, cents))
            left -= cents
    match = Match(MatchRule.MANUAL, customer_id, shares, left, why="manual")
    recording.record(entry, match, actor=actor, now=now)
    return entry


def accept_suggestion(entry_id: int, *, actor: audit.Actor, now: datetime) -> BankEntry:
    entry = get(entry_id)
    if entry.status is not EntryStatus.TO_REVIEW or not entry.suggestion:
        raise EntryRefused(N_("There is no suggestion to accept for this entry."))
    return assign(
        entry_id,
        customer_id=int(entry.suggestion["customer_id"]),
        invoice_ids=[int(i) for i in entry.suggestion.get("invoice_ids", [])],
        actor=actor,
        now=now,
    )


def not_a_customer_payment(entry_id: int, *, actor: audit.Actor, now: datetime) -> BankEntry:
    entry = get(entry_id)
    if entry.status not in WAITING:
        raise EntryRefused(N_("This bank entry is already placed: undo it first."))
    entry.status = EntryStatus.NOT_CUSTOMER
    entry.customer_id = None
    entry.suggestion = {}
    entry.decided_at, entry.decided_by = now, actor.label
    audit.record(actor, AuditAction.BANK_ENTRY_NOT_CUSTOMER, "bank_entry", entry.id, at=now)
    return entry


def split(entry_id: int, amounts: list[int], *, actor: audit.Actor, now: datetime) -> BankEntry:
    """Parts of a waiting credit, each waiting here in its place, for one transfer that
    pays for several customers (a group for its subsidiaries, an accountant for clients)."""
    entry = get(entry_id)
    if entry.status not in WAITING:
        raise EntryRefused(N_("This bank entry is already placed: undo it first."))
    if len(amounts) < 2:
        raise EntryRefused(N_("Split the credit into at least two parts."))
    if len(amounts) > splitting.MAX_PARTS:
        raise EntryRefused(N_("Split the credit into at most 20 parts."))
    if any(cents <= 0 for cents in amounts):
        raise EntryRefused(N_("Every part must be more than zero."))
    if sum(amounts) != entry.amount_cents:
        raise EntryRefused(N_("The parts must add up exactly to the credit's amount."))
    splitting.split(entry, amounts, actor=actor, now=now)
    return entry


def undo(entry_id: int, *, actor: audit.Actor, now: datetime) -> BankEntry:
    """Back to the inbox: a recorded payment is reversed, a dismissal forgotten, a split
    taken back while none of its parts has been placed."""
    entry = get(entry_id)
    if entry.status is EntryStatus.SPLIT:
        if not splitting.can_merge(entry):
            raise EntryRefused(
                N_("A part of this credit has been placed: the split can no longer be undone.")
            )
        splitting.merge(entry, actor=actor, now=now)
        return entry
    if entry.status not in (EntryStatus.MATCHED, EntryStatus.NOT_CUSTOMER):
        raise EntryRefused(N_("Only a placed entry can be undone."))
    recording.undo(entry, actor=actor, now=now, reason="undone")
    return entry
