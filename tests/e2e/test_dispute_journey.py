"""On a phone, a debtor disputes one line of an invoice, then pays the undisputed rest."""

import re
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import Dispute, TransferReference
from portal.services import links
from portal.services.audit import Actor
from portal.services.payments.invoicing import LineInput

from ..conftest import NOW
from ..factories import days_ago, make_customer, make_invoice
from .conftest import PHONE, screenshot

pytestmark = pytest.mark.e2e


def test_dispute_one_line_then_pay_the_rest(app, owner, live_server, page_factory):
    customer = make_customer(name="Café du Port", language="fr")
    invoice = make_invoice(
        customer,
        issue_date=days_ago(40),
        due_date=days_ago(10),
        lines=[
            LineInput("Chaises", Decimal("1"), Decimal("100"), Decimal("20")),
            LineInput("Livraison", Decimal("1"), Decimal("50"), Decimal("20")),
        ],
    )
    line_b = invoice.lines[1]
    token = links.create(customer, now=NOW, days=30, actor=Actor.system())
    db.session.commit()

    page = page_factory(viewport=PHONE)
    page.goto(f"{live_server}/p/{token}")
    page.wait_for_url(re.compile(r"/account$"))
    page.goto(f"{live_server}/account/invoices/{invoice.id}")
    page.locator(f'a[href="/account/invoices/{invoice.id}/dispute"]').click()
    page.wait_for_url(re.compile(r"/dispute$"))
    page.locator(f"#line-{line_b.id}").check()
    page.locator(f"#amount-{line_b.id}").fill("45,00")
    page.locator("#reason-damaged").check()
    page.locator("#comment").fill("Carton abîmé à la livraison")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    screenshot(page, "debtor-dispute-form-phone")
    page.locator("form.dispute-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/account/disputes/\d+$"))
    dispute = db.session.query(Dispute).one()
    assert dispute.amount_cents == 4500
    screenshot(page, "debtor-dispute-done-phone")

    page.goto(f"{live_server}/account/invoices/{invoice.id}")
    text = page.locator("main").inner_text().replace("\u202f", " ").replace("\u00a0", " ")
    assert "45,00 €" in text and "135,00 €" in text
    page.locator("button.pay-button").click()
    page.wait_for_url(re.compile(r"/account/pay$"))
    pay_text = page.locator("main").inner_text().replace("\u202f", " ").replace("\u00a0", " ")
    assert "135,00 €" in pay_text
    assert db.session.query(TransferReference).one().amount_cents == 13500
    screenshot(page, "debtor-dispute-pay-rest-phone")
