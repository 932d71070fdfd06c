"""POST /webhooks/stripe: signed, once per event, forward only, whatever the deliveries."""

from __future__ import annotations

import json
import threading
import time

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
    StripeEvent,
    Task,
)
from portal.services.audit import Actor
from portal.services.checkout import sessions
from portal.services.payments import selection

from ..conftest import NOW
from ..factories import make_customer, make_invoice, make_organisation
from ..fakes.stripe_api import sign

URL = "/webhooks/stripe"


@pytest.fixture
def app_config(app_config):
    """CSRF on, as in production: Stripe cannot send a token, the endpoint must not need one."""
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def paying(app, fake_stripe):
    """A customer with two invoices and an open Checkout attempt for both."""
    make_organisation()
    customer = make_customer(language="en")
    invoices = [make_invoice(customer, amount="100.00"), make_invoice(customer, amount="20.00")]
    chosen = selection.select_invoices(customer, [i.id for i in invoices])
    settings = sessions.StripeSettings.from_config(app.config)
    return_url = "https://portal.example.test/r/{}".format
    attempt = sessions.start(
        customer,
        chosen,
        settings=settings,
        return_url=return_url,
        now=NOW,
        actor=Actor.debtor(customer),
    )
    return attempt, invoices


def post(
    client, event: dict, *, timestamp: int | None = None, body: str | None = None, secret=None
):
    payload = json.dumps(event)
    kwargs = {"timestamp": timestamp} if timestamp else {}
    if secret:
        kwargs["secret"] = secret
    header = sign(payload, **kwargs)
    data = body if body is not None else payload
    return client.post(
        URL, data=data, headers={"Stripe-Signature": header}, content_type="application/json"
    )


def counts() -> dict[str, int]:
    db.session.rollback()  # a fresh look at what other connections committed
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (StripeEvent, Payment, OutboxMessage, AuditEvent, Task)
    }


def test_paid_once_despite_duplicate_deliveries(client, paying, fake_stripe):
    attempt, invoices = paying
    event = fake_stripe.event(
        "checkout.session.completed", fake_stripe.complete(attempt.session_id)
    )
    first = post(client, event)
    second = post(client, event)
    assert first.status_code == second.status_code == 200
    assert (first.json["result"], second.json["result"]) == ("paid", "duplicate")
    after = counts()
    assert after["StripeEvent"] == 1 and after["Payment"] == 1 and after["OutboxMessage"] == 2
    assert {i.status for i in invoices} == {InvoiceStatus.PAID}
    assert db.session.get(CheckoutAttempt, attempt.id).status is AttemptStatus.PAID
    kinds = sorted(db.session.scalars(select(OutboxMessage.kind)))
    assert kinds == ["payment_notification", "receipt"]


@pytest.mark.parametrize(
    "case", ["tampered", "stale", "wrong_secret", "missing", "garbage", "not_json"]
)
def test_bad_signatures_write_nothing(client, paying, fake_stripe, case):
    attempt, invoices = paying
    event = fake_stripe.event(
        "checkout.session.completed", fake_stripe.complete(attempt.session_id)
    )
    before = counts()
    if case == "tampered":  # signed for one amount, delivered with another
        forged = json.loads(json.dumps(event))
        forged["data"]["object"]["amount_total"] = 1
        response = post(client, event, body=json.dumps(forged))
    elif case == "stale":
        response = post(client, event, timestamp=int(time.time()) - 301)
    elif case == "wrong_secret":
        response = post(client, event, secret="whsec_someone_else")
    elif case == "missing":
        response = client.post(URL, data=json.dumps(event), content_type="application/json")
    elif case == "garbage":
        response = client.post(
            URL, data=json.dumps(event), headers={"Stripe-Signature": "t=x,v1=zz"}
        )
    else:
        response = client.post(URL, data="not json", headers={"Stripe-Signature": sign("not json")})
    assert response.status_code == 400
    assert counts() == before
    assert db.session.get(CheckoutAttempt, attempt.id).status is AttemptStatus.OPEN
    assert {i.status for i in invoices} == {InvoiceStatus.OPEN}


def test_recent_signature_within_tolerance_is_accepted(client, paying, fake_stripe):
    attempt, _ = paying
    event = fake_stripe.event(
        "checkout.session.completed", fake_stripe.complete(attempt.session_id)
    )
    assert post(client, event, timestamp=int(time.time()) - 240).status_code == 200


