"""A customer's unallocated credit: allocated to an open invoice, or recorded as refunded."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from portal.extensions import db
from portal.models import AuditEvent, InvoiceStatus, PaymentMethod, Task, TaskStatus
from portal.services import notifications
from portal.services.audit import Actor
from portal.services.errors import InvalidAmount, InvoiceNotPayable, NotFound
from portal.services.payments import credit, ledger
from portal.services.reconciliation import recording

from ..conftest import NOW, TODAY
from ..factories import make_customer, make_invoice
from .test_money_paths import assert_balances_hold

USER = Actor("user:1 owner@example.com")


def overpay(customer, invoice, amount_cents: int, currency: str = "EUR"):
    """A transfer of `amount_cents` naming `invoice`: what it does not owe stays as credit."""
    payment, excess = ledger.record_received_payment(
        [(invoice, amount_cents)],
        customer_id=customer.id,
        currency=currency,
        amount_cents=amount_cents,
        paid_on=TODAY,
        method=PaymentMethod.TRANSFER,
        reference="VIR TROP",
        actor=USER,
        now=NOW,
        source="bank",
    )
    return payment, excess


def ask(customer, kind: str = recording.TASK_KIND) -> Task:
    return notifications.ask_creditor(
        kind, "Crédit", now=NOW, due_date=TODAY, customer_id=customer.id
    )


def test_an_excess_is_the_customers_credit_until_allocated(app):
    customer = make_customer()
    paid = make_invoice(customer, amount="100.00")  # 120.00
    later = make_invoice(customer, amount="50.00")  # 60.00
    payment, excess = overpay(customer, paid, 15000)
    assert excess == 3000 == ledger.unallocated_cents(payment)
    [held] = credit.customer_credit(customer.id)
    assert (held.payment.id, held.cents) == (payment.id, 3000)
    assert credit.totals([held]) == {"EUR": 3000}
    task = ask(customer)

    credit.allocate(customer, payment.id, later.id, 2000, actor=USER, now=NOW)
    assert (later.paid_cents, later.outstanding_cents) == (2000, 4000)
    assert ledger.unallocated_cents(payment) == 1000
    assert task.status is TaskStatus.OPEN
    assert_balances_hold()

    credit.allocate(customer, payment.id, later.id, 1000, actor=USER, now=NOW)
    assert (later.paid_cents, later.outstanding_cents) == (3000, 3000)
    assert len(payment.allocations) == 2  # the same invoice's allocation grew
    assert credit.customer_credit(customer.id) == []
    assert task.status is TaskStatus.DONE
    assert_balances_hold()
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "payment.allocated")
    ).all()[-1]
    assert (event.invoice_id, event.details["amount_cents"], event.details["left_cents"]) == (
        later.id,
        1000,
        0,
    )


def test_allocating_the_whole_due_pays_the_invoice(app):
    customer = make_customer()
    payment, _ = overpay(customer, make_invoice(customer, amount="10.00"), 2400)  # 12.00 left
    small = make_invoice(customer, amount="10.00")
    credit.allocate(customer, payment.id, small.id, 1200, actor=USER, now=NOW)
    assert (small.status, small.paid_date) == (InvoiceStatus.PAID, TODAY)
    assert_balances_hold()


@pytest.mark.parametrize(
    ("cents", "error"),
    [(3001, InvalidAmount), (0, InvalidAmount), (-5, InvalidAmount)],
)
def test_allocating_refuses_more_than_the_credit(app, cents, error):
    customer = make_customer()
    payment, _ = overpay(customer, make_invoice(customer), 15000)
    big = make_invoice(customer, amount="1000.00")
    with pytest.raises(error):
        credit.allocate(customer, payment.id, big.id, cents, actor=USER, now=NOW)
    assert big.paid_cents == 0 and ledger.unallocated_cents(payment) == 3000
    assert_balances_hold()


def test_allocating_refuses_more_than_the_invoice_owes_and_a_paid_invoice(app):
    customer = make_customer()
    first = make_invoice(customer)
    payment, _ = overpay(customer, first, 15000)
    small = make_invoice(customer, amount="10.00")  # 12.00
    with pytest.raises(InvalidAmount):
        credit.allocate(customer, payment.id, small.id, 1201, actor=USER, now=NOW)
    with pytest.raises(InvoiceNotPayable):
        credit.allocate(customer, payment.id, first.id, 100, actor=USER, now=NOW)
    assert ledger.unallocated_cents(payment) == 3000
    assert_balances_hold()


def test_allocating_refuses_another_customers_invoice_or_currency(app):
    customer, other = make_customer(), make_customer()
    payment, _ = overpay(customer, make_invoice(customer), 15000)
    theirs = make_invoice(other)
    dollars = make_invoice(customer, currency="USD")
    with pytest.raises(InvalidAmount):
        credit.allocate(customer, payment.id, theirs.id, 100, actor=USER, now=NOW)
    with pytest.raises(InvalidAmount):
        credit.allocate(customer, payment.id, dollars.id, 100, actor=USER, now=NOW)
    with pytest.raises(NotFound):  # the payment is not the other customer's
        credit.allocate(other, payment.id, theirs.id, 100, actor=USER, now=NOW)
    assert (theirs.paid_cents, dollars.paid_cents) == (0, 0)
    assert ledger.unallocated_cents(payment) == 3000
    assert_balances_hold()


def test_refunding_the_credit_shrinks_the_payment_and_closes_the_tasks(app):
    customer = make_customer()
    invoice = make_invoice(customer)
    payment, _ = overpay(customer, invoice, 15000)
    bank_task, online_task = ask(customer), ask(customer, "overpayment")
    other_task = ask(customer, "refund")

    with pytest.raises(InvalidAmount):
        credit.refund(customer, payment.id, 3001, note="", actor=USER, now=NOW)
    credit.refund(customer, payment.id, 1000, note="Virement retour", actor=USER, now=NOW)
    assert (payment.amount_cents, ledger.unallocated_cents(payment)) == (14000, 2000)
    assert bank_task.status is TaskStatus.OPEN
    credit.refund(customer, payment.id, 2000, note="", actor=USER, now=NOW)
    assert (payment.amount_cents, ledger.unallocated_cents(payment)) == (12000, 0)
    assert (invoice.paid_cents, invoice.status) == (12000, InvoiceStatus.PAID)
    assert (bank_task.status, online_task.status) == (TaskStatus.DONE, TaskStatus.DONE)
    assert other_task.status is TaskStatus.OPEN
    assert_balances_hold()
    first = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "payment.refunded").order_by(AuditEvent.id)
    ).first()
    assert (first.details["amount_cents"], first.details["note"]) == (1000, "Virement retour")
    assert first.details["reopened"] == {}


def test_credit_is_per_currency_and_the_query_is_one(app):
    customer = make_customer()
    eur, _ = overpay(customer, make_invoice(customer), 13000)
    usd, _ = overpay(customer, make_invoice(customer, currency="USD"), 12500, "USD")
    customer_id = customer.id
    db.session.commit()
    db.session.expire_all()
    statements = []

    def count(*args):
        statements.append(args)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        held = credit.customer_credit(customer_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert [(c.payment.id, c.cents) for c in held] == [(eur.id, 1000), (usd.id, 500)]
    assert credit.totals(held) == {"EUR": 1000, "USD": 500}
