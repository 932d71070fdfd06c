"""Analytics tables as files: French-Excel CSV and XLSX."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook

from ..conftest import TODAY
from ..factories import make_customer, make_invoice


def _speak(client, language: str) -> None:
    with client.session_transaction() as session:
        session["lang"] = language


def _ledger():
    customer = make_customer(name="Société Générale des Eaux")
    make_invoice(customer, amount="1000.50", tax_rate="0", issue_date=TODAY - timedelta(days=40))


def test_trends_csv_is_for_french_excel(client, logged_in):
    _ledger()
    _speak(client, "fr")
    response = client.get("/exports/trends.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.data
    assert body.startswith("\ufeff".encode())
    lines = body.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("Mois;Jours;DSO;Meilleur DSO possible;DBT;CEI %;")
    october = next(line for line in lines if line.startswith("01/10/2026"))
    # October: AR = S = 1 000,50 over 31 days: DSO 31,0; the receivables in euros.
    cells = october.split(";")
    assert cells[1] == "31" and cells[2] == "31,0" and cells[9] == "1000,50"
    november = next(line for line in lines if line.startswith("01/11/2026"))
    assert november.split(";")[2] == "", "undefined (no sales): an empty cell"


def test_risk_xlsx_keeps_numbers_and_names(client, logged_in):
    _ledger()
    _speak(client, "en")
    client.get("/")  # the day's figures
    response = client.get("/exports/risk.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Reference", "Customer", "Risk")
    assert rows[1][1] == "Société Générale des Eaux"
    assert isinstance(rows[1][2], int) and float(rows[1][6]) == 1000.5


def test_forecast_export_and_unknown_tables(client, logged_in):
    _ledger()
    _speak(client, "en")
    csv_text = client.get("/exports/forecast.csv").data.decode("utf-8-sig")
    assert csv_text.splitlines()[1].startswith("Already overdue;;;1000,50;")
    assert client.get("/exports/nothing.csv").status_code == 404
    assert client.get("/exports/trends.pdf").status_code == 404
