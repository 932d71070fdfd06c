"""CSV imports: formats as French offices export them, idempotency, all or nothing."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    AuditEvent,
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
from portal.services.errors import N_
from portal.services.imports import bulk_sql, reading
from portal.services.imports.importer import import_csv
from portal.services.imports.report import ImportResult, RowError
from portal.services.payments import ledger
from portal.values.dates import parse_date
from portal.values.money import parse_decimal

from ..conftest import NOW, TODAY
from ..factories import make_customer, make_invoice

DATA = Path(__file__).resolve().parent.parent / "data" / "imports"
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


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56 €", "1234.56"),
        ("1\u202f234,56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1.234.567", "1234567"),
        ("0,335", "0.335"),
        ("€12", "12"),
        ("-5", "-5"),
    ],
)
def test_parse_decimal_accepts_french_and_english_writing(text, expected):
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "12,", "1,2.3", "1.23.4", "1e5", "€", "1 2 3,4,5"])
def test_parse_decimal_refuses_garbage(text):
    with pytest.raises(ValueError):
        parse_decimal(text)


@pytest.mark.parametrize("text", ["2026-01-31", "31/01/2026", "31-01-2026", "31.01.2026"])
def test_parse_date_formats(text):
    assert parse_date(text) == date(2026, 1, 31)


@pytest.mark.parametrize("text", ["31/02/2026", "2026-1-31", "01/31/26", "31/01-2026", "hier"])
def test_parse_date_refuses_other_writings(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_row_error_reads_as_a_spreadsheet_location_and_keeps_its_template():
    error = RowError.of(3, "quantity", N_("not a number: %(value)s"), value="abc")
    assert str(error) == "row 3, column quantity: not a number: abc"
    assert error.template % error.params == error.message == "not a number: abc"


def test_unknown_kind_is_a_programming_error(app):
    with pytest.raises(ValueError):
        run("credit_notes", "number\n")


# ---------------------------------------------------------------- customers


def test_customers_are_created_with_defaults_and_every_email(app):
    result = run_file("customers", "customers.csv")
    assert result.ok
    assert counts(result) == (3, 0, 0)
    martin = customer("C001")
    assert martin.name == "Boulangerie Martin"
    assert martin.kind is CustomerKind.BUSINESS
    assert martin.email_addresses == [
        "compta@boulangerie-martin.fr",
        "gerant@boulangerie-martin.fr",
    ]
    assert (martin.siren, martin.segment, martin.postcode) == ("552100554", "artisans", "69002")
    durand = customer("C002")
    assert (durand.kind, durand.language, durand.country) == (CustomerKind.CONSUMER, "fr", "FR")
    assert customer("C003").language == "en"
    assert audit_actions() == ["customer.created"] * 3 + ["import.completed"]
    completed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import.completed"))
    assert completed.details == {
        "kind": "customers",
        "filename": "test.csv",
        "created": 3,
        "updated": 0,
        "unchanged": 0,
    }
    assert completed.actor == "cli"
    assert [s["key"] for s in result.samples] == ["C001", "C002", "C003"]
    assert result.samples[0] == {
        "action": "create",
        "key": "C001",
        "label": "Boulangerie Martin",
        "amount_cents": None,
        "currency": None,
    }


def test_customer_kind_accepts_french_words_in_any_case(app):
    result = run(
        "customers",
        "ref,name,email,kind\n"
        "A,Alpha,a@example.com,Entreprise\n"
        "B,Beta,b@example.com,PROFESSIONNEL\n"
        "C,Gamma,c@example.com,particulier\n"
        "D,Delta,d@example.com,consumer\n"
        "E,Epsilon,e@example.com,\n",
    )
    assert result.ok, result.errors
    kinds = [customer(ref).kind for ref in "ABCDE"]
    assert kinds == [CustomerKind.BUSINESS] * 2 + [CustomerKind.CONSUMER] * 2 + [
        CustomerKind.BUSINESS
    ]


def test_emails_separated_by_spaces_commas_or_semicolons(app):
    result = run(
        "customers",
        'ref,name,email\nA,Alpha,"a@example.com, B@Example.com;c@example.com d@example.com"\n',
    )
    assert result.ok, result.errors
    assert customer("A").email_addresses == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
        "d@example.com",
    ]


def test_cp1252_semicolon_file_keeps_its_accents(app):
    result = run_file("customers", "customers_fr.csv")
    assert result.ok, result.errors
    sg = customer("SG01")
    assert sg.name == "Société Générale — café"
    assert sg.city == "Besançon"
    assert sg.kind is CustomerKind.BUSINESS


def test_utf8_with_bom_and_loose_header(app):
    content = "\ufeff Ref ;NAME; Email ;Notes internes\nA;Crêperie Ève;a@example.com;ignored\n"
    result = run("customers", content)
    assert result.ok, result.errors
    assert customer("A").name == "Crêperie Ève"


def test_reimport_is_unchanged_then_an_edit_updates_only_that_customer(app, sample_customers):
    before = table_counts()
    again = run_file("customers", "customers.csv")
    assert counts(again) == (0, 0, 3)
    assert again.samples == []
    after = table_counts()
    assert after["audit_events"] == before["audit_events"] + 1  # only import.completed
    assert {k: v for k, v in after.items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"
    }

    edited = (DATA / "customers.csv").read_text().replace("04 72 00 00 01", "04 72 99 99 99")
    result = run("customers", edited)
    assert counts(result) == (0, 1, 2)
    assert customer("C001").phone == "04 72 99 99 99"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "customer.updated"))
    assert event.details["changes"] == {"phone": ["04 72 00 00 01", "04 72 99 99 99"]}
    assert event.customer_id == customer("C001").id


def test_new_email_list_keeps_undeliverable_flags_of_addresses_that_stay(app, sample_customers):
    martin = customer("C001")
    martin.emails[1].undeliverable = True
    db.session.commit()
    edited = (
        (DATA / "customers.csv")
        .read_text()
        .replace("compta@boulangerie-martin.fr; gerant@", "nouveau@boulangerie-martin.fr; gerant@")
    )
    result = run("customers", edited)
    assert counts(result) == (0, 1, 2)
    emails = [(e.email, e.undeliverable) for e in customer("C001").emails]
    assert emails == [
        ("nouveau@boulangerie-martin.fr", False),
        ("gerant@boulangerie-martin.fr", True),
    ]


def test_absent_optional_column_keeps_the_stored_value(app, sample_customers):
    result = run(
        "customers",
        "ref,name,email\nC001,Boulangerie Martin et Fils,compta@boulangerie-martin.fr gerant@boulangerie-martin.fr\n",
    )
    assert counts(result) == (0, 1, 0)
    martin = customer("C001")
    assert (martin.name, martin.phone, martin.segment) == (
        "Boulangerie Martin et Fils",
        "04 72 00 00 01",
        "artisans",
    )


def test_identical_duplicate_row_counts_once(app):
    result = run("customers", "ref,name,email\nA,Alpha,a@example.com\nA,Alpha,a@example.com\n")
    assert result.ok
    assert counts(result) == (1, 0, 0)


def test_customer_errors_report_every_row_and_column(app, monkeypatch):
    monkeypatch.setattr(bulk_sql, "CHUNK_ROWS", 1)
    content = CUSTOMERS_HEADER + (
        "A,Alpha,business,a@example.com,fr,,,,,,,\n"  # row 2: fine
        ",Nameless,business,n@example.com,fr,,,,,,,\n"  # row 3: ref missing
        "B,,business,b@example.com,fr,,,,,,,\n"  # row 4: name missing
        "C,Gamma,business,not-an-email; ok@example.com,fr,,,,,,,\n"  # row 5: invalid email
        "D,Delta,company,d@example.com,fr,,,,,,,\n"  # row 6: invalid kind
        "E,Epsilon,business,e@example.com,de,,,,,,,\n"  # row 7: invalid language
        "F,Phi,business,,fr,,,,,,,\n"  # row 8: email missing
        "A,Alpha bis,business,a@example.com,fr,,,,,,,\n"  # row 9: same ref, different data
        "G,Gimel,business,g@example.com,fr,,,,,Francia,12345,\n"  # row 10: country, SIREN
    )
    result = run("customers", content)
    assert where(result) == [
        (3, "ref"),
        (4, "name"),
        (5, "email"),
        (6, "kind"),
        (7, "language"),
        (8, "email"),
        (9, "ref"),
        (10, "country"),
        (10, "siren"),
    ]
    assert str(result.errors[2]) == "row 5, column email: not a valid email address: not-an-email"
    assert (
        str(result.errors[6])
        == "row 9, column ref: customer A appears on row 2 with different data"
    )
    assert counts(result) == (0, 0, 0)
    assert customer("A") is None


def test_missing_column_is_reported_on_the_header_row(app):
    result = run("customers", "ref;nom;email\nA;Alpha;a@example.com\n")
    assert [str(e) for e in result.errors] == ["row 1, column name: missing column"]


def test_empty_file_reports_every_required_column(app):
    result = run("customers", b"")
    assert where(result) == [(1, "ref"), (1, "name"), (1, "email")]


def test_customer_text_longer_than_the_column_is_an_error(app):
    result = run("customers", f"ref,name,email\n{'R' * 65},Alpha,a@example.com\n")
    assert [str(e) for e in result.errors] == [
        "row 2, column ref: too long (at most 64 characters)"
    ]


# ---------------------------------------------------------------- invoices


def test_invoice_lines_follow_the_rounding_rules(app, sample_customers):
    result = run_file("invoices", "invoices.csv")
    assert result.ok, result.errors
    assert counts(result) == (3, 0, 0)
    first = invoice("F-2026-001")
    lines = [
        (line.position, line.description, line.net_cents, line.tax_cents) for line in first.lines
    ]
    assert lines == [(0, "Pain de campagne", 101, 20), (1, "Heures de conseil", 4998, 275)]
    assert (first.net_cents, first.tax_cents, first.total_cents) == (5099, 295, 5394)
    assert (first.outstanding_cents, first.status) == (5394, InvoiceStatus.OPEN)
    assert first.lines[0].quantity == Decimal("3")
    assert first.lines[0].unit_price == Decimal("0.335")
    assert (first.issue_date, first.due_date) == (date(2026, 1, 5), date(2026, 2, 4))
    assert len(first.import_fingerprint) == 64
    assert first.customer.ref == "C001"
    assert invoice("F-2026-002").currency == "EUR"  # empty currency
    assert invoice("F-2026-002").total_cents == 148147
    assert (invoice("F-2026-003").currency, invoice("F-2026-003").total_cents) == ("GBP", 100000)
    assert result.samples[0] == {
        "action": "create",
        "key": "F-2026-001",
        "label": "Boulangerie Martin",
        "amount_cents": 5394,
        "currency": "EUR",
    }
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "invoice.created").order_by(AuditEvent.id)
    ).all()
    assert [(e.invoice_id, e.details["total_cents"]) for e in events] == [
        (first.id, 5394),
        (invoice("F-2026-002").id, 148147),
        (invoice("F-2026-003").id, 100000),
    ]


def test_french_office_file_imports_as_it_is(app):
    assert run_file("customers", "customers_fr.csv").ok
    result = run_file("invoices", "invoices_fr.csv")
    assert result.ok, result.errors
    assert counts(result) == (2, 0, 0)
    fa100 = invoice("FA-100")
    assert [line.description for line in fa100.lines] == [
        "Café en grains — 1 kg",
        "Prestation « conseil »",
    ]
    assert [(line.net_cents, line.tax_cents) for line in fa100.lines] == [
        (101, 20),
        (123456, 24691),
    ]
    assert fa100.total_cents == 148268
    assert (fa100.issue_date, fa100.due_date) == (date(2026, 1, 5), date(2026, 2, 4))
    fa101 = invoice("FA-101")
    assert (fa101.issue_date, fa101.due_date, fa101.currency) == (
        date(2026, 1, 15),
        date(2026, 2, 14),
        "EUR",
    )
    assert (fa101.net_cents, fa101.tax_cents) == (4998, 275)
    assert fa101.lines[0].quantity == Decimal("2.5")


def test_tab_separated_utf8_bom_file(app, sample_customers):
    content = (
        "\ufeff"
        + INVOICES_HEADER.replace(",", "\t")
        + "T-1\tC001\t2026-01-05\t2026-02-04\tEUR\tThé\t2\t10,5\t20 %\n"
    )
    result = run("invoices", content)
    assert result.ok, result.errors
    assert (invoice("T-1").net_cents, invoice("T-1").tax_cents) == (2100, 420)


def test_same_file_twice_changes_nothing(app, sample_customers):
    run_file("invoices", "invoices.csv")
    line_ids = sorted(db.session.scalars(select(InvoiceLine.id)))
    before = table_counts()
    again = run_file("invoices", "invoices.csv")
    assert counts(again) == (0, 0, 3)
    assert sorted(db.session.scalars(select(InvoiceLine.id))) == line_ids
    assert table_counts()["invoice_lines"] == before["invoice_lines"]
    assert table_counts()["audit_events"] == before["audit_events"] + 1


def test_same_data_written_the_french_way_is_unchanged(app, sample_customers):
    run_file("invoices", "invoices.csv")
    french = (
        "number;customer_ref;issue_date;due_date;currency;description;quantity;unit_price;tax_rate\n"
        "F-2026-001;C001;05/01/2026;04/02/2026;EUR;Pain de campagne;3,00;0,3350;20,0\n"
        "F-2026-001;C001;05/01/2026;04/02/2026;eur;Heures de conseil;2,5;19,99;5,5\n"
    )
    assert counts(run("invoices", french, encoding="cp1252")) == (0, 0, 1)


def test_changed_invoice_is_updated_with_new_lines_and_totals(app, sample_customers):
    run_file("invoices", "invoices.csv")
    old = invoice("F-2026-001")
    old_fingerprint = old.import_fingerprint
    content = INVOICES_HEADER + (
        "F-2026-001,C001,2026-01-05,2026-02-19,EUR,Pain de campagne,10,0.335,20\n"
    )
    result = run("invoices", content)
    assert counts(result) == (0, 1, 0)
    assert result.samples[0]["action"] == "update"
    updated = invoice("F-2026-001")
    assert [(line.description, line.net_cents, line.tax_cents) for line in updated.lines] == [
        ("Pain de campagne", 335, 67)
    ]
    assert (updated.total_cents, updated.outstanding_cents, updated.due_date) == (
        402,
        402,
        date(2026, 2, 19),
    )
    assert updated.import_fingerprint != old_fingerprint
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(InvoiceLine)
            .where(InvoiceLine.invoice_id == updated.id)
        )
        == 1
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invoice.updated"))
    assert event.details["total_cents"] == 402
    assert event.details["previous_total_cents"] == 5394


def test_update_refused_when_the_invoice_has_a_payment(app, sample_customers):
    run_file("invoices", "invoices.csv")
    ledger.record_payment(
        invoice("F-2026-002"),
        amount_cents=100,
        paid_on=TODAY,
        method=PaymentMethod.CASH,
        reference="",
        actor=Actor.system(),
        now=NOW,
    )
    db.session.commit()
    before = table_counts()
    changed = (DATA / "invoices.csv").read_text().replace("1234.56", "1300")
    result = run("invoices", changed)
    assert [str(e) for e in result.errors] == [
        "row 4, column number: invoice F-2026-002 already has payments or credit notes: "
        "an import cannot change it"
    ]
    assert table_counts() == before
    assert invoice("F-2026-002").total_cents == 148147
    # Unchanged data is fine even with the payment.
    assert counts(run_file("invoices", "invoices.csv")) == (0, 0, 3)


def test_invoice_typed_in_by_hand_with_the_same_content_is_unchanged(app):
    client = make_customer(ref="H1")
    make_invoice(
        client,
        number="H-1",
        amount="100.00",
        issue_date=date(2026, 1, 5),
        due_date=date(2026, 2, 4),
    )
    content = INVOICES_HEADER + "H-1,H1,2026-01-05,2026-02-04,EUR,Prestation,1,100,20\n"
    assert counts(run("invoices", content)) == (0, 0, 1)
    assert counts(run("invoices", content.replace(",100,", ",110,"))) == (0, 1, 0)
    assert invoice("H-1").total_cents == 13200


def test_scattered_rows_of_one_invoice_are_merged(app, sample_customers):
    content = INVOICES_HEADER + (
        "A-1,C001,2026-01-05,2026-02-04,EUR,first,1,10,20\n"
        "B-1,C002,2026-01-05,2026-02-04,EUR,other,1,5,20\n"
        "A-1,C001,2026-01-05,2026-02-04,EUR,second,2,10,20\n"
        "B-1,C002,2026-01-05,2026-02-04,EUR,other again,1,5,20\n"
        "C-1,C002,2026-01-05,2026-02-04,EUR,alone,1,1,0\n"
        "A-1,C001,2026-01-05,2026-02-04,EUR,third,3,10,20\n"
    )
    result = run("invoices", content)
    assert result.ok, result.errors
    assert counts(result) == (3, 0, 0)
    a1 = invoice("A-1")
    assert [(line.position, line.description) for line in a1.lines] == [
        (0, "first"),
        (1, "second"),
        (2, "third"),
    ]
    assert (a1.net_cents, a1.tax_cents, a1.total_cents) == (6000, 1200, 7200)
    assert invoice("B-1").total_cents == 1200
    assert counts(run("invoices", content)) == (0, 0, 3)


def test_invoices_spanning_chunks(app, sample_customers, monkeypatch):
    monkeypatch.setattr(bulk_sql, "CHUNK_ROWS", 2)
    content = INVOICES_HEADER + "".join(
        f"N-{n},C00{1 + n % 3},2026-01-05,2026-02-04,EUR,line {k},1,{n},20\n"
        for n in range(1, 8)
        for k in range(n % 3 + 1)
    )
    result = run("invoices", content)
    assert result.ok, result.errors
    assert counts(result) == (7, 0, 0)
    assert [len(invoice(f"N-{n}").lines) for n in range(1, 8)] == [2, 3, 1, 2, 3, 1, 2]
    assert invoice("N-5").total_cents == 3 * 600
    assert counts(run("invoices", content)) == (0, 0, 7)


def test_invoice_errors_report_every_row_and_column(app, sample_customers):
    content = INVOICES_HEADER + (
        "E-1,C001,2026-01-05,2026-02-04,EUR,fine,1,10,20\n"  # 2
        "E-2,C001,2026-02-30,2026-03-04,EUR,bad issue date,1,10,20\n"  # 3
        "E-3,ZZZ,2026-01-05,2026-02-04,EUR,unknown customer,1,10,20\n"  # 4
        "E-4,C001,2026-01-05,2026-02-04,EUR,negative quantity,-1,10,20\n"  # 5
        "E-5,C001,2026-01-05,2026-02-04,EUR,text price,1,dix,20\n"  # 6
        "E-6,C001,2026-01-05,2026-02-04,EUR,negative tax,1,10,-20\n"  # 7
        "E-7,C001,2026-01-05,2025-12-31,EUR,due before issue,1,10,20\n"  # 8
        "E-1,C002,2026-01-05,2026-02-04,EUR,other customer,1,10,20\n"  # 9
        "E-1,C001,2026-01-06,2026-02-05,USD,other dates,1,10,20\n"  # 10
        ",C001,2026-01-05,2026-02-04,EUR,no number,1,10,20\n"  # 11
        "E-8,C001,2026-01-05,2026-02-04,EURO,bad currency,,10,20\n"  # 12
    )
    result = run("invoices", content)
    assert where(result) == [
        (3, "issue_date"),
        (4, "customer_ref"),
        (5, "quantity"),
        (6, "unit_price"),
        (7, "tax_rate"),
        (8, "due_date"),
        (9, "customer_ref"),
        (10, "issue_date"),
        (10, "due_date"),
        (10, "currency"),
        (11, "number"),
        (12, "currency"),
        (12, "quantity"),
    ]
    messages = {(e.row, e.column): str(e) for e in result.errors}
    assert messages[(4, "customer_ref")] == "row 4, column customer_ref: unknown customer ZZZ"
    assert messages[(5, "quantity")] == "row 5, column quantity: must not be negative: -1"
    assert messages[(6, "unit_price")] == "row 6, column unit_price: not a number: dix"
    assert (
        messages[(8, "due_date")]
        == "row 8, column due_date: due date 2025-12-31 is before issue date 2026-01-05"
    )
    assert messages[(9, "customer_ref")] == (
        "row 9, column customer_ref: invoice E-1 has a different value on row 2: C001"
    )
    assert messages[(12, "quantity")] == "row 12, column quantity: a value is required"
    assert counts(result) == (0, 0, 0)
    assert table_counts()["invoices"] == 0


def test_bad_last_row_leaves_the_database_untouched(app, sample_customers, monkeypatch):
    run_file("invoices", "invoices.csv")
    # Earlier invoices are written before the bad row.
    monkeypatch.setattr(bulk_sql, "CHUNK_ROWS", 1)
    before = table_counts()
    content = (DATA / "invoices.csv").read_text().replace("1234.56", "1300") + (
        "F-2026-100,C001,2026-01-05,2026-02-04,EUR,new,1,10,20\n"
        "F-2026-101,C001,2026-01-05,2026-02-04,EUR,last,1,10,abc\n"
    )
    result = run("invoices", content)
    assert [str(e) for e in result.errors] == ["row 7, column tax_rate: not a number: abc"]
    assert table_counts() == before
    assert invoice("F-2026-100") is None
    assert invoice("F-2026-002").total_cents == 148147


def test_sample_bad_file_reports_both_problems(app, sample_customers):
    result = run_file("invoices", "invoices_bad.csv")
    assert [str(e) for e in result.errors] == [
        "row 3, column quantity: not a number: abc",
        "row 4, column customer_ref: unknown customer NOPE",
    ]


def test_dry_run_reports_the_real_counts_and_writes_nothing(app, sample_customers):
    run("invoices", INVOICES_HEADER + "F-2026-001,C001,2026-01-05,2026-02-04,EUR,old,1,1,20\n")
    before = table_counts()
    preview = run_file("invoices", "invoices.csv", dry_run=True)
    assert counts(preview) == (2, 1, 0)
    assert [(s["action"], s["key"]) for s in preview.samples] == [
        ("create", "F-2026-002"),
        ("create", "F-2026-003"),
        ("update", "F-2026-001"),
    ]
    assert table_counts() == before
    assert invoice("F-2026-001").total_cents == 120
    real = run_file("invoices", "invoices.csv")
    assert counts(real) == counts(preview)
    assert real.samples == preview.samples


def test_missing_invoice_columns(app):
    result = run(
        "invoices", "number;customer_ref;issue_date;quantity;unit_price\nA;B;2026-01-01;1;1\n"
    )
    assert [str(e) for e in result.errors] == [
        "row 1, column due_date: missing column",
        "row 1, column tax_rate: missing column",
    ]


def test_blank_rows_are_skipped_but_counted(app, sample_customers):
    content = INVOICES_HEADER + ",,,,,,,,\n\nB-1,C001,2026-01-05,2026-02-04,EUR,x,1,oops,20\n"
    result = run("invoices", content)
    assert [str(e) for e in result.errors] == ["row 4, column unit_price: not a number: oops"]


def test_non_seekable_stream_and_utf8_split_across_reads(app, sample_customers, monkeypatch):
    """Accents cut in two by a read must not make a UTF-8 file look like Windows-1252."""

    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            return self._inner.readinto(buffer)

    monkeypatch.setattr(reading, "READ_SIZE", 7)
    body = "".join(
        f"P-{n},C001,2026-01-05,2026-02-04,EUR,Crème brûlée éèà,1,1,20\n" for n in range(50)
    )
    stream = io.BufferedReader(Pipe((INVOICES_HEADER + body).encode()))
    assert not stream.seekable()
    result = import_csv("invoices", stream, actor=Actor.cli(), now=NOW)
    assert result.ok, result.errors[:3]
    assert counts(result) == (50, 0, 0)
    assert invoice("P-49").lines[0].description == "Crème brûlée éèà"


def test_invalid_utf8_late_in_the_file_means_windows_1252(app, sample_customers, monkeypatch):
    monkeypatch.setattr(reading, "READ_SIZE", 64)
    ascii_rows = "".join(f"W-{n},C001,2026-01-05,2026-02-04,EUR,plain,1,1,20\n" for n in range(40))
    data = (
        INVOICES_HEADER + ascii_rows
    ).encode() + "W-X,C001,2026-01-05,2026-02-04,EUR,Noël,1,1,20\n".encode("cp1252")
    assert run("invoices", data).ok
    assert invoice("W-X").lines[0].description == "Noël"


# ---------------------------------------------------------------- payments


@pytest.fixture
def sample_invoices(app, sample_customers) -> None:
    result = run_file("invoices", "invoices.csv")
    assert result.ok, result.errors


def test_payments_with_french_methods_are_allocated(app, sample_invoices):
    result = run_file("payments", "payments.csv")
    assert result.ok, result.errors
    assert counts(result) == (3, 0, 0)
    first = invoice("F-2026-001")
    assert (first.paid_cents, first.outstanding_cents, first.status) == (
        1101,
        4293,
        InvoiceStatus.OPEN,
    )
    second = invoice("F-2026-002")
    assert (second.paid_cents, second.outstanding_cents, second.status) == (
        148147,
        0,
        InvoiceStatus.PAID,
    )
    assert second.paid_date == date(2026, 2, 15)
    payments = db.session.scalars(select(Payment).order_by(Payment.id)).all()
    assert [(p.method, p.amount_cents, p.source, p.currency) for p in payments] == [
        (PaymentMethod.TRANSFER, 1000, "import", "EUR"),
        (PaymentMethod.CHEQUE, 101, "import", "EUR"),
        (PaymentMethod.SEPA_DEBIT, 148147, "import", "EUR"),
    ]
    assert all(p.external_key.startswith("import:") and len(p.external_key) == 71 for p in payments)
    assert payments[0].customer_id == customer("C001").id
    allocations = db.session.execute(
        select(
            PaymentAllocation.payment_id,
            PaymentAllocation.invoice_id,
            PaymentAllocation.amount_cents,
        )
    ).all()
    assert sorted(allocations) == [
        (payments[0].id, first.id, 1000),
        (payments[1].id, first.id, 101),
        (payments[2].id, second.id, 148147),
    ]
    assert audit_actions()[-4:] == ["payment.recorded"] * 3 + ["import.completed"]
    assert result.samples[0] == {
        "action": "create",
        "key": "F-2026-001",
        "label": "VIR SEPA MARTIN",
        "amount_cents": 1000,
        "currency": "EUR",
    }


@pytest.mark.parametrize(
    ("word", "method"),
    [
        ("virement", PaymentMethod.TRANSFER),
        ("Carte", PaymentMethod.CARD),
        ("PRÉLÈVEMENT", PaymentMethod.SEPA_DEBIT),
        ("prelevement", PaymentMethod.SEPA_DEBIT),
        ("Chèque", PaymentMethod.CHEQUE),
        ("cheque", PaymentMethod.CHEQUE),
        ("Espèces", PaymentMethod.CASH),
        ("especes", PaymentMethod.CASH),
        ("sepa_debit", PaymentMethod.SEPA_DEBIT),
        ("", PaymentMethod.OTHER),
    ],
)
def test_payment_method_words(app, sample_invoices, word, method):
    result = run(
        "payments", PAYMENTS_HEADER + f"F-2026-003,2026-02-01,1,{word},\n", encoding="cp1252"
    )
    assert result.ok, result.errors
    assert db.session.scalar(select(Payment.method)) is method


def test_same_payments_file_twice_changes_nothing(app, sample_invoices):
    content = PAYMENTS_HEADER + (
        "F-2026-003,2026-02-01,100,virement,VIR 1\n"
        "F-2026-003,2026-02-01,100,virement,VIR 1\n"  # the same payment made twice: both count
    )
    assert counts(run("payments", content)) == (2, 0, 0)
    before = table_counts()
    assert counts(run("payments", content)) == (0, 0, 2)
    after = table_counts()
    assert after["payments"] == before["payments"] == 2
    assert invoice("F-2026-003").paid_cents == 20000
    # A third identical row in a later file is a new payment.
    assert counts(run("payments", content + "F-2026-003,2026-02-01,100,virement,VIR 1\n")) == (
        1,
        0,
        2,
    )
    assert invoice("F-2026-003").paid_cents == 30000


def test_overpayment_across_two_rows_of_one_file(app, sample_invoices, monkeypatch):
    # The first row is written before the second fails.
    monkeypatch.setattr(bulk_sql, "CHUNK_ROWS", 1)
    before = table_counts()
    content = PAYMENTS_HEADER + (
        "F-2026-001,2026-02-01,50,virement,\n"  # 5000 of 5394
        "F-2026-001,2026-02-02,3.95,virement,\n"  # 395 > 394 left
    )
    result = run("payments", content)
    assert [str(e) for e in result.errors] == [
        "row 3, column amount: 3.95 EUR is more than what is still due on invoice F-2026-001 (3.94 EUR)"
    ]
    assert table_counts() == before
    assert invoice("F-2026-001").paid_cents == 0
    assert counts(run("payments", content.replace("3.95", "3.94"))) == (2, 0, 0)
    assert invoice("F-2026-001").status is InvoiceStatus.PAID
    assert invoice("F-2026-001").paid_date == date(2026, 2, 2)


def test_payment_errors_report_every_row_and_column(app, sample_invoices):
    content = PAYMENTS_HEADER + (
        "F-2026-003,2026-02-01,10,virement,ok\n"  # 2
        "NOPE,2026-02-01,10,virement,\n"  # 3
        "F-2026-003,2026-02-01,0,virement,\n"  # 4
        "F-2026-003,2026-02-01,-5,virement,\n"  # 5
        "F-2026-003,01/13/2026,5,virement,\n"  # 6
        "F-2026-003,2026-02-01,5,bitcoin,\n"  # 7
        "F-2026-003,2026-02-01,5.001,virement,\n"  # 8
        ",2026-02-01,5,,\n"  # 9
        "F-2026-003,2026-02-01,5000,virement,\n"  # 10: more than due
    )
    result = run("payments", content)
    assert where(result) == [
        (3, "invoice_number"),
        (4, "amount"),
        (5, "amount"),
        (6, "date"),
        (7, "method"),
        (8, "amount"),
        (9, "invoice_number"),
        (10, "amount"),
    ]
    messages = [str(e) for e in result.errors]
    assert messages[0] == "row 3, column invoice_number: unknown invoice NOPE"
    assert messages[1] == "row 4, column amount: must be greater than zero: 0"
    assert messages[2] == "row 5, column amount: must be greater than zero: -5"
    assert messages[4] == "row 7, column method: not a valid payment method: bitcoin"
    assert messages[5] == "row 8, column amount: more than 2 decimals: 5.001"
    assert table_counts()["payments"] == 0


def test_payment_dry_run_writes_nothing(app, sample_invoices):
    before = table_counts()
    preview = run_file("payments", "payments.csv", dry_run=True)
    assert counts(preview) == (3, 0, 0)
    assert table_counts() == before
    assert invoice("F-2026-002").status is InvoiceStatus.OPEN
    assert counts(run_file("payments", "payments.csv")) == (3, 0, 0)


def test_payment_of_an_invoice_already_paid_is_refused(app, sample_invoices):
    run_file("payments", "payments.csv")
    result = run("payments", PAYMENTS_HEADER + "F-2026-002,2026-03-01,1,virement,\n")
    assert [str(e) for e in result.errors] == [
        "row 2, column amount: 1.00 EUR is more than what is still due on invoice F-2026-002 (0.00 EUR)"
    ]


def test_imported_payment_then_invoice_change_is_refused(app, sample_invoices):
    run_file("payments", "payments.csv")
    changed = (DATA / "invoices.csv").read_text().replace("Pain de campagne", "Pain complet")
    result = run("invoices", changed)
    assert where(result) == [(2, "number")]


# ---------------------------------------------------------------- odd files


def test_absurd_numbers_are_errors_not_crashes(app, sample_invoices):
    invoices = (
        INVOICES_HEADER
        + "X-1,C001,2026-01-05,2026-02-04,EUR,huge,999999999999999999999999999,1,20\n"
    )
    assert [str(e) for e in run("invoices", invoices).errors] == [
        "row 2, column quantity: amount too large"
    ]
    payments = PAYMENTS_HEADER + "F-2026-003,2026-02-01,123456789012345678901234567890,virement,\n"
    assert [str(e) for e in run("payments", payments).errors] == [
        "row 2, column amount: amount too large"
    ]


def test_unreadable_csv_is_reported_not_raised(app, sample_customers):
    content = (
        INVOICES_HEADER + 'Z-1,C001,2026-01-05,2026-02-04,EUR,"' + "x" * 200_000 + '",1,1,20\n'
    )
    result = run("invoices", content)
    assert len(result.errors) == 1
    assert str(result.errors[0]).startswith(
        "row 2: the file cannot be read as CSV: field larger than"
    )
    assert table_counts()["invoices"] == 0


def test_error_templates_translate_with_gettext(app):
    from flask_babel import gettext, refresh

    result = run("invoices", INVOICES_HEADER + "A,B,2026-01-05,2026-02-04,EUR,x,1,1,abc\n")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()  # the locale is cached on the app context these tests share
        assert [gettext(e.template) % e.params for e in result.errors] == [
            e.message for e in result.errors
        ]
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        refresh()
        french = gettext(result.errors[0].template) % result.errors[0].params
        assert result.errors[0].translated() == french
    assert french != result.errors[0].message
    assert french.endswith("abc")
    plain = RowError(2, "amount", "amount too large")
    assert (plain.template, str(plain)) == (
        "amount too large",
        "row 2, column amount: amount too large",
    )


def test_garbage_collector_is_back_as_it_was_after_an_import(app, sample_customers):
    import gc

    assert gc.isenabled()
    run_file("invoices", "invoices.csv")
    assert gc.isenabled()
    with pytest.raises(ValueError):
        run("nonsense", b"")
    assert gc.isenabled()
    gc.disable()
    try:
        run_file("invoices", "invoices.csv")
        assert not gc.isenabled()
    finally:
        gc.enable()
