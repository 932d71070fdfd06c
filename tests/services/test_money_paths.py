"""Every path that moves money keeps every invoice's balance true, and only the ledger writes it.

One journey walks each path in turn on one database (the demo first, so the
check covers a few hundred invoices): a manual payment, a split payment, an
online payment through the signed webhook (with an invoice paid meanwhile),
its partial refund, CSV imports of invoices and payments, disputes accepted
with credit notes. After each step the balances are checked against the rows
themselves. The architecture check then keeps other modules from writing
money rows or balances behind the ledger's back.
"""

from __future__ import annotations

import ast
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.models import (
    AuditEvent,
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentMethod,
)
from portal.services.audit import Actor
from portal.services.checkout import sessions
from portal.services.demo import demo_data
from portal.services.disputes import raising, resolution
from portal.services.errors import InvoiceNotPayable
from portal.services.imports.importer import import_csv
from portal.services.payments import ledger, payments, selection

from ..conftest import NOW, TODAY
from ..factories import make_customer, make_invoice
from ..fakes.stripe_api import sign

PORTAL = Path(__file__).resolve().parents[2] / "portal"
#: The modules allowed to create money rows and to write balances in bulk.
LEDGER_MODULES = {"services/payments/ledger.py", "services/payments/ledger_bulk.py"}
MONEY_ROWS = {"Payment", "PaymentAllocation", "CreditNote"}
USER = Actor("user:1 owner@example.com")


def assert_balances_hold() -> int:
    """For every invoice, from the rows: total = Σ lines, paid = Σ allocations,
    credited = Σ credit notes, outstanding = total − paid − credited, and PAID
    (with a paid date) iff outstanding ≤ 0. No payment is allocated beyond its
    amount. Returns how many invoices were checked.
    """
    db.session.flush()

    def sums(column, key) -> dict[int, int]:
        return dict(db.session.execute(select(key, func.sum(column)).group_by(key)).all())

    allocated = sums(PaymentAllocation.amount_cents, PaymentAllocation.invoice_id)
    credited = sums(CreditNote.amount_cents, CreditNote.invoice_id)
    lines = sums(InvoiceLine.net_cents + InvoiceLine.tax_cents, InvoiceLine.invoice_id)
    invoices = db.session.execute(
        select(
            Invoice.id,
            Invoice.number,
            Invoice.total_cents,
            Invoice.paid_cents,
            Invoice.credited_cents,
            Invoice.outstanding_cents,
            Invoice.status,
            Invoice.paid_date,
        )
    ).all()
    for row in invoices:
        paid, credit = allocated.get(row.id, 0), credited.get(row.id, 0)
        assert row.total_cents == lines.get(row.id, 0), row.number
        assert (row.paid_cents, row.credited_cents) == (paid, credit), row.number
        assert row.outstanding_cents == row.total_cents - paid - credit, row.number
        is_paid = row.status is InvoiceStatus.PAID
        assert is_paid == (row.outstanding_cents <= 0), row.number
        assert is_paid == (row.paid_date is not None), row.number
    overbooked = db.session.execute(
        select(Payment.id)
        .join(PaymentAllocation, PaymentAllocation.payment_id == Payment.id)
        .group_by(Payment.id, Payment.amount_cents)
        .having(func.sum(PaymentAllocation.amount_cents) > Payment.amount_cents)
    ).all()
    assert overbooked == []
    assert db.session.scalar(select(func.min(PaymentAllocation.amount_cents))) != 0
    return len(invoices)


def balance(invoice: Invoice) -> tuple[int, int, int, InvoiceStatus]:
    """(paid, credited, outstanding, status) as stored now."""
    db.session.flush()
    db.session.refresh(invoice)
    return invoice.paid_cents, invoice.credited_cents, invoice.outstanding_cents, invoice.status


def deliver(client, fake_stripe, kind: str, obj: dict) -> str:
    """POST one signed Stripe event to the webhook endpoint, as Stripe does; returns its result."""
    payload = json.dumps(fake_stripe.event(kind, obj))
    response = client.post(
        "/webhooks/stripe",
        data=payload,
        headers={"Stripe-Signature": sign(payload)},
        content_type="application/json",
    )
    assert response.status_code == 200, response.data
    db.session.expire_all()
    return response.json["result"]


def import_file(kind: str, content: str) -> None:
    result = import_csv(
        kind, io.BytesIO(content.encode()), actor=Actor.cli(), now=NOW, filename=f"{kind}.csv"
    )
    assert result.ok, result.errors
    db.session.expire_all()


