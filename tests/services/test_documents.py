"""The invoice and statement PDFs, read back as a person's PDF reader would (text extraction)."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from portal.extensions import db
from portal.models import CreditNote, PaymentMethod, PenaltyRateBasis
from portal.services.audit import Actor
from portal.services.documents import document_text, invoice_document, statement_document
from portal.services.payments import invoicing, ledger

from ..conftest import NOW, TODAY
from ..factories import days_ago, make_customer, make_invoice, make_organisation

CAFE = "Société Générale — Café Lumière"


def pdf_text(pdf: bytes) -> str:
    """All pages' text with every run of whitespace (nbsp, narrow nbsp, newline) as one space."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


@pytest.fixture
def org(app):
    return make_organisation(
        trade_name="Atelier Dupont",
        siret="12345678900012",
        vat_number="FR32123456789",
        penalty_rate_basis=PenaltyRateBasis.ECB_MARGIN,
        penalty_margin_bp=1200,
        recovery_indemnity_cents=4000,
        policy_notes="Retention of title until full payment.",
    )


def cafe_invoice(language: str = "fr", **kw):
    customer = make_customer(
        name=CAFE,
        language=language,
        address="4 place de l’Église",
        postcode="75011",
        city="Paris",
        siren="987654321",
    )
    invoice = invoicing.create_invoice(
        customer,
        number="F-2026-0042",
        issue_date=date(2026, 10, 1),
        due_date=date(2026, 10, 31),
        lines=[
            invoicing.LineInput("Cafés serrés", Decimal("3"), Decimal("0.335"), Decimal("20")),
            invoicing.LineInput("Croissants", Decimal("2.5"), Decimal("19.99"), Decimal("5.5")),
        ],
        actor=Actor.system(),
        now=NOW,
        **kw,
    )
    db.session.commit()
    return invoice


def test_invoice_in_french_has_exact_amounts_and_identities(org):
    invoice = cafe_invoice("fr")

    text = pdf_text(invoice_document.invoice_pdf(org, invoice, today=TODAY, now=NOW))

    assert "Facture F-2026-0042" in text
    assert (
        CAFE in text and "4 place de l’Église 75011 Paris" in text and "SIREN 987 654 321" in text
    )
    # Each line: quantity, unit price at full precision, VAT rate, net rounded half up.
    assert "Cafés serrés 3 0,335 € 20 % 1,01 €" in text
    assert "Croissants 2,5 19,99 € 5,5 % 49,98 €" in text
    # VAT per rate, then the totals.
    assert "5,5 % 49,98 € 2,75 €" in text and "20 % 1,01 € 0,20 €" in text
    assert "Total HT 50,99 € TVA 2,95 € Total TTC 53,94 €" in text
    assert "Reste dû au 23 nov. 2026 53,94 €" in text
    # The creditor: identity, registration, contact, bank details and policy.
    for fact in (
        "Atelier Dupont SARL",
        "12 rue des Lilas",
        "69003 Lyon",
        "SIREN 123 456 789",
        "SIRET 123 456 789 00012",
        "FR32123456789",
        "compta@atelier-dupont.fr",
        "+33 4 72 00 00 00",
        "FR76 3000 6000 0112 3456 7890 189",
        "AGRIFRPP",
        "1 octobre 2026",
        "31 octobre 2026",
        "12 points",
        "40,00 €",
        "L441-10",
        "D441-5",
        "Retention of title until full payment.",
    ):
        assert fact in text, fact


def test_french_amounts_keep_babels_narrow_spaces(org):
    """The font has U+202F, so the thousands separator is the one Babel wrote.

    (ReportLab writes the no-break space before € as the space glyph: it looks the same.)
    """
    invoice = make_invoice(make_customer(language="fr"), amount="1234.56", tax_rate="0")

    raw = (
        PdfReader(io.BytesIO(invoice_document.invoice_pdf(org, invoice, today=TODAY, now=NOW)))
        .pages[0]
        .extract_text()
    )

    assert "1\u202f234,56 €" in raw


