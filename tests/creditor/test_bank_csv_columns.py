"""A bank CSV export with columns the portal does not know: asked once, then remembered."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import BankAccount, BankCsvMapping, BankEntry, Organisation

from ..factories import make_customer, make_invoice
from ..services.reconciliation.csv_builder import the_rows, unusual_csv

LABEL = "Intitulé de l'opération"


@pytest.fixture
def book(logged_in, client):
    with client.session_transaction() as session:
        session["lang"] = "en"
    garage = make_customer(name="Garage Müller")
    return make_invoice(garage, amount="200.00", number="FA-2026-0201")


def upload(client, data: bytes):
    return client.post(
        "/bank/import/preview",
        data={"file": (io.BytesIO(data), "export.csv")},
        content_type="multipart/form-data",
    )


def hidden(response, name: str) -> str:
    html = response.get_data(as_text=True)
    return unescape(re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html).group(1))


def choose(client, asked, **columns):
    data = {"token": hidden(asked, "token"), "filename": hidden(asked, "filename")}
    roles = ("date", "label", "amount", "debit", "credit", "value_date", "reference")
    data.update({role: "" for role in roles})
    data.update(columns)
    return client.post("/bank/import/columns", data=data)


def figure(html: str, title: str) -> int:
    return int(re.search(rf"<h2>{title}</h2><p class=\"amount\">(\d+)</p>", html).group(1))


def remembered() -> int:
    return db.session.scalar(select(func.count()).select_from(BankCsvMapping))


def test_unknown_columns_ask_which_holds_what(client, book):
    response = upload(client, unusual_csv(*the_rows()))
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Which column holds what?" in html and 'id="csv-columns"' in html
    for name in ("Jour", "Intitulé de l&#39;opération", "Somme"):
        assert f'<option value="{name}">{name}</option>' in html
    assert remembered() == 0


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"label": LABEL, "amount": "Somme"}, "Choose the column that holds the date."),
        ({"date": "Jour", "amount": "Somme"}, "Choose the column that holds the label."),
        (
            {"date": "Jour", "label": LABEL, "debit": "Somme"},
            "Choose the amount column, or both the debit and the credit columns.",
        ),
        (
            {"date": "Jour", "label": "Somme", "amount": "Somme"},
            "The column &#34;Somme&#34; is chosen more than once",
        ),
    ],
)
def test_an_incomplete_choice_says_what_is_missing_and_saves_nothing(
    client, book, columns, message
):
    asked = upload(client, unusual_csv(*the_rows()))
    response = choose(client, asked, **columns)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert 'id="csv-columns"' in response.get_data(as_text=True)
    assert remembered() == 0


def test_a_column_chosen_for_the_wrong_role_lists_the_rows_it_cannot_read(client, book):
    asked = upload(client, unusual_csv(*the_rows()))
    response = choose(client, asked, date=LABEL, label="Jour", amount="Somme")

    assert response.status_code == 422
    assert "line 2: &#34;VIR SEPA GARAGE MULLER" in response.get_data(as_text=True)
    assert remembered() == 0


def test_the_columns_chosen_preview_then_import_and_the_next_file_previews_directly(client, book):
    asked = upload(client, unusual_csv(*the_rows()))
    preview = choose(client, asked, date="Jour", label=LABEL, amount="Somme")
    html = preview.get_data(as_text=True)

    assert preview.status_code == 200, html[:2000]
    assert "3 entries read." in html
    assert (figure(html, "Matched"), figure(html, "Unmatched"), figure(html, "Ignored")) == (
        1,
        1,
        1,
    )
    assert remembered() == 1
    assert db.session.scalar(select(func.count()).select_from(BankEntry)) == 0

    confirmed = client.post(
        "/bank/import/confirm",
        data={"token": hidden(preview, "token"), "filename": "export.csv", "add_accounts": ""},
    )
    assert confirmed.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(BankEntry)) == 3

    later = [("22/11/2026", "VIR SEPA DIVERS", "12,50"), *the_rows()]
    again = upload(client, unusual_csv(*later))
    html = again.get_data(as_text=True)
    assert again.status_code == 200
    assert "4 entries read." in html and figure(html, "Already imported") == 3
    assert 'id="csv-columns"' not in html


def test_the_first_statement_of_an_account_named_above_the_header_imports(client, book):
    db.session.scalar(select(Organisation)).iban = ""
    db.session.commit()
    data = b"Compte courant;FR76 3000 6000 0112 3456 7890 189\r\n\r\n" + unusual_csv(*the_rows())
    asked = choose(client, upload(client, data), date="Jour", label=LABEL, amount="Somme")
    assert asked.status_code == 200
    assert "Add the account and import" in asked.get_data(as_text=True)
    names = ("token", "filename", "add_accounts", "columns")
    fields = {name: hidden(asked, name) for name in names}
    confirmed = client.post("/bank/import/confirm", data=fields)
    assert confirmed.status_code == 303
    assert db.session.scalars(select(BankAccount.iban)).all() == ["FR7630006000011234567890189"]
    assert db.session.scalar(select(func.count()).select_from(BankEntry)) == 3
    assert remembered() == 1


def test_columns_tampered_with_in_the_confirmation_are_refused(client, book):
    asked = upload(client, unusual_csv(*the_rows()))
    preview = choose(client, asked, date="Jour", label=LABEL, amount="Somme")
    fields = {"token": hidden(preview, "token"), "filename": "export.csv", "add_accounts": ""}
    tampered = client.post("/bank/import/confirm", data={**fields, "columns": '{"date": "Jour"}'})
    assert tampered.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(BankEntry)) == 0