def dispute_and_accept(customer, invoice, disputed: int, accepted: int, tmp_path) -> None:
    dispute = raising.open_dispute(
        customer,
        invoice.id,
        {invoice.lines[0].id: disputed},
        reason="damaged",
        comment="Arrivé abîmé",
        files=[],
        uploads_folder=tmp_path / "uploads",
        max_file_bytes=1024 * 1024,
        review_url="https://portal.example.test/disputes",
        today=TODAY,
        now=NOW,
        actor=Actor.debtor(customer),
    )
    resolution.accept(
        dispute.id,
        accepted_cents=accepted,
        answer="D'accord",
        actor=USER,
        today=TODAY,
        now=NOW,
        base_url="https://portal.example.test",
        link_days=30,
    )


def test_every_money_path_keeps_every_balance_true(app, client, fake_stripe, tmp_path):
    # The demo: invoices, credit notes and payments over 14 months.
    summary = demo_data.load(today=TODAY, now=NOW)
    assert assert_balances_hold() == summary.invoices
    assert db.session.scalar(select(func.count(CreditNote.id))) == summary.credit_notes > 0
    assert db.session.scalar(select(func.count(Payment.id))) == summary.payments > 0

    customer = make_customer(ref="MONEY1", language="en")
    a = make_invoice(customer, amount="100.00")  # 120.00 with tax
    b = make_invoice(customer, amount="50.00")  # 60.00
    c = make_invoice(customer, amount="200.00")  # 240.00

    # A payment seen on the bank statement.
    payments.record_manual_payment(
        a,
        amount_cents=2000,
        paid_on=TODAY,
        method=PaymentMethod.TRANSFER,
        reference="VIR 1",
        actor=USER,
        now=NOW,
    )
    assert balance(a) == (2000, 0, 10000, InvoiceStatus.OPEN)
    assert_balances_hold()

    # One transfer for two invoices; then one more is refused, and writes nothing.
    ledger.record_split_payment(
        [(a, 3000), (b, 6000)],
        paid_on=TODAY,
        method=PaymentMethod.TRANSFER,
        reference="VIR 2",
        actor=USER,
        now=NOW,
    )
    db.session.commit()
    assert balance(a) == (5000, 0, 7000, InvoiceStatus.OPEN)
    assert balance(b) == (6000, 0, 0, InvoiceStatus.PAID)
    with pytest.raises(InvoiceNotPayable):
        ledger.record_payment(
            b,
            amount_cents=1,
            paid_on=TODAY,
            method=PaymentMethod.CASH,
            reference="",
            actor=USER,
            now=NOW,
        )
    assert_balances_hold()

    # Online payment of a and c, while a transfer pays 40.00 of c: the excess stays unallocated.
    attempt = sessions.start(
        customer,
        selection.select_invoices(customer, [a.id, c.id]),
        settings=sessions.StripeSettings.from_config(app.config),
        return_url="https://portal.example.test/r/{}".format,
        now=NOW,
        actor=Actor.debtor(customer),
    )
    assert attempt.amount_cents == 7000 + 24000
    payments.record_manual_payment(
        c,
        amount_cents=4000,
        paid_on=TODAY,
        method=PaymentMethod.TRANSFER,
        reference="VIR 3",
        actor=USER,
        now=NOW,
    )
    completed = fake_stripe.complete(attempt.session_id)
    assert deliver(client, fake_stripe, "checkout.session.completed", completed) == "paid"
    late = "checkout.session.async_payment_succeeded"
    assert deliver(client, fake_stripe, late, completed) == "unchanged"
    online = db.session.scalars(select(Payment).where(Payment.source == "stripe")).one()
    assert online.amount_cents == 31000
    assert sorted(x.amount_cents for x in online.allocations) == [7000, 20000]
    assert balance(a) == (12000, 0, 0, InvoiceStatus.PAID)
    assert balance(c) == (24000, 0, 0, InvoiceStatus.PAID)
    assert_balances_hold()

    # 100.00 refunded: the 40.00 excess first, then 60.00 off c, which reopens.
    refund = fake_stripe.refund(attempt.session_id, 10000)
    assert deliver(client, fake_stripe, "charge.refunded", refund) == "refunded"
    assert online.amount_cents == 21000
    assert balance(c) == (18000, 0, 6000, InvoiceStatus.OPEN)
    assert balance(a) == (12000, 0, 0, InvoiceStatus.PAID)
    assert_balances_hold()

    # An imported invoice, imported again with a new price, then payments from a bank export.
    header = "number,customer_ref,issue_date,due_date,currency,description,quantity,unit_price,tax_rate\n"
    row = "IMP-1,MONEY1,2026-10-01,2026-10-31,EUR,Pose,1,{},20\n"
    import_file("invoices", header + row.format("100.00"))
    import_file("invoices", header + row.format("150.00"))
    imported = db.session.scalars(select(Invoice).where(Invoice.number == "IMP-1")).one()
    assert balance(imported) == (0, 0, 18000, InvoiceStatus.OPEN)
    assert_balances_hold()
    import_file(
        "payments",
        "invoice_number,date,amount,method,reference\n"
        f"IMP-1,2026-11-20,50.00,virement,VIR 4\n"
        f"{c.number},2026-11-21,25.00,chèque,CHQ 5\n"
        f"{c.number},2026-11-22,35.00,chèque,CHQ 6\n",
    )
    assert balance(imported) == (5000, 0, 13000, InvoiceStatus.OPEN)
    assert balance(c) == (24000, 0, 0, InvoiceStatus.PAID)
    assert_balances_hold()
    recorded = {  # the bulk path says what the one-at-a-time path says
        source: db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.action == "payment.recorded",
                AuditEvent.details["source"].as_string() == source,
                AuditEvent.invoice_id == c.id,
            )
            .order_by(AuditEvent.id)
        ).first()
        for source in ("manual", "stripe", "import")
    }
    assert {s: sorted(e.details) for s, e in recorded.items()} == {
        s: sorted(recorded["manual"].details) for s in recorded
    }
    assert recorded["import"].details["payment_amount_cents"] == 2500
    assert recorded["import"].actor == "cli"

    # Disputes accepted with credit notes: in part, then in full (which settles the invoice).
    d = make_invoice(customer, amount="80.00")  # 96.00
    e = make_invoice(customer, amount="25.00")  # 30.00
    dispute_and_accept(customer, d, disputed=3000, accepted=2000, tmp_path=tmp_path)
    dispute_and_accept(customer, e, disputed=3000, accepted=3000, tmp_path=tmp_path)
    assert balance(d) == (0, 2000, 7600, InvoiceStatus.OPEN)
    assert balance(e) == (0, 3000, 0, InvoiceStatus.PAID)
    assert assert_balances_hold() == summary.invoices + 6


