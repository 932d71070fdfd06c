"""Where the creditor sets what the sending window depends on: the debtor's timezone, Alsace-Moselle."""

from __future__ import annotations

from portal.extensions import db
from portal.models import AuditEvent
from portal.services import organisation

from ..factories import make_customer

SETTINGS = {
    "legal_name": "Atelier",
    "language": "fr",
    "payment_terms_days": "30",
    "penalty_margin_points": "10",
    "recovery_indemnity": "40",
}


def contacts(**kw) -> dict:
    data = {"emails": "a@example.fr", "phone": "", "address": "", "postcode": "", "city": ""}
    return {**data, "language": "fr", **kw}


def test_a_customer_gets_a_timezone_and_the_page_says_so(client, logged_in):
    customer = make_customer(emails=["a@example.fr"])

    form = client.get(f"/customers/{customer.id}/contacts").get_data(as_text=True)
    assert 'name="timezone"' in form and 'value="America/Martinique"' in form

    response = client.post(
        f"/customers/{customer.id}/contacts", data=contacts(timezone="America/Martinique")
    )

    assert response.status_code == 303
    db.session.expire_all()
    assert customer.timezone == "America/Martinique"
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "America/Martinique" in page
    event = db.session.query(AuditEvent).filter_by(action="customer.contacts_updated").one()
    assert event.details["changes"]["timezone"] == ["", "America/Martinique"]


def test_an_unknown_timezone_is_refused(client, logged_in):
    customer = make_customer(emails=["a@example.fr"])

    response = client.post(
        f"/customers/{customer.id}/contacts", data=contacts(timezone="Mars/Olympus")
    )

    assert "This timezone is not known." in response.get_data(as_text=True)
    db.session.expire_all()
    assert customer.timezone == ""


def test_a_timezone_outside_the_list_is_kept_when_editing(client, logged_in):
    customer = make_customer(emails=["a@example.fr"], timezone="Asia/Tokyo")

    form = client.get(f"/customers/{customer.id}/contacts").get_data(as_text=True)

    assert '<option selected value="Asia/Tokyo">' in form or 'value="Asia/Tokyo" selected' in form


def test_the_alsace_moselle_setting_is_saved(client, logged_in):
    assert not organisation.get().alsace_moselle_holidays
    page = client.get("/settings").get_data(as_text=True)
    assert 'name="alsace_moselle_holidays"' in page

    response = client.post("/settings", data={**SETTINGS, "alsace_moselle_holidays": "y"})

    assert response.status_code == 303
    assert organisation.get().alsace_moselle_holidays
