"""Importing customers: upsert by ref, with every email address in the file's order.

Customers come first in an import's life (invoices name them by ref), and
their files are the ones people edit by hand, so a ref may appear twice and
optional columns may be missing: a column absent from the file keeps the
stored value, and an unchanged customer writes nothing, not even an audit row.
An email list that changes keeps the undeliverable flags of the addresses
that stay, so a bounce is not forgotten by re-importing the same address book.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import delete, select, update

from portal.extensions import db
from portal.models import Customer, CustomerEmail, CustomerKind
from portal.services.errors import N_
from portal.services.imports import bulk_sql
from portal.services.imports.customer_rows import CustomerRow, parse_customer
from portal.services.imports.reading import Columns, CsvFile, data_rows
from portal.services.imports.report import ImportRun
from portal.values.names import sort_key

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
        "timezone",
    ),
    required=("ref", "name", "email"),
)


def import_customers(run: ImportRun, source: CsvFile) -> None:
    """Upsert by ref; a ref given twice must carry the same data both times."""
    seen: dict[str, tuple[bytes, int]] = {}
    batch: list[CustomerRow] = []
    with data_rows(run, source, CUSTOMER_COLUMNS) as rows:
        if rows is None:
            return
        for row, values in rows:
            customer = parse_customer(run, row, values)
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
    "timezone",
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
    "timezone": "",
}


def _save_customers(run: ImportRun, batch: list[CustomerRow]) -> None:
    stored = _stored_customers([customer.ref for customer in batch])
    creates: list[CustomerRow] = []
    updates: list[tuple[CustomerRow, _StoredCustomer, dict[str, list[Any]]]] = []
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
            if "kind" not in customer.fields:
                run.result.kind_missing += 1
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


def _customer_changes(customer: CustomerRow, old: _StoredCustomer) -> dict[str, list[Any]]:
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


def _insert_customers(run: ImportRun, creates: list[CustomerRow]) -> None:
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
    run: ImportRun, updates: list[tuple[CustomerRow, _StoredCustomer, dict[str, list[Any]]]]
) -> None:
    if not updates:
        return
    rows = [{"id": old.id, **customer.fields} for customer, old, _ in updates]
    for row in rows:
        if "name" in row:
            row["sort_name"] = sort_key(row["name"])
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
