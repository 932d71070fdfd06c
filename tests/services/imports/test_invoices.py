"""Invoice imports: rounding, idempotency, updates and refusals, chunks, errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, InvoiceLine, InvoiceStatus, PaymentMethod
from portal.services.audit import Actor
from portal.services.imports import bulk_sql
from portal.services.payments import ledger

from ...conftest import NOW, TODAY
from ...factories import make_customer, make_invoice
from .conftest import DATA, INVOICES_HEADER, counts, invoice, run, run_file, table_counts, where


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
        "E-4,C001,2026-01-05,2026-02-04,EUR,only a discount,-1,10,20\n"  # 5
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
        (5, "number"),
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
    assert messages[(5, "number")] == (
        "row 5, column number: invoice E-4: discount lines may lower its total,"
        " not take it to zero or below"
    )
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


def test_discount_lines_with_a_negative_quantity_or_price_are_accepted(app, sample_customers):
    content = INVOICES_HEADER + (
        "R-1,C001,2026-01-05,2026-02-04,EUR,Pain,2,50,20\n"
        'R-1,C001,2026-01-05,2026-02-04,EUR,Remise fidélité,-1,"10,005",20\n'
        "R-1,C001,2026-01-05,2026-02-04,EUR,Geste commercial,1,-0.125,0\n"
    )

    result = run("invoices", content)

    assert result.ok, result.errors
    lines = [(line.net_cents, line.tax_cents) for line in invoice("R-1").lines]
    # Half away from zero, as for any line: -10.005 gives -10.01, -0.125 gives -0.13.
    assert lines == [(10000, 2000), (-1001, -200), (-13, 0)]
    assert (invoice("R-1").total_cents, invoice("R-1").outstanding_cents) == (10786, 10786)
    assert invoice("R-1").lines[1].quantity == Decimal("-1")


def test_a_discount_that_takes_the_total_to_zero_is_refused(app, sample_customers):
    content = INVOICES_HEADER + (
        "R-2,C001,2026-01-05,2026-02-04,EUR,Pain,1,10,20\n"
        "R-2,C001,2026-01-05,2026-02-04,EUR,Remise,1,-10,20\n"
        "R-3,C001,2026-01-05,2026-02-04,EUR,Pain,1,10,20\n"
    )

    result = run("invoices", content)

    assert where(result) == [(2, "number")]
    assert "R-2" in str(result.errors[0])
    assert table_counts()["invoices"] == 0


def test_texts_that_copy_and_sql_escape_are_stored_as_written(app, sample_customers):
    """Rows reach the database through COPY on PostgreSQL: tabs, newlines, backslashes,
    quotes and what reads as NULL must come back exactly as the file wrote them."""
    awkward = ["tab\there", "two\nlines", "back\\slash \\N", 'l\'apostrophe "quoted"', "\\."]
    rows = "".join(
        f'F-ESC,C001,2026-01-05,2026-02-04,EUR,"{text.replace(chr(34), chr(34) * 2)}",1,10,20\n'
        for text in awkward
    )
    result = run("invoices", INVOICES_HEADER + rows)
    assert result.ok, result.errors
    stored = invoice("F-ESC")
    assert [line.description for line in stored.lines] == awkward
    assert stored.total_cents == 5 * 1200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.invoice_id == stored.id))
    assert (event.details["number"], event.details["total_cents"]) == ("F-ESC", 6000)
