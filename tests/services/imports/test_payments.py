"""Payment imports: French method names, allocation, idempotency, overpayment."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import InvoiceStatus, Payment, PaymentAllocation, PaymentMethod
from portal.services.imports import bulk_sql

from .conftest import (
    DATA,
    PAYMENTS_HEADER,
    audit_actions,
    counts,
    customer,
    invoice,
    run,
    run_file,
    table_counts,
    where,
)


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
