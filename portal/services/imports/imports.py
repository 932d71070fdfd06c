"""Importing customers, invoices and payments from CSV files, all or nothing.

Files come from French office software and spreadsheets, so they are taken as
they are: comma, semicolon or tab separated; UTF-8 (with or without BOM) or
Windows-1252; decimal comma or point, with spaces as thousands separators;
ISO or DD/MM/YYYY dates.

An import runs in one transaction. Every row is checked, even after the first
problem, so the user fixes the whole file at once; if any row is wrong nothing
is written. Importing the same file twice changes nothing the second time.

Files are streamed and processed in chunks with bulk statements (one SELECT
per chunk for lookups, executemany for writes): 100 000 invoice lines take a
few seconds, and memory holds one chunk plus a few dozen bytes per distinct
invoice number and customer ref, never the file. (Rows of an invoice that
are scattered through the file, rather than contiguous, wait in memory until
the end of the file.)
"""

from __future__ import annotations

import csv
import gc
import hashlib
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, BinaryIO, NamedTuple

from sqlalchemy import delete, select, update

from portal.extensions import db
from portal.models import (
    Customer,
    CustomerEmail,
    CustomerKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentMethod,
)
from portal.services.audit import Actor
from portal.services.customers import invalid_emails, split_emails
from portal.services.errors import N_
from portal.services.imports import bulk_sql, cells
from portal.services.imports.balances import InvoiceBalance
from portal.services.imports.cells import MAX_CENTS
from portal.services.imports.fingerprints import (
    canonical,
    invoice_fingerprint,
    line_key,
    payment_key,
)
from portal.services.imports.reading import Columns, CsvFile, Header, data_rows
from portal.services.imports.report import ImportResult, ImportRun
from portal.services.payments.invoicing import line_amounts
from portal.values.money import parse_decimal

KINDS = ("customers", "invoices", "payments")

#: Quantities, prices and rates from here on are typing mistakes (and would overflow).
MAX_LINE_NUMBER = Decimal(10**12)


# ---------------------------------------------------------------- entry point


