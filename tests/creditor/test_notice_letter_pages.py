"""Formal notices by post from the dashboard: the setting, the letters, recording a posting."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from portal.extensions import db
from portal.models import NoticeLetter, Task, TaskStatus
from portal.services import organisation
from portal.services.dunning import notice_letters

from ..conftest import NOW, TODAY
from ..factories import enter_rates, make_customer, make_invoice
from ..services.test_letters import pdf_text

SETTINGS = {
    "legal_name": "Atelier",
    "language": "fr",
    "payment_terms_days": "30",
    "penalty_margin_points": "10",
    "recovery_indemnity": "40",
}


def overdue_customer():
    enter_rates()  # the letter states penalties, which need this half-year's rates
    customer = make_customer(name="Garage Durand", emails=["garage@example.com"])
    make_invoice(
        customer, issue_date=TODAY - timedelta(days=70), due_date=TODAY - timedelta(days=40)
    )
    return customer


def test_the_channel_is_a_setting(client, logged_in):
    page = client.get("/settings").get_data(as_text=True)
    assert 'name="formal_notice_channel"' in page
    assert organisation.get().formal_notice_channel == "email"

    response = client.post("/settings", data={**SETTINGS, "formal_notice_channel": "post"})

    assert response.status_code == 303
    assert organisation.get().formal_notice_channel == "post"
    refused = client.post("/settings", data={**SETTINGS, "formal_notice_channel": "pigeon"})
    assert refused.status_code == 422
    assert organisation.get().formal_notice_channel == "post"


def test_a_letter_prepared_by_the_pass_is_downloaded_then_recorded_as_posted(
    app, client, logged_in
):
    customer = overdue_customer()
    letter, task = notice_letters.make_letter_to_post(
        customer,
        list(customer_invoices(customer)),
        organisation.get(),
        today=TODAY,
        now=NOW,
        deadline=TODAY + timedelta(days=8),
        instance_path=Path(app.instance_path),
        base_url="https://portal.example.test",
    )
    db.session.commit()

    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Lettre à poster" in page
    download = f"/customers/{customer.id}/notice-letters/{letter.id}.pdf"
    assert download in page
    pdf = client.get(download)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "LETTRE RECOMMANDÉE" in pdf_text(pdf.data)
    other = make_customer()
    assert client.get(f"/customers/{other.id}/notice-letters/{letter.id}.pdf").status_code == 404

    response = client.post(
        f"/customers/{customer.id}/notice-letters/posted",
        data={
            "letter_id": str(letter.id),
            "posted_on": TODAY.isoformat(),
            "registered": "y",
            "tracking_number": "1A23456789012",
        },
    )

    assert response.status_code == 303 and response.location.endswith("#notices")
    db.session.expire_all()
    letter = db.session.get(NoticeLetter, letter.id)
    assert (letter.posted_on, letter.registered, letter.tracking_number) == (
        TODAY,
        True,
        "1A23456789012",
    )
    assert db.session.get(Task, task.id).status is TaskStatus.DONE
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Mise en demeure postée" in page and "numéro de suivi 1A23456789012" in page


def test_a_letter_posted_from_the_dashboard_is_recorded_and_the_debtor_sees_it(
    app, client, logged_in
):
    customer = overdue_customer()
    pdf = client.get(f"/customers/{customer.id}/formal-notice.pdf")
    assert pdf.status_code == 200
    assert "/link?reason=missing" in pdf_text(pdf.data)

    future = client.post(
        f"/customers/{customer.id}/notice-letters/posted",
        data={"posted_on": (TODAY + timedelta(days=1)).isoformat()},
    )
    assert future.status_code == 303
    assert db.session.scalars(select(NoticeLetter)).all() == []

    client.post(
        f"/customers/{customer.id}/notice-letters/posted",
        data={"posted_on": (TODAY - timedelta(days=2)).isoformat()},
    )

    [letter] = db.session.scalars(select(NoticeLetter)).all()
    assert (letter.posted_on, letter.registered, letter.letter_path) == (
        TODAY - timedelta(days=2),
        False,
        "",
    )


def customer_invoices(customer):
    from portal.models import Invoice

    return db.session.scalars(select(Invoice).where(Invoice.customer_id == customer.id))
