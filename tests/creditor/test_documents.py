"""The creditor's copies of the invoice and statement PDFs."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from ..factories import days_ago, make_customer, make_invoice


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_pdfs_require_login(client, owner):
    customer = make_customer()
    invoice = make_invoice(customer)

    for url in (f"/invoices/{invoice.id}.pdf", f"/customers/{customer.id}/statement.pdf"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.location


def test_invoice_pdf_is_in_the_customers_language(client, logged_in):
    customer = make_customer(name="Café Lumière", language="fr")
    invoice = make_invoice(customer, number="F-0202", amount="1000.00")

    response = client.get(f"/invoices/{invoice.id}.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "inline; filename=facture-F-0202.pdf"
    assert response.headers["Cache-Control"] == "no-store"
    text = pdf_text(response.data)
    assert "Facture F-0202" in text and "Total TTC 1 200,00 €" in text


def test_statement_pdf(client, logged_in):
    customer = make_customer(language="en")
    invoice = make_invoice(
        customer, number="F-0303", amount="10.00", issue_date=days_ago(40), due_date=days_ago(10)
    )

    response = client.get(f"/customers/{customer.id}/statement.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert f"{invoice.number} " in text and "Amount due now €12.00" in text


def test_unknown_ids_are_not_found(client, logged_in):
    assert client.get("/invoices/999999.pdf").status_code == 404
    assert client.get("/customers/999999/statement.pdf").status_code == 404


def test_pages_link_to_the_pdfs(client, logged_in):
    customer = make_customer()
    invoice = make_invoice(customer)

    invoice_page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    customer_page = client.get(f"/customers/{customer.id}").get_data(as_text=True)

    assert f'href="/invoices/{invoice.id}.pdf"' in invoice_page
    assert f'href="/customers/{customer.id}/statement.pdf"' in customer_page