def import_csv(
    kind: str,
    stream: BinaryIO,
    *,
    actor: Actor,
    now: datetime,
    dry_run: bool = False,
    filename: str = "",
) -> ImportResult:
    """Import one CSV file of `kind` (customers, invoices or payments).

    A dry run does exactly what the real run does, then rolls back: the preview
    reports the counts the confirmation will produce. The import owns the
    session's transaction (it commits or rolls back), so call it with nothing
    pending.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown import kind: {kind!r}")
    importer = {"customers": _import_customers, "invoices": _import_invoices}.get(
        kind, _import_payments
    )
    run = ImportRun(actor=actor, now=now, result=ImportResult(kind))
    try:
        with _collector_paused():
            importer(run, CsvFile(stream))
        run.flush_audit()
        if run.result.errors or dry_run:
            db.session.rollback()
        else:
            _record_completion(run, filename)
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    if run.result.errors:
        run.result.errors.sort(key=lambda error: error.row)
        run.result.created = run.result.updated = run.result.unchanged = 0
        run.result.samples = []
    return run.result


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the file is read and written.

    An import keeps tens of thousands of objects alive for a while, so the
    collector would walk the whole heap again and again (about 0.1 s a time,
    15 % of a 100 000-line import) to find next to nothing: the import makes
    almost no reference cycles, and reference counting frees the rest at once.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _record_completion(run: ImportRun, filename: str) -> None:
    result = run.result
    run.audit(
        "import.completed",
        "import",
        None,
        kind=result.kind,
        filename=filename,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
    )
    run.flush_audit()


CUSTOMER_COLUMNS = Columns(
    known=(
        "ref",
        "name",
        "kind",
        "email",
        "language",
        "phone",
        "address",
        "postcode",
        "city",
        "country",
        "siren",
        "segment",
    ),
    required=("ref", "name", "email"),
)
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
PAYMENT_COLUMNS = Columns(
    known=("invoice_number", "date", "amount", "method", "reference"),
    required=("invoice_number", "date", "amount"),
)


@lru_cache(maxsize=8192)
def _number(text: str) -> tuple[Decimal, str]:
    """A number as the file writes it, and its canonical form (files repeat their numbers)."""
    value = parse_decimal(text)
    return value, canonical(value)


def _format_cents(cents: int, currency: str) -> str:
    return f"{Decimal(cents).scaleb(-2):.2f} {currency}"


# ---------------------------------------------------------------- customers

CUSTOMER_KINDS = {
    "business": CustomerKind.BUSINESS,
    "entreprise": CustomerKind.BUSINESS,
    "professionnel": CustomerKind.BUSINESS,
    "consumer": CustomerKind.CONSUMER,
    "particulier": CustomerKind.CONSUMER,
}
LANGUAGES = ("fr", "en")
_CUSTOMER_TEXT_LIMITS = {
    "name": 200,
    "phone": 40,
    "address": 300,
    "postcode": 20,
    "city": 100,
    "segment": 64,
}
_COUNTRY_RE = re.compile(r"[A-Z]{2}")
_SIREN_RE = re.compile(r"[0-9]{9}")


@dataclass
class _CustomerRow:
    row: int
    ref: str
    fields: dict[str, Any]
    """Model columns present in the file; absent columns keep their stored value."""
    emails: list[str]

    def digest(self) -> bytes:
        data = repr((sorted((k, str(v)) for k, v in self.fields.items()), self.emails))
        return hashlib.blake2b(data.encode(), digest_size=16).digest()


def _import_customers(run: ImportRun, source: CsvFile) -> None:
    """Upsert by ref; a ref given twice must carry the same data both times."""
    seen: dict[str, tuple[bytes, int]] = {}
    batch: list[_CustomerRow] = []
    with data_rows(run, source, CUSTOMER_COLUMNS) as rows:
        if rows is None:
            return
        for row, values in rows:
            customer = _parse_customer(run, row, values)
            if customer is None:
                continue
            digest = customer.digest()
            first = seen.setdefault(customer.ref, (digest, row))
            if first[1] != row:
                if first[0] != digest:
                    run.error(
                        row,
                        "ref",
                        N_("customer %(ref)s appears on row %(other_row)d with different data"),
                        ref=customer.ref,
                        other_row=first[1],
                    )
                continue
            batch.append(customer)
            if len(batch) >= bulk_sql.CHUNK_ROWS:
                _save_customers(run, batch)
                batch = []
        _save_customers(run, batch)


def _parse_customer(run: ImportRun, row: int, values: dict[str, str]) -> _CustomerRow | None:
    errors_before = len(run.result.errors)
    ref = cells.text(run, row, "ref", cells.required(run, row, "ref", values["ref"]), 64)
    fields: dict[str, Any] = {"name": cells.required(run, row, "name", values["name"])}
    for column, limit in _CUSTOMER_TEXT_LIMITS.items():
        if column in values:
            fields[column] = cells.text(run, row, column, values[column], limit)
    if "kind" in values:
        fields["kind"] = _customer_kind(run, row, values["kind"])
    if "language" in values:
        fields["language"] = _language(run, row, values["language"])
    if "country" in values:
        fields["country"] = _country(run, row, values["country"])
    if "siren" in values:
        fields["siren"] = _siren(run, row, values["siren"])
    emails = split_emails(cells.required(run, row, "email", values["email"]))
    bad = invalid_emails(emails) + [e for e in emails if len(e) > 254]
    if bad:
        run.error(row, "email", N_("not a valid email address: %(emails)s"), emails=", ".join(bad))
    if len(run.result.errors) > errors_before:
        return None
    return _CustomerRow(row, ref, fields, emails)


def _customer_kind(run: ImportRun, row: int, value: str) -> CustomerKind:
    kind = CUSTOMER_KINDS.get(value.lower()) if value else CustomerKind.BUSINESS
    if kind is None:
        run.error(
            row,
            "kind",
            N_("not a valid customer kind (business or consumer): %(value)s"),
            value=value,
        )
        return CustomerKind.BUSINESS
    return kind


def _language(run: ImportRun, row: int, value: str) -> str:
    language = value.lower() or "fr"
    if language not in LANGUAGES:
        run.error(row, "language", N_("not a valid language (fr or en): %(value)s"), value=value)
    return language


def _country(run: ImportRun, row: int, value: str) -> str:
    country = "FR" if not value or value.lower() == "france" else value.upper()
    if not _COUNTRY_RE.fullmatch(country):
        run.error(
            row,
            "country",
            N_("not a valid country code (two letters, as FR): %(value)s"),
            value=value,
        )
    return country


def _siren(run: ImportRun, row: int, value: str) -> str:
    siren = value.replace(" ", "").replace("\u00a0", "")
    if siren and not _SIREN_RE.fullmatch(siren):
        run.error(row, "siren", N_("not a valid SIREN (9 digits): %(value)s"), value=value)
    return siren


CUSTOMER_FIELDS = (
    "name",
    "kind",
    "language",
    "phone",
    "address",
    "postcode",
    "city",
    "country",
    "siren",
    "segment",
)


class _StoredCustomer(NamedTuple):
    id: int
    fields: dict[str, Any]
    emails: list[tuple[str, bool]]


_CUSTOMERS_BY_REF = select(
    Customer.id, Customer.ref, *(getattr(Customer, name) for name in CUSTOMER_FIELDS)
).where(Customer.ref.in_(bulk_sql.keys()))
_EMAILS_BY_CUSTOMER = (
    select(CustomerEmail.customer_id, CustomerEmail.email, CustomerEmail.undeliverable)
    .where(CustomerEmail.customer_id.in_(bulk_sql.keys()))
    .order_by(CustomerEmail.customer_id, CustomerEmail.position)
)
_DELETE_EMAILS = delete(CustomerEmail).where(CustomerEmail.customer_id.in_(bulk_sql.keys()))


def _stored_customers(refs: list[str]) -> dict[str, _StoredCustomer]:
    stored: dict[str, _StoredCustomer] = {}
    for row in bulk_sql.matching(_CUSTOMERS_BY_REF, refs):
        fields = {name: getattr(row, name) for name in CUSTOMER_FIELDS}
        stored[row.ref] = _StoredCustomer(row.id, fields, [])
    by_id = {customer.id: customer for customer in stored.values()}
    for email in bulk_sql.matching(_EMAILS_BY_CUSTOMER, by_id):
        by_id[email.customer_id].emails.append((email.email, email.undeliverable))
    return stored


_CUSTOMER_DEFAULTS = {
    "kind": CustomerKind.BUSINESS,
    "language": "fr",
    "phone": "",
    "address": "",
    "postcode": "",
    "city": "",
    "country": "FR",
    "siren": "",
    "segment": "",
}


def _save_customers(run: ImportRun, batch: list[_CustomerRow]) -> None:
    stored = _stored_customers([customer.ref for customer in batch])
    creates: list[_CustomerRow] = []
    updates: list[tuple[_CustomerRow, _StoredCustomer, dict[str, list[Any]]]] = []
    for customer in batch:
        old = stored.get(customer.ref)
        sample = {
            "key": customer.ref,
            "label": customer.fields["name"],
            "amount_cents": None,
            "currency": None,
        }
        if old is None:
            creates.append(customer)
            run.count("create", sample)
            continue
        changes = _customer_changes(customer, old)
        if changes:
            updates.append((customer, old, changes))
            run.count("update", sample)
        else:
            run.count("unchanged")
    if run.writing:
        _insert_customers(run, creates)
        _update_customers(run, updates)
        run.flush_audit()


def _customer_changes(customer: _CustomerRow, old: _StoredCustomer) -> dict[str, list[Any]]:
    """{field: [before, after]} in JSON-friendly values, for the audit trail."""
    changes = {
        name: [_jsonable(old.fields[name]), _jsonable(value)]
        for name, value in customer.fields.items()
        if old.fields[name] != value
    }
    old_emails = [email for email, _ in old.emails]
    if old_emails != customer.emails:
        changes["emails"] = [old_emails, customer.emails]
    return changes


def _jsonable(value: Any) -> Any:
    return str(value) if isinstance(value, CustomerKind) else value


def _insert_customers(run: ImportRun, creates: list[_CustomerRow]) -> None:
    if not creates:
        return
    rows = [
        {
            "ref": customer.ref,
            **_CUSTOMER_DEFAULTS,
            **customer.fields,
            "notes": "",
            "created_at": run.now,
        }
        for customer in creates
    ]
    ids = bulk_sql.insert_returning_ids(Customer, rows, "ref")
    _insert_emails([(ids[c.ref], c.emails, {}) for c in creates])
    for customer in creates:
        customer_id = ids[customer.ref]
        run.audit(
            "customer.created",
            "customer",
            customer_id,
            customer_id=customer_id,
            ref=customer.ref,
            source="import",
        )


def _update_customers(
    run: ImportRun, updates: list[tuple[_CustomerRow, _StoredCustomer, dict[str, list[Any]]]]
) -> None:
    if not updates:
        return
    rows = [{"id": old.id, **customer.fields} for customer, old, _ in updates]
    db.session.execute(update(Customer), rows)
    new_emails = [
        (old.id, customer.emails, dict(old.emails))
        for customer, old, changes in updates
        if "emails" in changes
    ]
    bulk_sql.delete_matching(_DELETE_EMAILS, (customer_id for customer_id, _, _ in new_emails))
    _insert_emails(new_emails)
    for customer, old, changes in updates:
        run.audit(
            "customer.updated",
            "customer",
            old.id,
            customer_id=old.id,
            ref=customer.ref,
            changes=changes,
            source="import",
        )


def _insert_emails(entries: list[tuple[int, list[str], dict[str, bool]]]) -> None:
    """(customer id, addresses in order, undeliverable flags to keep) for each customer."""
    rows = [
        {
            "customer_id": customer_id,
            "email": email,
            "position": position,
            "undeliverable": undeliverable.get(email, False),
        }
        for customer_id, emails, undeliverable in entries
        for position, email in enumerate(emails)
    ]
    bulk_sql.insert_rows(CustomerEmail, rows)


# ---------------------------------------------------------------- invoices

_CURRENCY_RE = re.compile(r"[A-Z]{3}")


class _Line(NamedTuple):
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    net_cents: int
    tax_cents: int
    key: str
    """`line_key` of the line, for the invoice's fingerprint."""


