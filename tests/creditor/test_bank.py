"""Bank statements from the dashboard, and the reconciliation inbox, through the test client."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    BankAccount,
    BankEntry,
    BankImport,
    EntryStatus,
    InvoiceStatus,
    Organisation,
)
from portal.services.audit import Actor
from portal.services.reconciliation import statement_import

from ..conftest import NOW
from ..factories import make_customer, make_invoice
from ..services.reconciliation.camt_builder import Line, statement
from ..services.test_money_paths import assert_balances_hold

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/bank"}
OTHER_ACCOUNT = "FR7610107001011234567890129"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"


@pytest.fixture
def book(logged_in, english):
    """Three customers with open invoices (totals include 20 % VAT)."""
    garage = make_customer(name="Garage Müller")
    durand = make_customer(name="Menuiserie Durand")
    martin = make_customer(name="Atelier Martin")
    return {
        "garage": garage,
        "durand": durand,
        "martin": martin,
        "g1": make_invoice(garage, amount="200.00", number="FA-2026-0201"),
        "d1": make_invoice(durand, amount="80.00", number="FA-2026-0301"),
        "m1": make_invoice(martin, amount="300.00", number="FA-2026-0401"),
    }


def the_statement(account: str | None = None) -> bytes:
    lines = [
        Line(24000, "E1", ustrd=["Reglement FA-2026-0201"], name="GARAGE MULLER"),
        Line(9600, "E2", ustrd=["VIREMENT"], name="SARL MENUISERIE DURAND"),
        Line(4321, "E3", ustrd=["ACOMPTE CHANTIER"], name="SCI DES TILLEULS"),
        Line(900, "E4", credit=False, kind="fee", ustrd=["FRAIS TENUE DE COMPTE"]),
    ]
    return statement(lines, account=account) if account else statement(lines)


def upload(client, data: bytes, name: str = "releve.xml"):
    return client.post(
        "/bank/import/preview",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def confirm_fields(response) -> dict[str, str]:
    html = response.get_data(as_text=True)
    return {
        name: re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html).group(1)
        for name in ("token", "filename", "add_accounts")
    }


def figure(html: str, title: str) -> int:
    return int(re.search(rf"<h2>{title}</h2><p class=\"amount\">(\d+)</p>", html).group(1))


def entry(ref: str) -> BankEntry:
    return db.session.scalars(select(BankEntry).where(BankEntry.bank_reference == ref)).one()


@pytest.fixture
def imported(book):
    statement_import.import_statement(
        the_statement(), filename="releve.xml", actor=Actor.cli(), now=NOW
    )
    db.session.commit()
    return book


def test_the_preview_shows_what_the_statement_would_do_and_writes_nothing(client, book):
    response = upload(client, the_statement())
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "4 entries read." in html
    assert [figure(html, t) for t in ("Matched", "To review", "Unmatched", "Ignored")] == [
        1,
        1,
        1,
        1,
    ]
    assert figure(html, "Already imported") == 0
    assert count(BankEntry) == count(BankImport) == 0
    db.session.refresh(book["g1"])
    assert book["g1"].status is InvoiceStatus.OPEN


def test_confirming_imports_and_opens_the_inbox(client, book):
    fields = confirm_fields(upload(client, the_statement()))
    response = client.post("/bank/import/confirm", data=fields)
    assert response.status_code == 303 and response.location.endswith("/bank")
    assert count(BankEntry) == 4 and count(BankImport) == 1
    db.session.refresh(book["g1"])
    assert book["g1"].status is InvoiceStatus.PAID
    inbox_page = client.get("/bank").get_data(as_text=True)
    assert "Statement imported: 1 matched, 1 to review, 1 unmatched" in inbox_page
    assert "SCI DES TILLEULS" in inbox_page and "ACOMPTE CHANTIER" in inbox_page
    assert_balances_hold()


def test_a_malformed_file_lists_its_problems_and_writes_nothing(client, book):
    broken = the_statement().replace(b'<Amt Ccy="EUR">43.21', b'<Amt Ccy="EUR">4x3')
    response = upload(client, broken)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This file cannot be imported" in html
    assert re.search(r"<li>entry 3: [^<]+</li>", html), html
    assert count(BankEntry) == count(BankImport) == 0


def test_a_statement_of_another_account_is_refused_with_its_number(client, book):
    response = upload(client, the_statement(account=OTHER_ACCOUNT))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "FR76 1010 7001 0112 3456 7890 129" in html
    assert "not one of your accounts" in html
    assert 'name="token"' not in html
    assert count(BankEntry) == count(BankImport) == count(BankAccount) == 0


def test_the_first_statement_adds_its_account_and_imports(client, book):
    db.session.scalar(select(Organisation)).iban = ""
    db.session.commit()
    preview = upload(client, the_statement())
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "No bank account is set up yet" in html and "Add the account and import" in html
    assert count(BankAccount) == 0
    fields = confirm_fields(preview)
    assert fields["add_accounts"] == "1"
    response = client.post("/bank/import/confirm", data=fields)
    assert response.status_code == 303
    assert db.session.scalars(select(BankAccount.iban)).all() == ["FR7630006000011234567890189"]
    assert count(BankEntry) == 4


def test_the_inbox_lists_suggestions_first_and_home_counts_them(client, imported):
    html = client.get("/bank").get_data(as_text=True)
    assert "2 credits to place" in html
    assert html.index("SARL MENUISERIE DURAND") < html.index("SCI DES TILLEULS")
    assert "Suggested: Menuiserie Durand" in html and "FA-2026-0301" in html
    assert "2 bank entries to review" in client.get("/").get_data(as_text=True)


def test_accepting_a_suggestion_records_the_payment(client, imported):
    e2 = entry("E2")
    response = client.post(f"/bank/entries/{e2.id}/accept")
    assert response.status_code == 303 and response.location.endswith("/bank")
    db.session.refresh(e2)
    db.session.refresh(imported["d1"])
    assert e2.status is EntryStatus.MATCHED and e2.payment_id
    assert imported["d1"].status is InvoiceStatus.PAID
    assert "recorded for Menuiserie Durand" in client.get("/bank").get_data(as_text=True)
    assert_balances_hold()


def test_assigning_a_credit_by_hand_pays_part_of_the_ticked_invoice(client, imported):
    e3, m1 = entry("E3"), imported["m1"]
    response = client.post(
        f"/bank/entries/{e3.id}/assign",
        data={"customer_id": imported["martin"].id, "invoice_id": [m1.id]},
    )
    assert response.status_code == 303
    db.session.refresh(e3)
    db.session.refresh(m1)
    assert (e3.status, e3.customer_id) == (EntryStatus.MATCHED, imported["martin"].id)
    assert m1.outstanding_cents == 36000 - 4321 and m1.status is InvoiceStatus.OPEN
    assert_balances_hold()


def test_another_customers_invoice_cannot_be_assigned(client, imported):
    e3, g1 = entry("E3"), imported["g1"]
    durand_invoice = imported["d1"]
    response = client.post(
        f"/bank/entries/{e3.id}/assign",
        data={"customer_id": imported["martin"].id, "invoice_id": [durand_invoice.id]},
    )
    assert response.status_code == 422
    assert "Choose open invoices of this customer" in response.get_data(as_text=True)
    db.session.refresh(e3)
    db.session.refresh(durand_invoice)
    assert e3.status is EntryStatus.UNMATCHED and e3.payment_id is None
    assert durand_invoice.outstanding_cents == 9600 and g1.status is InvoiceStatus.PAID


def test_not_a_customer_payment_then_undo_puts_it_back(client, imported):
    e3 = entry("E3")
    assert client.post(f"/bank/entries/{e3.id}/not-customer").status_code == 303
    db.session.refresh(e3)
    assert e3.status is EntryStatus.NOT_CUSTOMER
    assert "1 credit to place" in client.get("/bank").get_data(as_text=True)
    assert client.post(f"/bank/entries/{e3.id}/undo").status_code == 303
    db.session.refresh(e3)
    assert e3.status is EntryStatus.UNMATCHED


def test_undoing_a_match_reverses_the_payment(client, imported):
    e1, g1 = entry("E1"), imported["g1"]
    assert client.post(f"/bank/entries/{e1.id}/undo").status_code == 303
    db.session.refresh(e1)
    db.session.refresh(g1)
    assert e1.status in (EntryStatus.UNMATCHED, EntryStatus.TO_REVIEW)
    assert g1.status is InvoiceStatus.OPEN and g1.outstanding_cents == 24000
    assert_balances_hold()


def test_a_refused_decision_is_a_422_with_the_reason(client, imported):
    e3 = entry("E3")
    response = client.post(f"/bank/entries/{e3.id}/accept")
    assert response.status_code == 422
    assert "There is no suggestion to accept" in response.get_data(as_text=True)
    db.session.refresh(e3)
    assert e3.status is EntryStatus.UNMATCHED


def test_the_customer_picker_is_a_fragment_for_htmx(client, imported):
    e2 = entry("E2")
    response = client.get(f"/bank/entries/{e2.id}/assign?q=Durand", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<div id="assign-{e2.id}"')
    assert "<!doctype" not in html.lower()
    assert "HX-Request" in response.headers.get("Vary", "")
    # the only customer found is chosen, and the invoice of exactly the amount is ticked
    assert re.search(rf'value="{imported["d1"].id}" checked', html)


def test_the_customer_picker_is_a_page_without_javascript(client, imported):
    e3 = entry("E3")
    response = client.get(f"/bank/entries/{e3.id}/assign?q=a")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lower().startswith("<!doctype")
    assert "Atelier Martin" in html and "Garage Müller" in html
    assert "HX-Request" in response.headers.get("Vary", "")


def parts_of(credit: BankEntry) -> list[BankEntry]:
    return list(
        db.session.scalars(
            select(BankEntry)
            .where(BankEntry.identity.startswith(f"{credit.identity}#"))
            .order_by(BankEntry.identity)
        )
    )


def test_a_credit_is_split_with_french_amounts_and_its_parts_wait(client, imported):
    e3 = entry("E3")
    response = client.post(f"/bank/entries/{e3.id}/split", data={"part": ["30,00", "13,21", ""]})
    assert response.status_code == 303 and response.location.endswith("/bank")
    db.session.refresh(e3)
    assert e3.status is EntryStatus.SPLIT
    assert [p.amount_cents for p in parts_of(e3)] == [3000, 1321]
    html = client.get("/bank").get_data(as_text=True)
    assert "€43.21 from SCI DES TILLEULS split into 2 parts" in html
    assert html.count("Part of a transfer of €43.21 from SCI DES TILLEULS") == 2
    assert "Split into parts, placed one by one" in html
    assert "3 credits to place" in html


def test_each_part_is_assigned_to_another_customer(client, imported):
    e3 = entry("E3")
    client.post(f"/bank/entries/{e3.id}/split", data={"part": ["30.00", "13.21"]})
    first, second = parts_of(e3)
    for part, who, invoice in ((first, "martin", "m1"), (second, "durand", "d1")):
        response = client.post(
            f"/bank/entries/{part.id}/assign",
            data={"customer_id": imported[who].id, "invoice_id": [imported[invoice].id]},
        )
        assert response.status_code == 303
    db.session.refresh(imported["m1"])
    db.session.refresh(imported["d1"])
    assert imported["m1"].outstanding_cents == 36000 - 3000
    assert imported["d1"].outstanding_cents == 9600 - 1321
    assert_balances_hold()


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (["30,00", "13,00"], "The parts must add up exactly"),
        (["43,21", ""], "Split the credit into at least two parts."),
        (["43,21", "0"], "The amount must be greater than zero."),
        (["abc", "13,21"], "Enter the amount, for example 120,50."),
    ],
)
def test_a_wrong_split_is_a_422_and_changes_nothing(client, imported, parts, message):
    e3 = entry("E3")
    response = client.post(f"/bank/entries/{e3.id}/split", data={"part": parts})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'class="flash flash-error"' in html
    assert f'value="{parts[0]}"' in html  # what was typed is kept
    db.session.refresh(e3)
    assert e3.status is EntryStatus.UNMATCHED and parts_of(e3) == []


def test_a_split_is_undone_until_a_part_is_placed(client, imported):
    e3 = entry("E3")
    client.post(f"/bank/entries/{e3.id}/split", data={"part": ["30,00", "13,21"]})
    assert client.post(f"/bank/entries/{e3.id}/undo").status_code == 303
    db.session.refresh(e3)
    assert e3.status is EntryStatus.UNMATCHED and parts_of(e3) == []
    client.post(f"/bank/entries/{e3.id}/split", data={"part": ["30,00", "13,21"]})
    first = parts_of(e3)[0]
    assert client.post(f"/bank/entries/{first.id}/not-customer").status_code == 303
    response = client.post(f"/bank/entries/{e3.id}/undo")
    assert response.status_code == 422
    assert "the split can no longer be undone" in response.get_data(as_text=True)
    db.session.refresh(e3)
    assert e3.status is EntryStatus.SPLIT and len(parts_of(e3)) == 2


def test_the_split_form_is_in_french(client, imported):
    with client.session_transaction() as session:
        session["lang"] = "fr"
    html = client.get("/bank").get_data(as_text=True)
    assert "Répartir" in html