def test_invoice_in_english(org):
    invoice = cafe_invoice("en")

    text = pdf_text(invoice_document.invoice_pdf(org, invoice, today=TODAY, now=NOW))

    assert "Invoice F-2026-0042" in text and CAFE in text
    assert "Cafés serrés 3 €0.335 20% €1.01" in text
    assert "Croissants 2.5 €19.99 5.5% €49.98" in text
    assert "Total excluding tax €50.99 VAT €2.95 Total including tax €53.94" in text
    assert "Still due on Nov 23, 2026 €53.94" in text
    assert "Issue date: October 1, 2026" in text and "Due date: October 31, 2026" in text
    assert "Late-payment penalties at the ECB rate + 12 points" in text
    assert "Payment due by October 31, 2026. No discount for early payment." in text
    assert "fixed €40.00 recovery indemnity (Code de commerce art. L441-10 and D441-5)" in text
    assert "Facture" not in text


def test_part_paid_invoice_shows_payments_credit_notes_and_what_is_left(org):
    invoice = cafe_invoice("en")
    ledger.record_payment(
        invoice,
        amount_cents=2000,
        paid_on=date(2026, 11, 2),
        method=PaymentMethod.TRANSFER,
        reference="VIR 88121",
        actor=Actor.system(),
        now=NOW,
    )
    db.session.add(
        CreditNote(
            number="AV-7",
            customer_id=invoice.customer_id,
            invoice_id=invoice.id,
            date=date(2026, 11, 5),
            amount_cents=394,
            reason="Broken cup",
            created_at=NOW,
        )
    )
    ledger.refresh_balance(invoice)
    db.session.commit()

    text = pdf_text(invoice_document.invoice_pdf(org, invoice, today=TODAY, now=NOW))

    assert "Total including tax €53.94 Payments received -€20.00 Credit notes -€3.94" in text
    assert "Still due on Nov 23, 2026 €30.00" in text
    assert "Nov 2, 2026 Bank transfer — VIR 88121 €20.00" in text
    assert "Nov 5, 2026 Credit note AV-7 — Broken cup €3.94" in text
    assert "Please pay €30.00 by bank transfer, quoting the reference F-2026-0042." in text


def test_paid_invoice_says_so_and_asks_for_nothing(org):
    invoice = cafe_invoice("en")
    ledger.record_payment(
        invoice,
        amount_cents=invoice.total_cents,
        paid_on=date(2026, 10, 20),
        method=PaymentMethod.CHEQUE,
        reference="",
        actor=Actor.system(),
        now=NOW,
    )
    db.session.commit()

    text = pdf_text(invoice_document.invoice_pdf(org, invoice, today=TODAY, now=NOW))

    assert "Paid on October 20, 2026" in text
    assert "Still due on Nov 23, 2026 €0.00" in text
    assert "Please pay" not in text


def test_statement_lists_open_invoices_totals_and_last_payments(org):
    customer = make_customer(name=CAFE, language="en")
    late = make_invoice(
        customer, number="F-LATE", amount="100.00", issue_date=days_ago(40), due_date=days_ago(10)
    )
    make_invoice(
        customer, number="F-TODAY", amount="50.00", issue_date=days_ago(30), due_date=TODAY
    )
    make_invoice(
        customer,
        number="F-LATER",
        amount="10.00",
        issue_date=days_ago(5),
        due_date=TODAY + timedelta(days=25),
    )
    paid = make_invoice(
        customer, number="F-PAID", amount="30.00", issue_date=days_ago(60), due_date=days_ago(30)
    )
    ledger.record_payment(
        paid,
        amount_cents=paid.total_cents,
        paid_on=days_ago(20),
        method=PaymentMethod.CARD,
        reference="ch_123",
        actor=Actor.system(),
        now=NOW,
    )
    ledger.record_payment(
        late,
        amount_cents=2000,
        paid_on=days_ago(3),
        method=PaymentMethod.TRANSFER,
        reference="VIR PART",
        actor=Actor.system(),
        now=NOW,
    )
    someone_else = make_invoice(make_customer(), number="F-OTHER", amount="999.00")
    db.session.commit()

    text = pdf_text(statement_document.statement_pdf(org, customer, today=TODAY, now=NOW))

    assert "Statement of account" in text and "Date: November 23, 2026" in text and CAFE in text
    assert "F-LATE Oct 14, 2026 Nov 13, 2026 €120.00 €100.00 10" in text
    assert "F-TODAY Oct 24, 2026 Nov 23, 2026 €60.00 €60.00 —" in text
    assert "F-LATER Nov 18, 2026 Dec 18, 2026 €12.00 €12.00 —" in text
    assert text.index("F-LATE") < text.index("F-TODAY") < text.index("F-LATER")
    assert "Amount due now €160.00 Not yet due €12.00 Total outstanding €172.00" in text
    assert "Nov 20, 2026 Bank transfer VIR PART €20.00" in text
    assert "Nov 3, 2026 Card ch_123 €36.00" in text
    assert "F-PAID" not in text and someone_else.number not in text
    assert "Please pay €160.00 by bank transfer" in text
    assert "Late-payment penalties at the ECB rate + 12 points" in text
    assert "Payment due by" not in text  # a statement has no due date of its own