@dataclass(slots=True)
class _InvoiceDraft:
    """One invoice as the file describes it, gathered from its rows.

    Slots and plain fields rather than dicts: tens of thousands of drafts pass
    through an import, and fewer objects means fewer garbage-collector passes.
    """

    number: str
    row: int
    customer_ref: str | None = None
    issue_date: date | None = None
    due_date: date | None = None
    currency: str | None = None
    raw_header: tuple[str, ...] = ()
    set_on: dict[str, int] | None = None
    """Header values first given on a later row than `row` (after a bad first value)."""
    lines: list[_Line] = field(default_factory=list)
    valid: bool = True
    dates_checked: bool = False
    net_cents: int = 0
    tax_cents: int = 0

    def add(self, line: _Line) -> None:
        self.lines.append(line)
        self.net_cents += line.net_cents
        self.tax_cents += line.tax_cents

    def row_of(self, column: str) -> int:
        return self.set_on.get(column, self.row) if self.set_on else self.row

    def fingerprint(self) -> str:
        return invoice_fingerprint(
            self.number,
            self.customer_ref,
            self.issue_date,
            self.due_date,
            self.currency,  # type: ignore[arg-type]
            [line.key for line in self.lines],
        )


def _import_invoices(run: ImportRun, source: CsvFile) -> None:
    """Rows of one invoice are gathered; contiguous ones are settled chunk by chunk.

    An invoice whose rows are scattered through the file (found by a first,
    cheap pass over the number column) is kept aside and settled at the end,
    so its fingerprint and totals cover all its lines.
    """
    scattered = _scattered_invoice_numbers(source)
    customers: dict[str, tuple[int, str] | None] = {}
    parked: dict[str, _InvoiceDraft] = {}
    batch: list[_InvoiceDraft] = []
    batch_lines = 0
    current: _InvoiceDraft | None = None
    with data_rows(run, source, INVOICE_COLUMNS) as rows:
        if rows is None:
            return
        for row, values in rows:
            number = values["number"]
            if not number:
                run.error(row, "number", N_("a value is required"))
                _add_invoice_row(run, _InvoiceDraft("", row), row, values)
                continue
            if number in scattered:
                draft = parked.setdefault(number, _InvoiceDraft(number, row))
            elif current is not None and current.number == number:
                draft = current
            else:
                if current is not None:
                    batch.append(current)
                    batch_lines += max(1, len(current.lines))
                    if batch_lines >= bulk_sql.CHUNK_ROWS:
                        _save_invoices(run, batch, customers)
                        batch, batch_lines = [], 0
                current = draft = _InvoiceDraft(number, row)
            _add_invoice_row(run, draft, row, values)
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


