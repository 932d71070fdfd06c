"""Starting Stripe Checkout sessions and applying Stripe's events, without HTTP to the portal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    AttemptStatus,
    AuditEvent,
    CheckoutAttempt,
    InvoiceStatus,
    OutboxMessage,
    Payment,
    PaymentMethod,
    StripeEvent,
    Task,
)
from portal.services.audit import Actor
from portal.services.checkout import sessions, webhooks
from portal.services.errors import NotFound
from portal.services.payments import ledger, selection

from ..conftest import NOW, TODAY
from ..factories import days_ago, make_customer, make_invoice, make_organisation

RETURN = "https://portal.example.test/account/pay/return/{}"


@pytest.fixture
def org(app):
    return make_organisation(language="fr")


def start(app, customer, invoices, method=None, now=NOW):
    chosen = selection.select_invoices(customer, [i.id for i in invoices])
    settings = sessions.StripeSettings.from_config(app.config)
    return sessions.start(
        customer,
        chosen,
        settings=settings,
        return_url=RETURN.format,
        now=now,
        actor=Actor.debtor(customer),
        method=method,
    )


def pay_by_transfer(invoice, cents, reference=""):
    ledger.record_payment(
        invoice,
        amount_cents=cents,
        paid_on=TODAY,
        method=PaymentMethod.TRANSFER,
        reference=reference,
        actor=Actor.system(),
        now=NOW,
    )


def deliver(event, now=NOW):
    """One webhook delivery, committed as its request would commit it."""
    outcome = webhooks.handle_event(event, now=now, today=TODAY)
    db.session.commit()
    return outcome


def apply(fake, type_, obj, event_id=None, now=NOW):
    return deliver(fake.event(type_, obj, event_id), now=now)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_start_sends_server_amounts_and_records_the_attempt(app, org, fake_stripe):
    customer = make_customer(language="en", emails=["first@client.test", "second@client.test"])
    a = make_invoice(customer, amount="100.00", issue_date=days_ago(40))
    b = make_invoice(customer, amount="50.00", issue_date=days_ago(35))
    pay_by_transfer(b, 1000)
    attempt = start(app, customer, [a, b])

    assert attempt.status is AttemptStatus.OPEN
    assert attempt.amount_cents == 12000 + 5000
    assert attempt.allocations == {str(a.id): 12000, str(b.id): 5000}
    assert attempt.session_id.startswith("cs_test_")
    assert attempt.checkout_url == fake_stripe.sessions[attempt.session_id]["url"]
    (call,) = fake_stripe.created
    params = call.params
    assert call.headers["Idempotency-Key"] == attempt.idempotency_key
    assert params["mode"] == "payment"
    assert [int(i["price_data"]["unit_amount"]) for i in params["line_items"]] == [12000, 5000]
    assert params["line_items"][0]["price_data"]["product_data"]["name"] == f"Invoice {a.number}"
    assert params["client_reference_id"] == str(attempt.id)
    assert params["metadata"]["invoices"] == f"{a.number} {b.number}"
    assert params["metadata"]["invoice_ids"] == f"{a.id},{b.id}"
    assert params["success_url"] == RETURN.format(attempt.id)
    assert params["cancel_url"] == RETURN.format(attempt.id) + "?cancelled=1"
    assert params["customer_email"] == "first@client.test"
    assert params["locale"] == "en"
    assert params["payment_method_types"] == ["card", "sepa_debit"]
    assert fake_stripe.sessions[attempt.session_id]["amount_total"] == 17000
    started = select(AuditEvent.action).where(
        AuditEvent.object_type == "checkout_attempt", AuditEvent.object_id == attempt.id
    )
    assert db.session.scalars(started).all() == ["checkout.started"]


def test_one_method_and_sepa_only_in_euros(app, org, fake_stripe):
    customer = make_customer()
    euro = make_invoice(customer)
    start(app, customer, [euro], method="sepa_debit")
    assert fake_stripe.created[-1].params["payment_method_types"] == ["sepa_debit"]
    dollars = make_invoice(customer, currency="USD")
    start(app, customer, [dollars])
    assert fake_stripe.created[-1].params["payment_method_types"] == ["card"]
    with pytest.raises(NotFound):
        start(app, customer, [dollars], method="sepa_debit")
    with pytest.raises(NotFound):
        start(app, customer, [euro], method="bitcoin")


def test_same_idempotency_key_gets_the_same_session(app, org, fake_stripe):
    customer = make_customer()
    attempt = start(app, customer, [make_invoice(customer)])
    gateway = sessions.StripeSettings.from_config(app.config).gateway()
    again = gateway.create_session(
        {"mode": "payment", "line_items": []}, idempotency_key=attempt.idempotency_key
    )
    assert again.id == attempt.session_id
    assert len(fake_stripe.sessions) == 1


def test_a_new_attempt_expires_the_previous_session(app, org, fake_stripe):
    customer = make_customer()
    invoice = make_invoice(customer)
    first = start(app, customer, [invoice])
    second = start(app, customer, [invoice], now=NOW + timedelta(minutes=5))
    assert fake_stripe.sessions[first.session_id]["status"] == "expired"
    assert fake_stripe.calls("POST", f"/v1/checkout/sessions/{first.session_id}/expire")
    assert first.status is AttemptStatus.EXPIRED
    assert second.status is AttemptStatus.OPEN and second.session_id != first.session_id
    other = make_customer()
    start(app, other, [make_invoice(other)])
    assert second.status is AttemptStatus.OPEN  # another customer's attempt is not theirs to expire
    assert fake_stripe.sessions[second.session_id]["status"] == "open"


def test_previous_session_already_expired_or_complete_is_tolerated(app, org, fake_stripe):
    customer = make_customer()
    invoice = make_invoice(customer)
    gone = start(app, customer, [invoice])
    fake_stripe.sessions[gone.session_id]["status"] = "expired"
    paid_elsewhere = start(app, customer, [invoice])
    assert gone.status is AttemptStatus.EXPIRED
    fake_stripe.complete(paid_elsewhere.session_id)
    third = start(app, customer, [invoice])
    # complete at Stripe: left for its webhook, which records the payment
    assert paid_elsewhere.status is AttemptStatus.OPEN
    assert third.status is AttemptStatus.OPEN
    result = apply(
        fake_stripe, "checkout.session.completed", fake_stripe.sessions[paid_elsewhere.session_id]
    )
    assert result.result == "paid"


def test_stripe_failure_is_a_polite_error_and_closes_the_attempt(app, org, fake_stripe):
    customer = make_customer()
    fake_stripe.fail_next_create = True
    with pytest.raises(sessions.OnlinePaymentUnavailable):
        start(app, customer, [make_invoice(customer)])
    attempt = db.session.scalars(select(CheckoutAttempt)).one()
    assert attempt.status is AttemptStatus.EXPIRED and attempt.session_id is None
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.action == "checkout.start_failed"))
        == 1
    )


def test_card_payment_recorded_once_with_receipt_and_notification(app, org, fake_stripe):
    customer = make_customer(language="en")
    a = make_invoice(customer, amount="100.00")
    b = make_invoice(customer, amount="10.00")
    attempt = start(app, customer, [a, b])
    session = fake_stripe.complete(attempt.session_id)
    event = fake_stripe.event("checkout.session.completed", session)

    first = deliver(event)
    again = deliver(event)
    other_copy = apply(
        fake_stripe, "checkout.session.completed", session
    )  # same news, new event id

    assert (first.result, again.result, other_copy.result) == ("paid", "duplicate", "unchanged")
    payment = db.session.scalars(select(Payment)).one()
    assert payment.external_key == f"stripe:{attempt.session_id}"
    assert payment.amount_cents == 13200 and payment.method is PaymentMethod.CARD
    assert payment.source == "stripe"
    assert sorted((al.invoice_id, al.amount_cents) for al in payment.allocations) == [
        (a.id, 12000),
        (b.id, 1200),
    ]
    assert (
        a.status is InvoiceStatus.PAID and b.status is InvoiceStatus.PAID and a.paid_date == TODAY
    )
    assert attempt.status is AttemptStatus.PAID and attempt.payment_id == payment.id
    assert attempt.payment_intent_id == session["payment_intent"]
    assert count(StripeEvent) == 2

    receipt, notice = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert receipt.kind == "receipt" and receipt.to_addresses == customer.email_addresses
    assert receipt.subject.startswith("Receipt for your payment of €132.00")
    assert a.number in receipt.text_body and a.number in receipt.html_body
    assert notice.kind == "payment_notification" and notice.to_addresses == [
        "compta@atelier-dupont.fr"
    ]
    assert (
        "132,00" in notice.subject and customer.name in notice.subject
    )  # the creditor reads French
    actions = set(
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.customer_id == customer.id))
    )
    assert {"checkout.started", "checkout.paid", "payment.recorded"} <= actions


def test_receipt_in_the_customer_language(app, org, fake_stripe):
    customer = make_customer(language="fr")
    attempt = start(app, customer, [make_invoice(customer, amount="1000.00")])
    apply(fake_stripe, "checkout.session.completed", fake_stripe.complete(attempt.session_id))
    receipt = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "receipt")).one()
    assert (
        "1\u202f200,00\xa0€" in receipt.subject
    )  # French formatting, whatever the request's language
    assert '<html lang="fr">' in receipt.html_body


def test_out_of_order_events_never_move_backwards(app, org, fake_stripe):
    customer = make_customer()
    invoice = make_invoice(customer)
    attempt = start(app, customer, [invoice])
    paid = fake_stripe.complete(attempt.session_id)
    assert apply(fake_stripe, "checkout.session.completed", paid).result == "paid"
    late_expired = dict(paid, status="expired")
    assert apply(fake_stripe, "checkout.session.expired", late_expired).result == "unchanged"
    assert apply(fake_stripe, "checkout.session.async_payment_failed", paid).result == "unchanged"
    assert (
        apply(fake_stripe, "checkout.session.completed", dict(paid, payment_status="unpaid")).result
        == "unchanged"
    )
    assert attempt.status is AttemptStatus.PAID
    assert invoice.status is InvoiceStatus.PAID and count(Payment) == 1


def test_sepa_success_before_completed(app, org, fake_stripe):
    customer = make_customer()
    invoice = make_invoice(customer)
    attempt = start(app, customer, [invoice], method="sepa_debit")
    unpaid = fake_stripe.complete(attempt.session_id, payment_status="unpaid")
    settled = fake_stripe.settle(attempt.session_id)
    assert apply(fake_stripe, "checkout.session.async_payment_succeeded", settled).result == "paid"
    assert apply(fake_stripe, "checkout.session.completed", unpaid).result == "unchanged"
    payment = db.session.scalars(select(Payment)).one()
    assert payment.method is PaymentMethod.SEPA_DEBIT
    assert attempt.status is AttemptStatus.PAID


def test_sepa_processing_then_success(app, org, fake_stripe):
    customer = make_customer()
    invoice = make_invoice(customer)
    attempt = start(app, customer, [invoice], method="sepa_debit")
    unpaid = fake_stripe.complete(attempt.session_id, payment_status="unpaid")
    assert apply(fake_stripe, "checkout.session.completed", unpaid).result == "processing"
    assert selection.processing_invoice_ids(customer) == {invoice.id}
    with pytest.raises(selection.NothingToPay):  # not payable twice while the debit runs
        selection.select_invoices(customer, [invoice.id])
    assert count(Payment) == 0 and count(OutboxMessage) == 0
    assert invoice.status is InvoiceStatus.OPEN
    assert (
        apply(
            fake_stripe,
            "checkout.session.async_payment_succeeded",
            fake_stripe.settle(attempt.session_id),
        ).result
        == "paid"
    )
    assert (
        invoice.status is InvoiceStatus.PAID and selection.processing_invoice_ids(customer) == set()
    )
    assert count(Payment) == 1 and count(OutboxMessage) == 2


def test_sepa_processing_then_failure_reopens_payment(app, org, fake_stripe):
    customer = make_customer()
    invoice = make_invoice(customer)
    attempt = start(app, customer, [invoice], method="sepa_debit")
    apply(
        fake_stripe,
        "checkout.session.completed",
        fake_stripe.complete(attempt.session_id, "unpaid"),
    )
    failed = fake_stripe.settle(attempt.session_id, succeeded=False)
    assert apply(fake_stripe, "checkout.session.async_payment_failed", failed).result == "failed"
    assert (
        apply(
            fake_stripe,
            "checkout.session.async_payment_succeeded",
            dict(failed, payment_status="paid"),
        ).result
        == "unchanged"
    )
    assert attempt.status is AttemptStatus.FAILED and count(Payment) == 0
    assert (
        selection.select_invoices(customer, [invoice.id]).total_cents == invoice.outstanding_cents
    )
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.action == "checkout.failed")) == 1
    )


def test_expired_session(app, org, fake_stripe):
    customer = make_customer()
    attempt = start(app, customer, [make_invoice(customer)])
    session = dict(fake_stripe.sessions[attempt.session_id], status="expired")
    assert apply(fake_stripe, "checkout.session.expired", session).result == "expired"
    assert apply(fake_stripe, "checkout.session.expired", session).result == "unchanged"
    assert attempt.status is AttemptStatus.EXPIRED


def test_invoice_paid_meanwhile_gets_no_more_and_excess_is_flagged(app, org, fake_stripe):
    customer = make_customer()
    a = make_invoice(customer, amount="100.00")
    b = make_invoice(customer, amount="50.00")
    attempt = start(app, customer, [a, b])
    # while the debtor was on Stripe's page, a transfer paid part of `b`
    pay_by_transfer(b, 2000, reference="VIR")
    db.session.commit()
    apply(fake_stripe, "checkout.session.completed", fake_stripe.complete(attempt.session_id))
    payment = db.session.scalar(select(Payment).where(Payment.source == "stripe"))
    assert payment.amount_cents == 18000  # what Stripe took
    assert sum(al.amount_cents for al in payment.allocations) == 16000  # never over-allocated
    assert b.outstanding_cents == 0 and b.paid_cents == 6000 and a.outstanding_cents == 0
    task = db.session.scalars(select(Task).where(Task.kind == "overpayment")).one()
    assert "20,00" in task.title
    excess = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "payment.excess")
    ).one()
    assert excess.details["amount_cents"] == 2000


def test_refund_reopens_invoices_and_asks_the_creditor(app, org, fake_stripe):
    customer = make_customer()
    a = make_invoice(customer, amount="100.00")
    b = make_invoice(customer, amount="50.00")
    attempt = start(app, customer, [a, b])
    apply(fake_stripe, "checkout.session.completed", fake_stripe.complete(attempt.session_id))
    payment = db.session.scalars(select(Payment)).one()

    partial = apply(fake_stripe, "charge.refunded", fake_stripe.refund(attempt.session_id, 4000))
    assert partial.result == "refunded"
    assert attempt.status is AttemptStatus.REFUNDED
    assert payment.amount_cents == 14000
    assert (a.status, b.status, b.outstanding_cents) == (
        InvoiceStatus.PAID,
        InvoiceStatus.OPEN,
        4000,
    )

    # a late copy of an earlier, smaller refund changes nothing
    assert (
        apply(fake_stripe, "charge.refunded", fake_stripe.refund(attempt.session_id, 1000)).result
        == "unchanged"
    )
    assert (
        apply(fake_stripe, "charge.refunded", fake_stripe.refund(attempt.session_id)).result
        == "refunded"
    )
    assert payment.amount_cents == 0 and payment.allocations == []
    assert a.outstanding_cents == 12000 and b.outstanding_cents == 6000
    assert a.status is InvoiceStatus.OPEN
    titles = db.session.scalars(select(Task.title).where(Task.kind == "refund")).all()
    assert len(titles) == 2 and a.number in titles[0] and b.number in titles[0]
    notices = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.kind == "payment_notification")
        .order_by(OutboxMessage.id)
    ).all()
    assert len(notices) == 3  # paid, then two refunds
    assert "40,00" in notices[1].subject and b.number in notices[1].text_body  # French amounts
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.action == "payment.refunded")) == 2
    )


def test_dispute_is_flagged_not_booked(app, org, fake_stripe):
    customer = make_customer()
    invoice = make_invoice(customer)
    attempt = start(app, customer, [invoice])
    apply(fake_stripe, "checkout.session.completed", fake_stripe.complete(attempt.session_id))
    outcome = apply(fake_stripe, "charge.dispute.created", fake_stripe.dispute(attempt.session_id))
    assert outcome.result == "disputed"
    task = db.session.scalars(select(Task).where(Task.kind == "chargeback")).one()
    assert invoice.number in task.title and "fraudulent" in task.body
    assert task.invoice_id == invoice.id and task.customer_id == customer.id
    assert invoice.status is InvoiceStatus.PAID and attempt.status is AttemptStatus.PAID
    notice = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert notice.kind == "payment_notification" and notice.to_addresses == [
        "compta@atelier-dupont.fr"
    ]
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.action == "checkout.disputed")) == 1
    )


def test_unknown_sessions_and_other_events_are_ignored(app, org, fake_stripe):
    unknown = {"id": "cs_test_unknown", "object": "checkout.session", "payment_status": "paid"}
    assert apply(fake_stripe, "checkout.session.completed", unknown).result == "ignored"
    assert apply(fake_stripe, "customer.created", {"id": "cus_1"}).result == "ignored"
    assert (
        apply(fake_stripe, "charge.refunded", {"id": "ch_1", "payment_intent": "pi_x"}).result
        == "ignored"
    )
    assert count(Payment) == 0 and count(StripeEvent) == 3


def test_completed_event_overtaking_our_own_answer_finds_the_attempt(app, org, fake_stripe):
    customer = make_customer()
    attempt = start(app, customer, [make_invoice(customer)])
    session = fake_stripe.complete(attempt.session_id)
    attempt.session_id = None  # as if the process stopped before saving Stripe's answer
    db.session.commit()
    assert apply(fake_stripe, "checkout.session.completed", session).result == "paid"
    assert attempt.session_id == session["id"]


def test_verify_rejects_tampered_and_stale_signatures():
    from ..fakes.stripe_api import WEBHOOK_SECRET, sign

    body = '{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {}}}'
    assert webhooks.verify(body.encode(), sign(body), WEBHOOK_SECRET)["id"] == "evt_1"
    for payload, header, secret in [
        (body.replace("evt_1", "evt_2").encode(), sign(body), WEBHOOK_SECRET),
        (body.encode(), sign(body, timestamp=int(__import__("time").time()) - 301), WEBHOOK_SECRET),
        (body.encode(), sign(body, secret="whsec_other"), WEBHOOK_SECRET),
        (body.encode(), None, WEBHOOK_SECRET),
        (body.encode(), sign(body), ""),
        (b"\xff\xfe", sign("x"), WEBHOOK_SECRET),
        (b"[1, 2]", sign("[1, 2]"), WEBHOOK_SECRET),
    ]:
        with pytest.raises(webhooks.InvalidWebhook):
            webhooks.verify(payload, header, secret)