def test_statement_of_an_account_up_to_date(org):
    customer = make_customer(language="en")

    text = pdf_text(statement_document.statement_pdf(org, customer, today=TODAY, now=NOW))

    assert "No open invoice: the account is up to date." in text
    assert "Please pay" not in text and "Last payments received" not in text


def test_pdf_is_deterministic_and_dated_from_now(org):
    invoice = cafe_invoice("fr")

    first = invoice_document.invoice_pdf(org, invoice, today=TODAY, now=NOW)
    again = invoice_document.invoice_pdf(org, invoice, today=TODAY, now=NOW)
    later = invoice_document.invoice_pdf(org, invoice, today=TODAY, now=NOW + timedelta(hours=1))

    assert first == again and first != later
    info = PdfReader(io.BytesIO(first)).metadata
    assert info["/CreationDate"] == "D:20261123090000+00'00'"
    assert info["/Title"] == f"Facture F-2026-0042 — {CAFE}"
    assert info["/Author"] == "Atelier Dupont SARL"


def test_long_invoice_runs_over_pages_with_numbered_footers(org):
    lines = [
        invoicing.LineInput(f"Item {n}", Decimal("1"), Decimal("10"), Decimal("20"))
        for n in range(70)
    ]
    invoice = make_invoice(make_customer(language="en"), number="F-LONG", lines=lines)

    reader = PdfReader(io.BytesIO(invoice_document.invoice_pdf(org, invoice, today=TODAY, now=NOW)))

    pages = [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"Invoice F-LONG · Page {number} of {len(pages)}" in page
    assert "Description" in pages[1]  # the header row is repeated
    assert "Total including tax €840.00" in " ".join(pages)


def test_markup_in_data_is_printed_as_text(org):
    customer = make_customer(name="Dupont & Fils <b>SA</b>", language="en")
    invoice = make_invoice(
        customer,
        lines=[invoicing.LineInput("Ø 5 < 6 & more", Decimal("1"), Decimal("1"), Decimal("20"))],
    )

    text = pdf_text(invoice_document.invoice_pdf(org, invoice, today=TODAY, now=NOW))

    assert "Dupont & Fils <b>SA</b>" in text and "Ø 5 < 6 & more" in text


def test_language_falls_back_to_the_creditors(org):
    customer = make_customer(language="de")
    invoice = make_invoice(customer)

    assert document_text.document_language(org, customer) == "fr"
    assert "Facture" in pdf_text(invoice_document.invoice_pdf(org, invoice, today=TODAY, now=NOW))


def test_filenames_are_safe_and_in_the_customers_language(org):
    invoice = make_invoice(make_customer(language="en", ref="ACME 1"), number="F 2026/77")

    assert invoice_document.invoice_filename(org, invoice) == "invoice-F-2026-77.pdf"
    assert (
        statement_document.statement_filename(org, invoice.customer, TODAY)
        == "statement-ACME-1-2026-11-23.pdf"
    )


def test_a_consumer_reads_no_business_wording_and_a_waiver_removes_the_terms(org):
    customer = make_customer(kind="consumer", language="en")
    invoice = make_invoice(customer, amount="100.00")
    text = pdf_text(invoice_document.invoice_pdf(org, invoice, today=TODAY, now=NOW))
    assert "interest at the legal rate (Code civil art. 1231-6)" in text
    assert "ECB" not in text and "L441-10" not in text and "indemnity" not in text
    org.charge_penalties = False
    business = make_invoice(make_customer(language="en"), amount="100.00")
    text = pdf_text(invoice_document.invoice_pdf(org, business, today=TODAY, now=NOW))
    assert "ECB" not in text and "indemnity" not in text and "Late-payment" not in text
