"""The debtor's PDF downloads: their own invoices and statement, nobody else's."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from portal import clock

from ..factories import days_ago, make_customer, make_invoice


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_own_invoice_as_pdf_in_the_customers_language(debtor_client):
    customer = make_customer(name="Société Générale — Café Lumière", language="en")
    invoice = make_invoice(
        customer, number="F-0101", amount="1000.00", issue_date=days_ago(40), due_date=days_ago(10)
    )
    client = debtor_client(customer)

    response = client.get(f"/account/invoices/{invoice.id}.pdf", headers={"Accept-Language": "fr"})

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "inline; filename=invoice-F-0101.pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data.startswith(b"%PDF-")
    text = pdf_text(response.data)
    assert "Invoice F-0101" in text and "Société Générale — Café Lumière" in text
    assert "Total including tax €1,200.00" in text


def test_another_customers_invoice_or_an_unknown_one_is_not_found(debtor_client):
    customer = make_customer()
    make_invoice(customer)
    theirs = make_invoice(make_customer(), number="F-THEIRS")
    client = debtor_client(customer)

    assert client.get(f"/account/invoices/{theirs.id}.pdf").status_code == 404
    assert client.get("/account/invoices/999999.pdf").status_code == 404


def test_statement_lists_only_this_customers_invoices(debtor_client):
    customer = make_customer(language="fr")
    mine = make_invoice(
        customer, number="F-MINE", amount="100.00", issue_date=days_ago(40), due_date=days_ago(10)
    )
    make_invoice(make_customer(), number="F-THEIRS")
    client = debtor_client(customer)

    response = client.get("/account/statement.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    day = clock.today().isoformat()
    assert (
        response.headers["Content-Disposition"]
        == f"inline; filename=releve-{customer.ref}-{day}.pdf"
    )
    text = pdf_text(response.data)
    assert mine.number in text and "120,00 €" in text
    assert "F-THEIRS" not in text


def test_without_a_session_the_debtor_is_sent_to_the_link_page(client, owner):
    invoice = make_invoice(make_customer())

    for url in (f"/account/invoices/{invoice.id}.pdf", "/account/statement.pdf"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/link?reason=" in response.location


def test_pages_link_to_the_pdfs(debtor_client):
    customer = make_customer(language="en")
    invoice = make_invoice(customer)
    client = debtor_client(customer)

    account = client.get("/account").get_data(as_text=True)
    page = client.get(f"/account/invoices/{invoice.id}").get_data(as_text=True)

    assert 'href="/account/statement.pdf"' in account and "Statement of account (PDF)" in account
    assert (
        f'href="/account/invoices/{invoice.id}.pdf"' in page
        and "Download the invoice (PDF)" in page
    )
