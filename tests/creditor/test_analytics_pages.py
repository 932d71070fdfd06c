"""The home page's "to handle today" and figures, and the trends page."""

from __future__ import annotations

from datetime import timedelta

from portal.models import PaymentMethod
from portal.services import notifications
from portal.services.audit import Actor
from portal.services.payments import ledger

from ..conftest import NOW, TODAY
from ..factories import make_customer, make_invoice


def _speak(client, language: str) -> None:
    with client.session_transaction() as session:
        session["lang"] = language


def _late_customer(name: str, amount: str, days_late: int, phone: str = ""):
    customer = make_customer(name=name, phone=phone)
    issued = TODAY - timedelta(days=30 + days_late)
    make_invoice(customer, amount=amount, tax_rate="0", issue_date=issued)
    return customer


def test_home_lists_what_to_handle_weightiest_first_with_one_click_to_decide(client, logged_in):
    _late_customer("Grosse Dette SARL", "9000.00", 45, phone="01 23 45 67 89")
    _late_customer("Petit Retard", "100.00", 5)
    small_task = make_customer(name="Tâche Client")
    notifications.ask_creditor(
        "escalation",
        "Décider pour Tâche Client",
        now=NOW,
        due_date=TODAY,
        customer_id=small_task.id,
        actor=Actor.system(),
    )
    _speak(client, "en")
    page = client.get("/").get_data(as_text=True)
    today = page[page.index('id="today"') : page.index("collection-figures")]
    assert today.index("Grosse Dette SARL") < today.index("Tâche Client")
    assert 'href="tel:0123456789"' in today, "the call is one click away"
    assert "/tasks#task-" in today
    assert "Petit Retard" not in today, "five days late is the reminders' job, not a call"


def test_home_shows_the_figures_with_their_change_and_definitions(client, logged_in):
    customer = make_customer()
    old = make_invoice(
        customer, amount="1000.00", tax_rate="0", issue_date=TODAY - timedelta(days=150)
    )
    make_invoice(customer, amount="500.00", tax_rate="0", issue_date=TODAY - timedelta(days=20))
    ledger.record_payment(
        old,
        amount_cents=50_000,
        paid_on=TODAY - timedelta(days=10),
        method=PaymentMethod.TRANSFER,
        reference="",
        actor=Actor.system(),
        now=NOW,
    )
    _speak(client, "en")
    page = client.get("/").get_data(as_text=True)
    assert "Collection over the last 90 days" in page
    # Now: AR = 500 + 500, S = 500, DSO = 180.0. Before: AR = S = 1 000, DSO = 90.0.
    figures = page[page.index("collection-figures") :]
    assert "180.0 <small>days</small>" in figures
    assert "+90.0 vs 90.0 in the previous 90 days" in figures
    assert "change-worse" in figures and "change-better" in figures
    assert "How it is computed" in figures and "Days sales outstanding" in figures


def test_trends_page_draws_twelve_months_with_a_table(client, logged_in):
    customer = make_customer()
    make_invoice(customer, amount="1000.00", tax_rate="0", issue_date=TODAY - timedelta(days=70))
    _speak(client, "en")
    response = client.get("/trends")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('<svg class="chart"') == 4
    assert "<polyline" in page and 'class="chart-bar bar-' in page
    assert page.count("<tr>") == 12 + 1
    assert "to date" in page


def test_trends_page_in_french_writes_decimal_commas(client, logged_in):
    customer = make_customer()
    make_invoice(customer, amount="1000.00", tax_rate="0", issue_date=TODAY - timedelta(days=40))
    _speak(client, "fr")
    page = client.get("/trends").get_data(as_text=True)
    assert "Tendances" in page
    # November to date: AR 1 000, S 0 → DSO "—"; October: AR = S = 1 000 over 31 days.
    assert '<td class="num">31,0</td>' in page and '<td class="num">—</td>' in page


def test_forecast_page_explains_itself_and_draws_the_overdue_bar_first(client, logged_in):
    customer = make_customer()
    make_invoice(customer, amount="700.00", tax_rate="0", issue_date=TODAY - timedelta(days=60))
    make_invoice(customer, amount="300.00", tax_rate="0", issue_date=TODAY - timedelta(days=20))
    _speak(client, "en")
    page = client.get("/forecast").get_data(as_text=True)
    assert "How it is computed" in page and "average delay" in page
    assert page.count('class="chart-bar bar-invoices"') == 2, "the overdue bar and one week"
    rows = page[page.index("forecast-weeks") :]
    assert rows.index("Already overdue") < rows.index("€700.00") < rows.index("€300.00")
    assert "No forecast is a month old yet" in page
