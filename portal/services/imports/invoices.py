"""Importing invoices: create, update or leave alone, a chunk of invoices at a time.

An invoice is known by its number and compared by fingerprint, so the same
file imported twice changes nothing. An invoice that changed is replaced only
while nobody has paid or credited it; after that the import refuses, because
the file cannot know what the ledger has recorded since. The lines of an
invoice usually follow one another in the file, so drafts are settled chunk by
chunk and memory holds one chunk plus a few dozen bytes per invoice number and
customer ref, never the file; only an invoice whose rows are scattered through
the file waits in memory until the end.
"""

from __future__ import annotations

import csv

from sqlalchemy import select

from portal.models import Customer
from portal.services.errors import N_
from portal.services.imports import bulk_sql
from portal.services.imports.cells import MAX_CENTS
from portal.services.imports.invoice_rows import InvoiceDraft, add_invoice_row
from portal.services.imports.invoice_storage import (
    current_fingerprints,
    insert_invoices,
    stored_invoices,
    update_invoices,
)
from portal.services.imports.reading import Columns, CsvFile, Header, data_rows
from portal.services.imports.report import ImportRun

INVOICE_COLUMNS = Columns(
    known=(
        "number",
        "customer_ref",
        "issue_date",
        "due_date",
        "currency",
        "description",
        "quantity",
        "unit_price",
        "tax_rate",
    ),
    required=(
        "number",
        "customer_ref",
        "issue_date",
        "due_date",
        "quantity",
        "unit_price",
        "tax_rate",
    ),
)


def import_invoices(run: ImportRun, source: CsvFile) -> None:
    """Rows of one invoice are gathered; contiguous ones are settled chunk by chunk.

    An invoice whose rows are scattered through the file (found by a first,
    cheap pass over the number column) is kept aside and settled at the end,
    so its fingerprint and totals cover all its lines.
    """
    scattered = _scattered_invoice_numbers(source)
    customers: dict[str, tuple[int, str] | None] = {}
    parked: dict[str, InvoiceDraft] = {}
    batch: list[InvoiceDraft] = []
    batch_lines = 0
    current: InvoiceDraft | None = None
    with data_rows(run, source, INVOICE_COLUMNS) as rows:
        if rows is None:
            return
        for row, values in rows:
            number = values["number"]
            if not number:
                run.error(row, "number", N_("a value is required"))
                add_invoice_row(run, InvoiceDraft("", row), row, values)
                continue
            if number in scattered:
                draft = parked.setdefault(number, InvoiceDraft(number, row))
            elif current is not None and current.number == number:
                draft = current
            else:
                if current is not None:
                    batch.append(current)
                    batch_lines += max(1, len(current.lines))
                    if batch_lines >= bulk_sql.CHUNK_ROWS:
                        _save_invoices(run, batch, customers)
                        batch, batch_lines = [], 0
                current = draft = InvoiceDraft(number, row)
            add_invoice_row(run, draft, row, values)
        if current is not None:
            batch.append(current)
        _save_invoices(run, batch, customers)
        parked_drafts = list(parked.values())
        for start in range(0, len(parked_drafts), bulk_sql.IN_LIMIT):
            _save_invoices(run, parked_drafts[start : start + bulk_sql.IN_LIMIT], customers)


def _scattered_invoice_numbers(source: CsvFile) -> set[str]:
    """Numbers whose rows are not all contiguous (usually none)."""
    seen: set[str] = set()
    scattered: set[str] = set()
    last = None
    with source.records() as records:
        try:
            header = Header(next(records, []), INVOICE_COLUMNS)
            if header.missing:
                return scattered
            position = dict(header.positions)["number"]
            for fields in records:
                number = fields[position].strip() if position < len(fields) else ""
                if not number or number == last:
                    continue
                if number in seen:
                    scattered.add(number)
                seen.add(number)
                last = number
        except csv.Error:
            pass  # the main pass reports it
    return scattered


def _save_invoices(
    run: ImportRun, drafts: list[InvoiceDraft], customers: dict[str, tuple[int, str] | None]
) -> None:
    """Decide create, update or unchanged for complete invoices, then write them in bulk."""
    _resolve_customers(run, drafts, customers)
    valid = [draft for draft in drafts if draft.valid and _total_fits(run, draft)]
    stored = stored_invoices([draft.number for draft in valid])
    creates, updates, to_compare = [], [], []
    for draft in valid:
        fingerprint = draft.fingerprint()
        old = stored.get(draft.number)
        if old is None:
            creates.append((draft, fingerprint))
        elif old.import_fingerprint == fingerprint:
            run.count("unchanged")
        else:
            to_compare.append((draft, fingerprint, old))
    current = current_fingerprints([old for _, _, old in to_compare])
    for draft, fingerprint, old in to_compare:
        if current[old.id] == fingerprint:
            run.count("unchanged")
        elif old.paid_cents or old.credited_cents:
            run.error(
                draft.row,
                "number",
                N_(
                    "invoice %(number)s already has payments or credit notes: an import cannot change it"
                ),
                number=draft.number,
            )
        else:
            updates.append((draft, fingerprint, old))
    for draft, _ in creates:
        run.count("create", _invoice_sample(draft, customers))
    for draft, _, _ in updates:
        run.count("update", _invoice_sample(draft, customers))
    if run.writing:
        insert_invoices(run, creates, customers)
        update_invoices(run, updates, customers)
        run.flush_audit()


def _invoice_sample(draft: InvoiceDraft, customers: dict[str, tuple[int, str] | None]) -> dict:
    customer = customers[draft.customer_ref]  # type: ignore[index]
    return {
        "key": draft.number,
        "label": customer[1] if customer else "",
        "amount_cents": draft.net_cents + draft.tax_cents,
        "currency": draft.currency,
    }


def _resolve_customers(
    run: ImportRun, drafts: list[InvoiceDraft], customers: dict[str, tuple[int, str] | None]
) -> None:
    """Customer ids by ref, looked up once per file; an unknown ref makes the invoice invalid."""
    wanted = {d.customer_ref for d in drafts if d.customer_ref is not None}
    missing = sorted(wanted - customers.keys())
    customers.update({ref: None for ref in missing})
    for id_, ref, name in bulk_sql.matching(_CUSTOMER_IDS_BY_REF, missing):
        customers[ref] = (id_, name)
    for draft in drafts:
        ref = draft.customer_ref
        if ref is not None and customers[ref] is None:
            run.error(
                draft.row_of("customer_ref"),
                "customer_ref",
                N_("unknown customer %(ref)s"),
                ref=ref,
            )
            draft.valid = False


_CUSTOMER_IDS_BY_REF = select(Customer.id, Customer.ref, Customer.name).where(
    Customer.ref.in_(bulk_sql.keys())
)


def _total_fits(run: ImportRun, draft: InvoiceDraft) -> bool:
    """A total the ledger can hold: not too large, and above zero once discounts are taken off."""
    total = draft.net_cents + draft.tax_cents
    if total > MAX_CENTS:
        run.error(draft.row, "number", N_("amount too large"))
        return False
    if total <= 0 and any(line.net_cents < 0 for line in draft.lines):
        run.error(
            draft.row,
            "number",
            N_(
                "invoice %(number)s: discount lines may lower its total, not take it to zero or below"
            ),
            number=draft.number,
        )
        return False
    return True
