"""The formal notice letter of one invoice, downloaded from the dashboard to post."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from ..conftest import TODAY
from ..factories import enter_rates, make_customer, make_invoice

EN = {"Accept-Language": "en"}


def test_download_requires_login(client, owner):
    invoice = make_invoice(make_customer(), due_date=date(2026, 10, 1))
    response = client.get(f"/invoices/{invoice.id}/formal-notice.pdf")
    assert response.status_code == 302 and "/login" in response.location


def test_the_letter_of_an_overdue_invoice(client, logged_in, app):
    app.config["TODAY"] = TODAY
    enter_rates()
    customer = make_customer(name="Café Noël", ref="C-NOEL", language="fr")
    invoice = make_invoice(customer, amount="100.00", due_date=date(2026, 10, 1))
    page = client.get(f"/invoices/{invoice.id}", headers=EN).get_data(as_text=True)
    assert f"/invoices/{invoice.id}/formal-notice.pdf" in page

    response = client.get(f"/invoices/{invoice.id}/formal-notice.pdf", headers=EN)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "mise-en-demeure-C-NOEL-2026-11-23.pdf" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.data)).pages
    )
    # The customer's language, not the viewer's; the link page where a fresh link is asked for.
    assert "Mise en demeure de payer" in text and "Café Noël" in text and invoice.number in text
    assert "le 1er décembre 2026" in text
    assert "https://portal.example.test/link?reason=missing" in text


def test_no_letter_for_an_invoice_not_yet_due(client, logged_in, app):
    app.config["TODAY"] = TODAY
    invoice = make_invoice(make_customer(), due_date=date(2026, 12, 20))
    page = client.get(f"/invoices/{invoice.id}", headers=EN).get_data(as_text=True)
    assert "formal-notice.pdf" not in page
    response = client.get(f"/invoices/{invoice.id}/formal-notice.pdf", headers=EN)
    assert response.status_code == 303
    assert response.location.endswith(f"/invoices/{invoice.id}")
    follow = client.get(response.location, headers=EN).get_data(as_text=True)
    assert "Nothing overdue is left to claim on these invoices." in follow


def test_no_letter_while_a_half_year_rate_is_missing(client, logged_in, app):
    app.config["TODAY"] = TODAY
    invoice = make_invoice(make_customer(), due_date=date(2026, 10, 1))
    response = client.get(f"/invoices/{invoice.id}/formal-notice.pdf", headers=EN)
    assert response.status_code == 303
    follow = client.get(response.location, headers=EN).get_data(as_text=True)
    assert "Enter the reference rates of every half-year first" in follow


def test_unknown_invoice(client, logged_in):
    assert client.get("/invoices/999/formal-notice.pdf").status_code == 404