def test_the_balance_check_catches_a_wrong_balance(app):
    invoice = make_invoice(make_customer())
    assert assert_balances_hold() == 1
    db.session.execute(update(Invoice).values(outstanding_cents=Invoice.outstanding_cents - 1))
    with pytest.raises(AssertionError, match=invoice.number):
        assert_balances_hold()


def _money_writes(tree: ast.AST) -> list[tuple[int, str]]:
    """Lines that construct a money row, or write one of their tables or invoices in bulk."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = (
            node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        )
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Attribute) and first.attr == "__table__":
            first = first.value  # insert(Payment.__table__)
        target = first.attr if isinstance(first, ast.Attribute) else getattr(first, "id", "")
        if name in MONEY_ROWS:
            found.append((node.lineno, f"{name}(...)"))
        elif name == "update" and target == "Invoice":
            found.append((node.lineno, "update(Invoice)"))
        elif name in {"insert", "update", "delete", "insert_rows", "insert_returning_ids"} and (
            target in MONEY_ROWS
        ):
            found.append((node.lineno, f"{name}({target})"))
    return sorted(found)


def test_only_the_ledger_writes_money():
    offenders = []
    for path in sorted(PORTAL.rglob("*.py")):
        module = path.relative_to(PORTAL).as_posix()
        if module in LEDGER_MODULES or module.startswith("migrations/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        offenders += [f"portal/{module}:{line}: {what}" for line, what in _money_writes(tree)]
    assert offenders == [], "money written outside the ledger:\n" + "\n".join(offenders)


def test_the_architecture_check_sees_what_it_forbids():
    source = """
note = CreditNote(number="AV-1")
payment = models.Payment(amount_cents=1)
db.session.execute(update(Invoice), rows)
db.session.execute(sa.update(models.Invoice).values(status="paid"))
bulk_sql.insert_rows(PaymentAllocation, rows)
db.session.execute(insert(CreditNote.__table__), rows)
db.session.execute(update(Customer), rows)
"""
    assert [what for _, what in _money_writes(ast.parse(source))] == [
        "CreditNote(...)",
        "Payment(...)",
        "update(Invoice)",
        "update(Invoice)",
        "insert_rows(PaymentAllocation)",
        "insert(CreditNote)",
    ]
    assert {"services/payments/ledger.py", "services/payments/ledger_bulk.py"} <= {
        path.relative_to(PORTAL).as_posix() for path in PORTAL.rglob("ledger*.py")
    }
