"""The invoice import's side of the database: what is stored, and writes in bulk.

Deciding whether an invoice changed needs its stored header, balance and
lines; writing needs invoices, their lines and audit rows. Both are done for
a whole chunk of drafts at once, with the statements of bulk_sql, so that an
import of 100 000 lines costs a few dozen round trips rather than one per
line. Balances follow the ledger's own rule (balances.InvoiceBalance), and
changed invoices are written by the ledger's bulk path (ledger_bulk).
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import delete, select

from portal.models import Customer, Invoice, InvoiceLine, InvoiceStatus
from portal.services.imports import bulk_sql
from portal.services.imports.fingerprints import canonical, invoice_fingerprint, line_key
from portal.services.imports.invoice_rows import InvoiceDraft
from portal.services.imports.report import ImportRun
from portal.services.payments import ledger_bulk
from portal.services.payments.balances import InvoiceBalance


class StoredInvoice(NamedTuple):
    """An invoice as stored: what deciding between update, unchanged and refusal needs."""

    id: int
    number: str
    customer_ref: str
    issue_date: date
    due_date: date
    currency: str
    import_fingerprint: str
    total_cents: int
    paid_cents: int
    credited_cents: int
    status: InvoiceStatus
    paid_date: date | None


_INVOICES_BY_NUMBER = (
    select(
        Invoice.id,
        Invoice.number,
        Customer.ref,
        Invoice.issue_date,
        Invoice.due_date,
        Invoice.currency,
        Invoice.import_fingerprint,
        Invoice.total_cents,
        Invoice.paid_cents,
        Invoice.credited_cents,
        Invoice.status,
        Invoice.paid_date,
    )
    .join(Customer, Customer.id == Invoice.customer_id)
    .where(Invoice.number.in_(bulk_sql.keys()))
)
_LINES_BY_INVOICE = (
    select(
        InvoiceLine.invoice_id,
        InvoiceLine.description,
        InvoiceLine.quantity,
        InvoiceLine.unit_price,
        InvoiceLine.tax_rate,
    )
    .where(InvoiceLine.invoice_id.in_(bulk_sql.keys()))
    .order_by(InvoiceLine.invoice_id, InvoiceLine.position)
)
_DELETE_LINES = delete(InvoiceLine).where(InvoiceLine.invoice_id.in_(bulk_sql.keys()))


def stored_invoices(numbers: list[str]) -> dict[str, StoredInvoice]:
    """The invoices already stored under these numbers, by number."""
    return {
        row.number: StoredInvoice(*row) for row in bulk_sql.matching(_INVOICES_BY_NUMBER, numbers)
    }


def current_fingerprints(invoices: list[StoredInvoice]) -> dict[int, str]:
    """Fingerprints of invoices as stored now (an invoice typed in by hand has none)."""
    lines: dict[int, list[str]] = {inv.id: [] for inv in invoices}
    for invoice_id, description, *numbers in bulk_sql.matching(_LINES_BY_INVOICE, lines):
        lines[invoice_id].append(line_key(description, *map(canonical, numbers)))
    return {
        inv.id: invoice_fingerprint(
            inv.number, inv.customer_ref, inv.issue_date, inv.due_date, inv.currency, lines[inv.id]
        )
        for inv in invoices
    }


def _header_values(
    run: ImportRun, draft: InvoiceDraft, fingerprint: str, customer_id: int
) -> dict[str, Any]:
    """Every column but the balance, which the ledger's rule sets."""
    return {
        "number": draft.number,
        "customer_id": customer_id,
        "issue_date": draft.issue_date,
        "due_date": draft.due_date,
        "currency": draft.currency,
        "net_cents": draft.net_cents,
        "tax_cents": draft.tax_cents,
        "import_fingerprint": fingerprint,
        "updated_at": run.now,
    }


def insert_invoices(
    run: ImportRun,
    creates: list[tuple[InvoiceDraft, str]],
    customers: dict[str, tuple[int, str] | None],
) -> None:
    if not creates:
        return
    rows = []
    for draft, fingerprint in creates:
        customer_id = customers[draft.customer_ref][0]  # type: ignore[index]
        total = draft.net_cents + draft.tax_cents
        balance = InvoiceBalance(total, 0, 0, draft.due_date).apply()
        values = _header_values(run, draft, fingerprint, customer_id) | balance.columns()
        values["created_at"] = run.now
        rows.append(values)
    ids = bulk_sql.insert_returning_ids(Invoice, rows, "number")
    _insert_lines([(ids[draft.number], draft) for draft, _ in creates])
    for values in rows:
        invoice_id = ids[values["number"]]
        run.audit(
            "invoice.created",
            "invoice",
            invoice_id,
            customer_id=values["customer_id"],
            invoice_id=invoice_id,
            number=values["number"],
            total_cents=values["total_cents"],
            source="import",
        )


def update_invoices(
    run: ImportRun,
    updates: list[tuple[InvoiceDraft, str, StoredInvoice]],
    customers: dict[str, tuple[int, str] | None],
) -> None:
    """Replace lines and header of invoices nobody has paid or credited yet."""
    if not updates:
        return
    rows = []
    for draft, fingerprint, old in updates:
        customer_id = customers[draft.customer_ref][0]  # type: ignore[index]
        balance = InvoiceBalance(
            draft.net_cents + draft.tax_cents,
            old.paid_cents,
            old.credited_cents,
            draft.due_date,
            old.status,
            old.paid_date,
        )
        rows.append((old.id, _header_values(run, draft, fingerprint, customer_id), balance))
    ledger_bulk.reprice_invoices(rows)
    bulk_sql.delete_matching(_DELETE_LINES, (old.id for _, _, old in updates))
    _insert_lines([(old.id, draft) for draft, _, old in updates])
    for (_, _, old), (_, values, balance) in zip(updates, rows, strict=True):
        run.audit(
            "invoice.updated",
            "invoice",
            old.id,
            customer_id=values["customer_id"],
            invoice_id=old.id,
            number=old.number,
            total_cents=balance.total_cents,
            previous_total_cents=old.total_cents,
            source="import",
        )


def _insert_lines(invoices: list[tuple[int, InvoiceDraft]]) -> None:
    rows = [
        {
            "invoice_id": invoice_id,
            "position": position,
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "tax_rate": line.tax_rate,
            "net_cents": line.net_cents,
            "tax_cents": line.tax_cents,
        }
        for invoice_id, draft in invoices
        for position, line in enumerate(draft.lines)
    ]
    bulk_sql.insert_rows(InvoiceLine, rows)
