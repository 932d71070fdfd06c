"""A debtor opens the link from a reminder on a phone, picks two invoices and pays:
first looking at the bank transfer details, then by card through (fake) Stripe."""

import json
import re

import pytest

from portal.extensions import db
from portal.models import InvoiceStatus, TransferReference
from portal.services import links
from portal.services.audit import Actor

from ..conftest import NOW, TODAY
from ..factories import days_ago, make_customer, make_invoice
from ..fakes.stripe_api import sign
from .conftest import PHONE, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def debtor(app, owner, fake_stripe):
    customer = make_customer(
        name="Menuiserie Gauthier", language="fr", emails=["compta@gauthier.example"]
    )
    first = make_invoice(customer, amount="1000.00", issue_date=days_ago(60), due_date=days_ago(30))
    second = make_invoice(customer, amount="250.00", issue_date=days_ago(40), due_date=days_ago(10))
    not_due = make_invoice(customer, amount="80.00", issue_date=days_ago(5), due_date=days_ago(-25))
    token = links.create(customer, now=NOW, days=30, actor=Actor.system())
    db.session.commit()
    return customer, token, (first, second, not_due)


def test_pay_two_invoices_by_transfer_then_by_card(
    app, live_server, page_factory, debtor, fake_stripe
):
    customer, token, (first, second, not_due) = debtor
    page = page_factory(viewport=PHONE)
    page.goto(f"{live_server}/p/{token}")
    page.wait_for_url(re.compile(r"/account$"))
    text = page.locator("main").inner_text().replace("\u202f", " ").replace("\u00a0", " ")
    assert "1 500,00 €" in text  # due now: 1 200 + 300
    assert page.locator(f"#invoice-{first.id}").is_checked()
    assert page.locator(f"#invoice-{second.id}").is_checked()
    assert not page.locator(f"#invoice-{not_due.id}").is_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    screenshot(page, "debtor-account-phone")

    pay = page.get_by_role("button", name=re.compile(r"^Payer 1\s500,00\s€$"))
    assert pay.bounding_box()["y"] + pay.bounding_box()["height"] <= PHONE["height"]
    pay.click()
    page.wait_for_url(re.compile(r"/account/pay$"))
    pay_text = page.locator("main").inner_text().replace("\u202f", " ").replace("\u00a0", " ")
    assert "1 500,00 €" in pay_text
    reference = db.session.query(TransferReference).one()
    assert reference.amount_cents == 150000
    assert page.locator("#t-reference").inner_text().replace(" ", "") == reference.reference
    qr = page.locator("img.epc-qr")
    qr.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('img.epc-qr').naturalWidth > 0")
    screenshot(page, "debtor-pay-transfer-phone")

    # Card: the browser goes to Stripe's hosted page (intercepted here: no network).
    page.route(
        "https://checkout.stripe.com/**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<h1>Stripe Checkout (test)</h1>"
        ),
    )
    page.get_by_role("button", name=re.compile("par carte")).click()
    page.wait_for_url(re.compile(r"checkout\.stripe\.com"))
    (session_id,) = fake_stripe.sessions
    session = fake_stripe.complete(session_id)
    event = json.dumps(fake_stripe.event("checkout.session.completed", session))
    response = app.test_client().post(
        "/webhooks/stripe",
        data=event,
        content_type="application/json",
        headers={"Stripe-Signature": sign(event)},
    )
    assert response.status_code == 200

    page.goto(session["success_url"])
    page.wait_for_selector("text=/reçu|received|payé/i")
    screenshot(page, "debtor-paid-phone")
    db.session.expire_all()
    assert db.session.get(type(first), first.id).status is InvoiceStatus.PAID
    assert db.session.get(type(second), second.id).status is InvoiceStatus.PAID
    assert db.session.get(type(not_due), not_due.id).status is InvoiceStatus.OPEN

    page.goto(f"{live_server}/account")
    assert "0,00" in page.locator(".due-amount").inner_text()
    assert TODAY  # the account shows the not-yet-due invoice only
    assert page.locator(f"#invoice-{not_due.id}").count() == 1
