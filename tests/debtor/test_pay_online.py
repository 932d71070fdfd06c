"""The debtor's side of paying online: the buttons, the start route and the return page."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AttemptStatus, CheckoutAttempt
from portal.services.checkout import webhooks

from ..conftest import NOW, TODAY
from ..factories import days_ago, make_customer, make_invoice

START = "/account/pay/online"


def overdue_invoice(customer, amount="100.00"):
    return make_invoice(customer, amount=amount, issue_date=days_ago(40), due_date=days_ago(10))


def attempts() -> list[CheckoutAttempt]:
    db.session.rollback()
    return list(db.session.scalars(select(CheckoutAttempt).order_by(CheckoutAttempt.id)))


def test_without_stripe_no_online_option_and_start_is_404(app, debtor_client):
    customer = make_customer()
    invoice = overdue_invoice(customer)
    client = debtor_client(customer)
    page = client.post("/account/pay", data={"invoice": [invoice.id]})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "pay-online" not in text and "/account/pay/online" not in text
    assert "stripe" not in page.headers["Content-Security-Policy"]
    assert client.post(START, data={"invoice": [invoice.id]}).status_code == 404
    assert attempts() == []


def test_pay_page_offers_card_and_sepa(app, debtor_client, fake_stripe):
    customer = make_customer(language="en")
    invoice = overdue_invoice(customer)
    client = debtor_client(customer)
    page = client.post("/account/pay", data={"invoice": [invoice.id]})
    text = page.get_data(as_text=True)
    assert 'id="pay-online"' in text and 'action="/account/pay/online"' in text
    assert 'name="method" value="card"' in text and 'name="method" value="sepa_debit"' in text
    assert f'name="invoice" value="{invoice.id}"' in text
    assert 'name="csrf_token"' in text
    assert "style=" not in text and "<script>" not in text
    # browsers check a form's redirect against form-action: Stripe's page must be allowed, only here
    csp = page.headers["Content-Security-Policy"]
    assert "form-action 'self' https://checkout.stripe.com;" in csp and "script-src 'self';" in csp
    assert "checkout.stripe.com" not in client.get("/account").headers["Content-Security-Policy"]


def test_start_redirects_to_stripe_with_server_amounts(app, debtor_client, fake_stripe):
    customer = make_customer()
    a = overdue_invoice(customer, "100.00")
    b = overdue_invoice(customer, "30.00")
    client = debtor_client(customer)
    client.set_cookie("session", client.get_cookie("session").value, domain="attacker.example")
    response = client.post(
        START,
        data={"invoice": [a.id, b.id], "method": "card", "amount": "1", "amount_cents": "100"},
        base_url="http://attacker.example",  # the Host header never builds the return address
    )
    assert response.status_code == 303
    (attempt,) = attempts()
    assert (
        response.location == attempt.checkout_url == fake_stripe.sessions[attempt.session_id]["url"]
    )
    assert attempt.amount_cents == 12000 + 3600
    assert attempt.allocations == {str(a.id): 12000, str(b.id): 3600}
    params = fake_stripe.created[0].params
    assert sum(int(i["price_data"]["unit_amount"]) for i in params["line_items"]) == 15600
    assert params["payment_method_types"] == ["card"]
    assert params["success_url"] == f"https://portal.example.test/account/pay/return/{attempt.id}"
    assert params["cancel_url"].startswith("https://portal.example.test/")
    assert params["customer_email"] == customer.email_addresses[0]


def test_another_customers_invoice_or_unknown_method_is_404(app, debtor_client, fake_stripe):
    mine, theirs = make_customer(), make_customer()
    own = overdue_invoice(mine)
    foreign = overdue_invoice(theirs)
    client = debtor_client(mine)
    assert client.post(START, data={"invoice": [own.id, foreign.id]}).status_code == 404
    assert client.post(START, data={"invoice": [own.id], "method": "paypal"}).status_code == 404
    assert attempts() == [] and fake_stripe.created == []


def test_nothing_to_pay_goes_back_to_the_account(app, debtor_client, fake_stripe):
    customer = make_customer()
    client = debtor_client(customer)
    response = client.post(START, data={})
    assert response.status_code == 303 and response.location.endswith("/account")
    assert attempts() == []


def test_stripe_down_is_a_message_not_an_error_page(app, debtor_client, fake_stripe):
    customer = make_customer(language="en")
    invoice = overdue_invoice(customer)
    client = debtor_client(customer)
    fake_stripe.fail_next_create = True
    response = client.post(START, data={"invoice": [invoice.id]})
    assert response.status_code == 303 and response.location.endswith("/account")
    assert "Online payment is not available right now" in client.get("/account").get_data(
        as_text=True
    )
    assert [a.status for a in attempts()] == [AttemptStatus.EXPIRED]


def test_a_new_attempt_expires_the_previous_session(app, debtor_client, fake_stripe):
    customer = make_customer()
    invoice = overdue_invoice(customer)
    client = debtor_client(customer)
    client.post(START, data={"invoice": [invoice.id]})
    client.post(START, data={"invoice": [invoice.id]})
    first, second = attempts()
    assert first.status is AttemptStatus.EXPIRED and second.status is AttemptStatus.OPEN
    assert fake_stripe.sessions[first.session_id]["status"] == "expired"
    assert fake_stripe.sessions[second.session_id]["status"] == "open"


def test_return_page_shows_only_the_servers_state_of_own_attempts(app, debtor_client, fake_stripe):
    mine, theirs = make_customer(language="en"), make_customer(language="en")
    own_invoice, their_invoice = overdue_invoice(mine), overdue_invoice(theirs)
    their_client = debtor_client(theirs)
    their_client.post(START, data={"invoice": [their_invoice.id]})
    client = debtor_client(mine)
    client.post(START, data={"invoice": [own_invoice.id]})
    theirs_attempt, own = attempts()

    assert client.get(f"/account/pay/return/{theirs_attempt.id}").status_code == 404
    assert client.get("/account/pay/return/999999").status_code == 404

    page = client.get(f"/account/pay/return/{own.id}?status=paid&redirect_status=succeeded")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-status="open"' in text and "Waiting for confirmation" in text
    assert 'hx-trigger="every 3s"' in text and "Thank you" not in text
    assert own_invoice.number in text and their_invoice.number not in text

    cancelled = client.get(f"/account/pay/return/{own.id}?cancelled=1").get_data(as_text=True)
    assert "Payment not completed" in cancelled and "hx-trigger" not in cancelled

    event = fake_stripe.event("checkout.session.completed", fake_stripe.complete(own.session_id))
    webhooks.handle_event(event, now=NOW, today=TODAY)
    paid = client.get(f"/account/pay/return/{own.id}?cancelled=1").get_data(as_text=True)
    assert 'data-status="paid"' in paid and "Thank you" in paid and "hx-trigger" not in paid


def test_sepa_processing_shows_on_the_account(app, debtor_client, fake_stripe):
    customer = make_customer(language="en")
    invoice = overdue_invoice(customer)
    client = debtor_client(customer)
    client.post(START, data={"invoice": [invoice.id], "method": "sepa_debit"})
    (attempt,) = attempts()
    unpaid = fake_stripe.complete(attempt.session_id, "unpaid")
    webhooks.handle_event(
        fake_stripe.event("checkout.session.completed", unpaid), now=NOW, today=TODAY
    )

    account = client.get("/account").get_data(as_text=True)
    assert "Payment processing" in account
    # shown with its state, but with nothing to tick: it cannot be paid twice by mistake
    assert invoice.number in account and f'value="{invoice.id}"' not in account
    returned = client.get(f"/account/pay/return/{attempt.id}").get_data(as_text=True)
    assert 'data-status="processing"' in returned
    # paying the same invoice again while the debit runs is refused
    again = client.post(START, data={"invoice": [invoice.id]})
    assert again.status_code == 303 and again.location.endswith("/account")
    assert db.session.scalar(select(func.count()).select_from(CheckoutAttempt)) == 1


def test_return_page_for_closed_attempts(app, debtor_client, fake_stripe):
    customer = make_customer(language="en")
    invoice = overdue_invoice(customer)
    client = debtor_client(customer)
    client.post(START, data={"invoice": [invoice.id]})
    (attempt,) = attempts()
    for status, heading in [
        (AttemptStatus.FAILED, "The payment did not go through"),
        (AttemptStatus.EXPIRED, "This payment page has expired"),
        (AttemptStatus.REFUNDED, "This payment was refunded"),
    ]:
        attempt.status = status
        db.session.commit()
        text = client.get(f"/account/pay/return/{attempt.id}").get_data(as_text=True)
        assert heading in text and f'data-status="{status}"' in text and "hx-trigger" not in text
