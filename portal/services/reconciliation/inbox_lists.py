"""What the reconciliation inbox shows around each credit, read in a few queries.

The inbox page lists every waiting credit with its suggestion, so the invoices
the suggestions name are loaded together, not one query per entry. Assigning a
credit by hand starts from a customer's open invoices; those whose balances add
up to the amount are ticked in advance, since that is what the creditor would
tick anyway most of the time.
"""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import BankEntry, EntryStatus, Invoice, InvoiceStatus

PLACED = (EntryStatus.MATCHED, EntryStatus.NOT_CUSTOMER, EntryStatus.REVERSAL, EntryStatus.SPLIT)
UNDOABLE = (EntryStatus.MATCHED, EntryStatus.NOT_CUSTOMER, EntryStatus.SPLIT)


def recently_placed(limit: int = 50) -> list[BankEntry]:
    """Entries the rules or the creditor placed, newest decision first."""
    return list(
        db.session.scalars(
            select(BankEntry)
            .where(BankEntry.status.in_(PLACED))
            .order_by(
                func.coalesce(BankEntry.decided_at, BankEntry.created_at).desc(),
                BankEntry.id.desc(),
            )
            .limit(limit)
        )
    )


def can_undo(entry: BankEntry) -> bool:
    return entry.status in UNDOABLE and entry.amount_cents > 0


def suggested_invoices(entries: list[BankEntry]) -> dict[int, Invoice]:
    """The invoices every suggestion names, by id, in one query."""
    ids = {int(i) for e in entries for i in (e.suggestion or {}).get("invoice_ids", [])}
    if not ids:
        return {}
    return {i.id: i for i in db.session.scalars(select(Invoice).where(Invoice.id.in_(ids)))}


def open_invoices(customer_id: int, currency: str) -> list[Invoice]:
    """A customer's invoices a credit in this currency can pay, oldest due first."""
    return list(
        db.session.scalars(
            select(Invoice)
            .where(
                Invoice.customer_id == customer_id,
                Invoice.status == InvoiceStatus.OPEN,
                Invoice.currency == currency,
                Invoice.outstanding_cents > 0,
            )
            .order_by(Invoice.due_date, Invoice.id)
        )
    )


def fitting(amount_cents: int, invoices: list[Invoice]) -> set[int]:
    """Invoices to tick in advance: one of exactly the amount, else the oldest it covers
    (at least the oldest one, for a partial payment)."""
    for invoice in invoices:
        if invoice.outstanding_cents == amount_cents:
            return {invoice.id}
    chosen, left = set(), amount_cents
    for invoice in invoices:
        if invoice.outstanding_cents > left:
            break
        chosen.add(invoice.id)
        left -= invoice.outstanding_cents
    if not chosen and invoices:
        chosen.add(invoices[0].id)
    return chosen
