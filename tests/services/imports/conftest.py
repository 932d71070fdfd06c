"""Running imports as the dashboard and the CLI do, and reading back what they wrote."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    AuditEvent,
    Customer,
    CustomerEmail,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
)
from portal.services.audit import Actor
from portal.services.imports.importer import import_csv
from portal.services.imports.report import ImportResult

from ...conftest import NOW

DATA = Path(__file__).resolve().parents[2] / "data" / "imports"
CUSTOMERS_HEADER = (
    "ref,name,kind,email,language,phone,address,postcode,city,country,siren,segment\n"
)
INVOICES_HEADER = (
    "number,customer_ref,issue_date,due_date,currency,description,quantity,unit_price,tax_rate\n"
)
PAYMENTS_HEADER = "invoice_number,date,amount,method,reference\n"
TABLES = (Customer, CustomerEmail, Invoice, InvoiceLine, Payment, PaymentAllocation, AuditEvent)


def run(
    kind: str, content: str | bytes, *, dry_run: bool = False, encoding: str = "utf-8"
) -> ImportResult:
    data = content.encode(encoding) if isinstance(content, str) else content
    return import_csv(
        kind, io.BytesIO(data), actor=Actor.cli(), now=NOW, dry_run=dry_run, filename="test.csv"
    )


def run_file(kind: str, name: str, **kw) -> ImportResult:
    return run(kind, (DATA / name).read_bytes(), **kw)


def table_counts() -> dict[str, int]:
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in TABLES}


def counts(result: ImportResult) -> tuple[int, int, int]:
    return result.created, result.updated, result.unchanged


def where(result: ImportResult) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in result.errors]


def invoice(number: str) -> Invoice:
    db.session.expire_all()
    return db.session.scalar(select(Invoice).where(Invoice.number == number))


def customer(ref: str) -> Customer:
    db.session.expire_all()
    return db.session.scalar(select(Customer).where(Customer.ref == ref))


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def sample_customers(app) -> None:
    result = run_file("customers", "customers.csv")
    assert result.ok, result.errors


@pytest.fixture
def sample_invoices(app, sample_customers) -> None:
    result = run_file("invoices", "invoices.csv")
    assert result.ok, result.errors