def test_late_expired_and_failed_after_paid_change_nothing(client, paying, fake_stripe):
    attempt, invoices = paying
    paid = fake_stripe.complete(attempt.session_id)
    assert (
        post(client, fake_stripe.event("checkout.session.completed", paid)).json["result"] == "paid"
    )
    for kind, obj in [
        ("checkout.session.expired", dict(paid, status="expired")),
        ("checkout.session.async_payment_failed", dict(paid, payment_status="unpaid")),
        ("checkout.session.completed", dict(paid, payment_status="unpaid")),
    ]:
        response = post(client, fake_stripe.event(kind, obj))
        assert response.status_code == 200 and response.json["result"] == "unchanged"
    assert db.session.get(CheckoutAttempt, attempt.id).status is AttemptStatus.PAID
    assert counts()["Payment"] == 1
    assert {i.status for i in invoices} == {InvoiceStatus.PAID}


def test_async_success_before_completed(client, paying, fake_stripe):
    attempt, invoices = paying
    unpaid = fake_stripe.complete(attempt.session_id, "unpaid")
    settled = fake_stripe.settle(attempt.session_id)
    assert (
        post(client, fake_stripe.event("checkout.session.async_payment_succeeded", settled)).json[
            "result"
        ]
        == "paid"
    )
    assert (
        post(client, fake_stripe.event("checkout.session.completed", unpaid)).json["result"]
        == "unchanged"
    )
    assert db.session.get(CheckoutAttempt, attempt.id).status is AttemptStatus.PAID
    assert counts()["Payment"] == 1


def test_sepa_pending_then_failure_then_payable_again(client, paying, fake_stripe):
    attempt, invoices = paying
    unpaid = fake_stripe.complete(attempt.session_id, "unpaid")
    assert (
        post(client, fake_stripe.event("checkout.session.completed", unpaid)).json["result"]
        == "processing"
    )
    customer = invoices[0].customer
    assert selection.processing_invoice_ids(customer) == {i.id for i in invoices}
    failed = fake_stripe.settle(attempt.session_id, succeeded=False)
    assert (
        post(client, fake_stripe.event("checkout.session.async_payment_failed", failed)).json[
            "result"
        ]
        == "failed"
    )
    assert selection.processing_invoice_ids(customer) == set()
    assert counts()["Payment"] == 0 and counts()["OutboxMessage"] == 0


def test_refund_and_dispute_through_the_endpoint(client, paying, fake_stripe):
    attempt, invoices = paying
    post(
        client,
        fake_stripe.event("checkout.session.completed", fake_stripe.complete(attempt.session_id)),
    )
    dispute = post(
        client, fake_stripe.event("charge.dispute.created", fake_stripe.dispute(attempt.session_id))
    )
    assert dispute.json["result"] == "disputed"
    refund = fake_stripe.event("charge.refunded", fake_stripe.refund(attempt.session_id))
    assert post(client, refund).json["result"] == "refunded"
    assert post(client, refund).json["result"] == "duplicate"
    db.session.rollback()
    assert {i.status for i in invoices} == {InvoiceStatus.OPEN}
    assert sorted(db.session.scalars(select(Task.kind))) == ["chargeback", "refund"]
    assert db.session.get(CheckoutAttempt, attempt.id).status is AttemptStatus.REFUNDED


def test_concurrent_deliveries_record_one_payment(app, paying, fake_stripe):
    """Stripe retries and sends several events at once; threads race through the real app."""
    attempt, invoices = paying
    paid = fake_stripe.complete(attempt.session_id)
    same = fake_stripe.event("checkout.session.completed", paid)
    events = [same] * 4 + [
        fake_stripe.event("checkout.session.completed", paid),
        fake_stripe.event("checkout.session.completed", paid),
        fake_stripe.event("checkout.session.async_payment_succeeded", paid),
        fake_stripe.event("checkout.session.expired", dict(paid, status="expired")),
    ]
    db.session.commit()
    barrier = threading.Barrier(len(events))
    results: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def deliver(event):
        try:
            client = app.test_client()
            barrier.wait(timeout=10)
            response = post(client, event)
            results.append((response.status_code, (response.json or {}).get("result")))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(e,)) for e in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert [status for status, _ in results] == [200] * len(events)
    outcomes = sorted(result for _, result in results)
    assert outcomes.count("paid") == 1
    assert outcomes.count("duplicate") >= 3  # the four copies of one event
    after = counts()
    assert after["Payment"] == 1 and after["StripeEvent"] == 5 and after["OutboxMessage"] == 2
    payment = db.session.scalars(select(Payment)).one()
    assert sum(a.amount_cents for a in payment.allocations) == 14400
    assert db.session.get(CheckoutAttempt, attempt.id).status is AttemptStatus.PAID
    db.session.refresh(invoices[0])
    assert invoices[0].paid_cents == 12000
