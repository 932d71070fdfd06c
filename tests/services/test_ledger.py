from decimal import Decimal

import pytest

from portal.models import InvoiceStatus, PaymentMethod
from portal.services.audit import Actor
from portal.services.errors import InvalidAmount, InvoiceNotPayable
from portal.services.payments import ledger
from portal.services.payments.invoicing import line_amounts

from ..conftest import NOW, TODAY
from ..factories import make_customer, make_invoice


@pytest.mark.parametrize(
    ("quantity", "unit_price", "tax_rate", "expected"),
    [
        ("1", "100", "20", (10000, 2000)),
        ("3", "0.335", "20", (101, 20)),  # 1.005 rounds half up to 1.01, tax 0.202 -> 0.20
        ("2.5", "19.99", "5.5", (4998, 275)),  # 49.975 -> 49.98; 2.7489 -> 2.75
        ("1", "0.125", "0", (13, 0)),
    ],
)
def test_line_amounts_round_half_up(quantity, unit_price, tax_rate, expected):
    assert line_amounts(Decimal(quantity), Decimal(unit_price), Decimal(tax_rate)) == expected


def test_partial_then_full_payment_closes_invoice(app):
    invoice = make_invoice(make_customer(), amount="100.00")
    assert invoice.total_cents == 12000
    ledger.record_payment(
        invoice,
        amount_cents=2000,
        paid_on=TODAY,
        method=PaymentMethod.TRANSFER,
        reference="VIR 1",
        actor=Actor.system(),
        now=NOW,
    )
    assert (invoice.paid_cents, invoice.outstanding_cents, invoice.status) == (
        2000,
        10000,
        InvoiceStatus.OPEN,
    )
    ledger.record_payment(
        invoice,
        amount_cents=10000,
        paid_on=TODAY,
        method=PaymentMethod.CARD,
        reference="",
        actor=Actor.system(),
        now=NOW,
    )
    assert invoice.outstanding_cents == 0
    assert invoice.status is InvoiceStatus.PAID
    assert invoice.paid_date == TODAY


def test_overpayment_and_paid_invoice_are_refused(app):
    invoice = make_invoice(make_customer(), amount="10.00")
    with pytest.raises(InvalidAmount):
        ledger.record_payment(
            invoice,
            amount_cents=1201,
            paid_on=TODAY,
            method=PaymentMethod.CASH,
            reference="",
            actor=Actor.system(),
            now=NOW,
        )
    assert invoice.paid_cents == 0
    ledger.record_payment(
        invoice,
        amount_cents=1200,
        paid_on=TODAY,
        method=PaymentMethod.CASH,
        reference="",
        actor=Actor.system(),
        now=NOW,
    )
    with pytest.raises(InvoiceNotPayable):
        ledger.record_payment(
            invoice,
            amount_cents=1,
            paid_on=TODAY,
            method=PaymentMethod.CASH,
            reference="",
            actor=Actor.system(),
            now=NOW,
        )


def test_credit_note_lowers_what_is_due_and_never_more_than_that(app):
    invoice = make_invoice(make_customer(), amount="10.00")  # 12.00
    first = ledger.record_credit_note(
        invoice, amount_cents=200, issued_on=TODAY, reason="Geste", actor=Actor.system(), now=NOW
    )
    assert first.number == f"AV-{invoice.number}-1" and first.currency == invoice.currency
    assert (invoice.credited_cents, invoice.outstanding_cents) == (200, 1000)
    with pytest.raises(InvalidAmount):
        ledger.record_credit_note(
            invoice, amount_cents=1001, issued_on=TODAY, reason="", actor=Actor.system(), now=NOW
        )
    second = ledger.record_credit_note(
        invoice,
        amount_cents=1000,
        issued_on=TODAY,
        reason="",
        actor=Actor.system(),
        now=NOW,
        number="AV-2026-9",
    )
    assert second.number == "AV-2026-9"
    assert (invoice.outstanding_cents, invoice.status, invoice.paid_date) == (
        0,
        InvoiceStatus.PAID,
        TODAY,
    )


def test_received_money_fills_what_is_due_and_keeps_the_rest(app):
    customer = make_customer()
    a = make_invoice(customer, amount="10.00")  # 12.00
    b = make_invoice(customer, amount="5.00")  # 6.00
    payment, excess = ledger.record_received_payment(
        [(a, 1200), (b, 600)],
        customer_id=customer.id,
        currency="EUR",
        amount_cents=2000,
        paid_on=TODAY,
        method=PaymentMethod.CARD,
        reference="cs_test_1",
        actor=Actor.system(),
        now=NOW,
        source="stripe",
    )
    assert excess == 200 and payment.amount_cents == 2000
    assert sorted(x.amount_cents for x in payment.allocations) == [600, 1200]
    assert (a.status, b.status) == (InvoiceStatus.PAID, InvoiceStatus.PAID)

    reopened = ledger.reverse_payment(payment, 500, actor=Actor.system(), now=NOW)
    assert reopened == {b.id: 300}  # the 2.00 excess first, then the latest invoice
    assert payment.amount_cents == 1500
    assert (b.outstanding_cents, b.status, b.paid_date) == (300, InvoiceStatus.OPEN, None)
    with pytest.raises(ValueError):
        ledger.reverse_payment(payment, 1501, actor=Actor.system(), now=NOW)