def _add_invoice_row(
    run: ImportRun, draft: _InvoiceDraft, row: int, values: dict[str, str]
) -> None:
    raw_header = (
        values["customer_ref"],
        values["issue_date"],
        values["due_date"],
        values.get("currency", ""),
    )
    errors_before = len(run.result.errors)
    if raw_header != draft.raw_header:
        _merge_invoice_header(run, draft, row, raw_header)
    line = _invoice_line(run, row, values)
    if line is None or len(run.result.errors) > errors_before:
        draft.valid = False
    else:
        draft.add(line)


def _merge_invoice_header(
    run: ImportRun, draft: _InvoiceDraft, row: int, raw: tuple[str, ...]
) -> None:
    """Take the header from the invoice's first row; later rows must repeat it."""
    ref, issue, due, currency = raw
    parsed = {
        "customer_ref": cells.text(
            run, row, "customer_ref", cells.required(run, row, "customer_ref", ref), 64
        ),
        "issue_date": cells.date(run, row, "issue_date", issue),
        "due_date": cells.date(run, row, "due_date", due),
        "currency": _currency(run, row, currency),
    }
    clean = True
    for column, value in parsed.items():
        if value is None or value == "":
            clean = False
            continue
        known = getattr(draft, column)
        if known is None:
            setattr(draft, column, value)
            if row != draft.row:
                draft.set_on = {**(draft.set_on or {}), column: row}
        elif known != value:
            clean = False
            run.error(
                row,
                column,
                N_("invoice %(number)s has a different value on row %(other_row)d: %(other)s"),
                number=draft.number,
                other_row=draft.row_of(column),
                other=str(known),
            )
    if clean and not draft.raw_header:
        draft.raw_header = raw
    issue_date, due_date = draft.issue_date, draft.due_date
    if not draft.dates_checked and issue_date and due_date:
        draft.dates_checked = True
        if due_date < issue_date:
            run.error(
                row,
                "due_date",
                N_("due date %(due)s is before issue date %(issue)s"),
                due=due_date.isoformat(),
                issue=issue_date.isoformat(),
            )


