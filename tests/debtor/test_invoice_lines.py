"""An invoice read on the debtor's side: lines on one basis, prices as printed, outcomes in words."""

from decimal import Decimal

from portal.extensions import db
from portal.services.audit import Actor
from portal.services.disputes import resolution
from portal.services.payments import invoicing
from portal.values.money import format_unit_price

from ..conftest import NOW, TODAY
from ..factories import days_ago, make_customer, make_invoice


def test_unit_prices_keep_at_least_two_decimals():
    assert format_unit_price(Decimal("499.1"), "EUR", "fr") == "499,10\u00a0€"
    assert format_unit_price(Decimal("0.125"), "EUR", "fr") == "0,125\u00a0€"
    assert format_unit_price(Decimal("1234"), "EUR", "en") == "€1,234.00"


def _invoice(customer):
    return make_invoice(
        customer,
        issue_date=days_ago(40),
        due_date=days_ago(10),
        lines=[
            invoicing.LineInput("Chaises", Decimal("3"), Decimal("499.1"), Decimal("20")),
            invoicing.LineInput("Livraison", Decimal("1"), Decimal("500"), Decimal("0")),
        ],
    )


def test_the_invoice_and_the_dispute_form_show_the_same_amounts(app, owner, debtor_client):
    customer = make_customer(language="fr")
    invoice = _invoice(customer)
    client = debtor_client(customer)
    page = client.get(f"/account/invoices/{invoice.id}").get_data(as_text=True)
    assert "3 × 499,10\u00a0€" in page and "499,1\u00a0" not in page
    assert "1\u202f497,30\u00a0€" in page and "1\u202f796,76\u00a0€" in page  # net and with tax
    assert 'class="table-scroll" role="region"' in page and 'tabindex="0"' in page
    form = client.get(f"/account/invoices/{invoice.id}/dispute").get_data(as_text=True)
    assert "3 × 499,10\u00a0€" in form
    assert "1\u202f497,30\u00a0€ HT, 1\u202f796,76\u00a0€ TTC" in form


def test_a_partial_acceptance_says_how_much_of_what(app, owner, debtor_client):
    customer = make_customer(language="fr")
    invoice = _invoice(customer)
    delivery = invoice.lines[1]
    client = debtor_client(customer)
    response = client.post(
        f"/account/invoices/{invoice.id}/dispute",
        data={"line": [str(delivery.id)], "reason": "damaged", "comment": "Abîmé"},
    )
    assert response.status_code == 303
    dispute_id = int(response.location.rstrip("/").split("/")[-1])
    resolution.accept(
        dispute_id,
        accepted_cents=40000,
        answer="Nous reprenons une partie.",
        actor=Actor.system(),
        today=TODAY,
        now=NOW,
        base_url="http://portal.test",
        link_days=30,
    )
    db.session.commit()
    invoice_page = client.get(f"/account/invoices/{invoice.id}").get_data(as_text=True)
    account = client.get("/account").get_data(as_text=True)
    words = "400,00\u00a0€ acceptés sur 500,00\u00a0€"
    assert words in invoice_page and words in account
    assert "acceptée<" not in invoice_page
    done = client.get(response.location).get_data(as_text=True)
    assert "400,00\u00a0€" in done and "500,00\u00a0€" in done and "le reste" in done