def _currency(run: ImportRun, row: int, value: str) -> str | None:
    currency = value.upper() or "EUR"
    if not _CURRENCY_RE.fullmatch(currency):
        run.error(row, "currency", N_("not a valid currency code (as EUR): %(value)s"), value=value)
        return None
    return currency


def _invoice_line(run: ImportRun, row: int, values: dict[str, str]) -> _Line | None:
    description = cells.text(run, row, "description", values.get("description", ""), 500)
    quantity = _line_number(run, row, "quantity", values["quantity"])
    unit_price = _line_number(run, row, "unit_price", values["unit_price"])
    # "20 %" is how the French write a rate.
    tax_rate = _line_number(run, row, "tax_rate", values["tax_rate"].rstrip("% \u00a0\u202f"))
    if quantity is None or unit_price is None or tax_rate is None:
        return None
    net, tax = line_amounts(quantity[0], unit_price[0], tax_rate[0])
    if net + tax > MAX_CENTS:
        run.error(row, "unit_price", N_("amount too large"))
        return None
    key = line_key(description, quantity[1], unit_price[1], tax_rate[1])
    return _Line(description, quantity[0], unit_price[0], tax_rate[0], net, tax, key)


def _line_number(run: ImportRun, row: int, column: str, text: str) -> tuple[Decimal, str] | None:
    """A quantity, price or rate with its canonical form; the common case costs one cache hit."""
    try:
        number = _number(text)
    except ValueError:
        number = None
    if number is None or number[0] < 0:
        cells.decimal(run, row, column, text)  # reports what is wrong
        return None
    if number[0] >= MAX_LINE_NUMBER:
        run.error(row, column, N_("amount too large"))
        return None
    return number


class _StoredInvoice(NamedTuple):
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


def _save_invoices(
    run: ImportRun, drafts: list[_InvoiceDraft], customers: dict[str, tuple[int, str] | None]
) -> None:
    """Decide create, update or unchanged for complete invoices, then write them in bulk."""
    _resolve_customers(run, drafts, customers)
    valid = [draft for draft in drafts if draft.valid and _total_fits(run, draft)]
    stored = _stored_invoices([draft.number for draft in valid])
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
    current = _current_fingerprints([old for _, _, old in to_compare])
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
        _insert_invoices(run, creates, customers)
        _update_invoices(run, updates, customers)
        run.flush_audit()


def _invoice_sample(draft: _InvoiceDraft, customers: dict[str, tuple[int, str] | None]) -> dict:
    customer = customers[draft.customer_ref]  # type: ignore[index]
    return {
        "key": draft.number,
        "label": customer[1] if customer else "",
        "amount_cents": draft.net_cents + draft.tax_cents,
        "currency": draft.currency,
    }


def _resolve_customers(
    run: ImportRun, drafts: list[_InvoiceDraft], customers: dict[str, tuple[int, str] | None]
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


def _stored_invoices(numbers: list[str]) -> dict[str, _StoredInvoice]:
    return {
        row.number: _StoredInvoice(*row) for row in bulk_sql.matching(_INVOICES_BY_NUMBER, numbers)
    }


def _current_fingerprints(invoices: list[_StoredInvoice]) -> dict[int, str]:
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


def _invoice_values(
    run: ImportRun,
    draft: _InvoiceDraft,
    fingerprint: str,
    customer_id: int,
    balance: InvoiceBalance,
) -> dict[str, Any]:
    net, tax = draft.net_cents, draft.tax_cents
    return {
        "number": draft.number,
        "customer_id": customer_id,
        "issue_date": draft.issue_date,
        "due_date": draft.due_date,
        "currency": draft.currency,
        "net_cents": net,
        "tax_cents": tax,
        "total_cents": balance.total_cents,
        "paid_cents": balance.paid_cents,
        "credited_cents": balance.credited_cents,
        "outstanding_cents": balance.outstanding_cents,
        "status": balance.status,
        "paid_date": balance.paid_date,
        "import_fingerprint": fingerprint,
        "updated_at": run.now,
    }


def _total_fits(run: ImportRun, draft: _InvoiceDraft) -> bool:
    if draft.net_cents + draft.tax_cents > MAX_CENTS:
        run.error(draft.row, "number", N_("amount too large"))
        return False
    return True


def _insert_invoices(
    run: ImportRun,
    creates: list[tuple[_InvoiceDraft, str]],
    customers: dict[str, tuple[int, str] | None],
) -> None:
    if not creates:
        return
    rows = []
    for draft, fingerprint in creates:
        customer_id = customers[draft.customer_ref][0]  # type: ignore[index]
        total = draft.net_cents + draft.tax_cents
        balance = InvoiceBalance(total, 0, 0, draft.due_date).apply()
        values = _invoice_values(run, draft, fingerprint, customer_id, balance)
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


def _update_invoices(
    run: ImportRun,
    updates: list[tuple[_InvoiceDraft, str, _StoredInvoice]],
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
        ).apply()
        rows.append(
            {"id": old.id, **_invoice_values(run, draft, fingerprint, customer_id, balance)}
        )
    db.session.execute(update(Invoice), rows)
    bulk_sql.delete_matching(_DELETE_LINES, (old.id for _, _, old in updates))
    _insert_lines([(old.id, draft) for draft, _, old in updates])
    for (_, _, old), values in zip(updates, rows, strict=True):
        run.audit(
            "invoice.updated",
            "invoice",
            old.id,
            customer_id=values["customer_id"],
            invoice_id=old.id,
            number=old.number,
            total_cents=values["total_cents"],
            previous_total_cents=old.total_cents,
            source="import",
        )


def _insert_lines(invoices: list[tuple[int, _InvoiceDraft]]) -> None:
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


# ---------------------------------------------------------------- payments

PAYMENT_METHODS = {
    **{method.value: method for method in PaymentMethod},
    "virement": PaymentMethod.TRANSFER,
    "carte": PaymentMethod.CARD,
    "prélèvement": PaymentMethod.SEPA_DEBIT,
    "prelevement": PaymentMethod.SEPA_DEBIT,
    "chèque": PaymentMethod.CHEQUE,
    "espèces": PaymentMethod.CASH,
    "especes": PaymentMethod.CASH,
    "autre": PaymentMethod.OTHER,
}


class _PaymentRow(NamedTuple):
    row: int
    invoice_number: str
    paid_on: date
    amount_cents: int
    method: PaymentMethod
    reference: str
    external_key: str


@dataclass
class _Account(InvoiceBalance):
    """An invoice's balance as the file's payments change it, row after row."""

    id: int = 0
    number: str = ""
    customer_id: int = 0
    currency: str = "EUR"


def _import_payments(run: ImportRun, source: CsvFile) -> None:
    """Allocate each payment to its invoice; identical rows are told apart by their rank."""
    occurrences: dict[bytes, int] = {}
    accounts: dict[str, _Account | None] = {}
    batch: list[_PaymentRow] = []
    with data_rows(run, source, PAYMENT_COLUMNS) as rows:
        if rows is None:
            return
        for row, values in rows:
            payment = _parse_payment(run, row, values, occurrences)
            if payment is None:
                continue
            batch.append(payment)
            if len(batch) >= bulk_sql.CHUNK_ROWS:
                _save_payments(run, batch, accounts)
                batch = []
        _save_payments(run, batch, accounts)


def _parse_payment(
    run: ImportRun, row: int, values: dict[str, str], occurrences: dict[bytes, int]
) -> _PaymentRow | None:
    errors_before = len(run.result.errors)
    number = cells.required(run, row, "invoice_number", values["invoice_number"])
    paid_on = cells.date(run, row, "date", values["date"])
    amount = cells.decimal(run, row, "amount", values["amount"], positive=True)
    if amount is not None and amount * 100 > MAX_CENTS:
        run.error(row, "amount", N_("amount too large"))
    elif amount is not None and amount != amount.quantize(Decimal("0.01")):
        run.error(row, "amount", N_("more than 2 decimals: %(value)s"), value=values["amount"])
    method = _payment_method(run, row, values.get("method", ""))
    reference = cells.text(run, row, "reference", values.get("reference", ""), 140)
    if len(run.result.errors) > errors_before or paid_on is None or amount is None:
        return None
    cents = int(amount * 100)
    key = payment_key(number, paid_on, cents, method, reference, occurrences)
    return _PaymentRow(row, number, paid_on, cents, method, reference, key)


def _payment_method(run: ImportRun, row: int, value: str) -> PaymentMethod:
    method = PAYMENT_METHODS.get(value.lower()) if value else PaymentMethod.OTHER
    if method is None:
        run.error(row, "method", N_("not a valid payment method: %(value)s"), value=value)
        return PaymentMethod.OTHER
    return method


_ACCOUNTS_BY_NUMBER = select(
    Invoice.id,
    Invoice.number,
    Invoice.customer_id,
    Invoice.currency,
    Invoice.total_cents,
    Invoice.paid_cents,
    Invoice.credited_cents,
    Invoice.outstanding_cents,
    Invoice.status,
    Invoice.paid_date,
    Invoice.due_date,
).where(Invoice.number.in_(bulk_sql.keys()))
_PAYMENT_KEYS = select(Payment.external_key).where(Payment.external_key.in_(bulk_sql.keys()))


def _load_accounts(numbers: Iterable[str], accounts: dict[str, _Account | None]) -> None:
    missing = sorted(set(numbers) - accounts.keys())
    accounts.update({number: None for number in missing})
    for row in bulk_sql.matching(_ACCOUNTS_BY_NUMBER, missing):
        accounts[row.number] = _Account(
            total_cents=row.total_cents,
            paid_cents=row.paid_cents,
            credited_cents=row.credited_cents,
            due_date=row.due_date,
            status=row.status,
            paid_date=row.paid_date,
            outstanding_cents=row.outstanding_cents,
            id=row.id,
            number=row.number,
            customer_id=row.customer_id,
            currency=row.currency,
        )


def _known_keys(keys: list[str]) -> set[str]:
    return {key for (key,) in bulk_sql.matching(_PAYMENT_KEYS, keys)}


def _save_payments(
    run: ImportRun, batch: list[_PaymentRow], accounts: dict[str, _Account | None]
) -> None:
    _load_accounts((p.invoice_number for p in batch), accounts)
    known = _known_keys([p.external_key for p in batch])
    new: list[tuple[_PaymentRow, _Account]] = []
    for payment in batch:
        account = accounts[payment.invoice_number]
        if account is None:
            run.error(
                payment.row,
                "invoice_number",
                N_("unknown invoice %(number)s"),
                number=payment.invoice_number,
            )
        elif payment.external_key in known:
            run.count("unchanged")
        elif payment.amount_cents > account.outstanding_cents:
            run.error(
                payment.row,
                "amount",
                N_("%(amount)s is more than what is still due on invoice %(number)s (%(due)s)"),
                amount=_format_cents(payment.amount_cents, account.currency),
                number=account.number,
                due=_format_cents(account.outstanding_cents, account.currency),
            )
        else:
            account.paid_cents += payment.amount_cents
            account.apply(payment.paid_on)
            new.append((payment, account))
            run.count(
                "create",
                {
                    "key": account.number,
                    "label": payment.reference or str(payment.method),
                    "amount_cents": payment.amount_cents,
                    "currency": account.currency,
                },
            )
    if run.writing:
        _insert_payments(run, new)
        _update_balances({account.id: account for _, account in new}.values())
        run.flush_audit()


def _insert_payments(run: ImportRun, new: list[tuple[_PaymentRow, _Account]]) -> None:
    if not new:
        return
    rows = [
        {
            "customer_id": account.customer_id,
            "date": payment.paid_on,
            "amount_cents": payment.amount_cents,
            "currency": account.currency,
            "method": payment.method,
            "reference": payment.reference,
            "source": "import",
            "external_key": payment.external_key,
            "created_at": run.now,
        }
        for payment, account in new
    ]
    ids = bulk_sql.insert_returning_ids(Payment, rows, "external_key")
    allocations = [
        {"payment_id": ids[p.external_key], "invoice_id": a.id, "amount_cents": p.amount_cents}
        for p, a in new
    ]
    bulk_sql.insert_rows(PaymentAllocation, allocations)
    for payment, account in new:
        run.audit(
            "payment.recorded",
            "payment",
            ids[payment.external_key],
            customer_id=account.customer_id,
            invoice_id=account.id,
            amount_cents=payment.amount_cents,
            currency=account.currency,
            method=payment.method.value,
            reference=payment.reference,
            source="import",
        )


def _update_balances(accounts: Iterable[_Account]) -> None:
    rows = [
        {
            "id": account.id,
            "paid_cents": account.paid_cents,
            "outstanding_cents": account.outstanding_cents,
            "status": account.status,
            "paid_date": account.paid_date,
        }
        for account in accounts
    ]
    if rows:
        db.session.execute(update(Invoice), rows)
