"""The creditor's disputes inbox: login, decisions, attachments, and the home page figures."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    CreditNote,
    Dispute,
    DisputeStatus,
    InvoiceStatus,
    OutboxMessage,
    PaymentMethod,
)
from portal.services.audit import Actor
from portal.services.disputes import raising
from portal.services.payments import ledger
from portal.services.payments.invoicing import LineInput

from ..conftest import NOW, TODAY
from ..factories import days_ago, make_customer, make_invoice
from ..services.test_uploads import TINY_PDF


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"


def a_dispute(app, files=()) -> Dispute:
    customer = make_customer(name="Garage Lemoine", language="en")
    invoice = make_invoice(
        customer,
        issue_date=days_ago(40),
        due_date=days_ago(10),
        lines=[
            LineInput("Pneus", Decimal("1"), Decimal("100"), Decimal("20")),
            LineInput("Montage", Decimal("1"), Decimal("50"), Decimal("20")),
        ],
    )
    line = invoice.lines[1]
    return raising.open_dispute(
        customer,
        invoice.id,
        {line.id: 6000},
        reason="wrong_price",
        comment="Tarif erroné",
        files=list(files),
        uploads_folder=Path(app.instance_path) / "uploads",
        max_file_bytes=1024 * 1024,
        review_url="https://x.test/disputes",
        today=TODAY,
        now=NOW,
        actor=Actor.debtor(customer),
    )


def test_routes_require_login(app, owner, client):
    dispute = a_dispute(app, [io.BytesIO(TINY_PDF)])
    for url in ("/disputes", f"/disputes/{dispute.id}", f"/disputes/{dispute.id}/files/0"):
        response = client.get(url)
        assert response.status_code in (302, 401), url
        assert "login" in (response.location or "login")
    for url in (f"/disputes/{dispute.id}/accept", f"/disputes/{dispute.id}/reject"):
        assert client.post(url, data={"answer": "x"}).status_code in (302, 401)
    assert db.session.get(Dispute, dispute.id).status is DisputeStatus.OPEN


def test_inbox_details_and_attachment(app, logged_in, client, english):
    dispute = a_dispute(app, [io.BytesIO(TINY_PDF)])
    inbox = client.get("/disputes").get_data(as_text=True)
    assert "Garage Lemoine" in inbox and dispute.invoice.number in inbox
    page = client.get(f"/disputes/{dispute.id}").get_data(as_text=True)
    assert "Tarif erroné" in page and "Montage" in page
    download = client.get(f"/disputes/{dispute.id}/files/0")
    assert download.status_code == 200 and download.data == TINY_PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert client.get(f"/disputes/{dispute.id}/files/1").status_code == 404
    assert client.get("/disputes/999999").status_code == 404
    tasks_page = client.get("/tasks").get_data(as_text=True)
    assert f'href="/disputes/{dispute.id}"' in tasks_page
    home = client.get("/").get_data(as_text=True)
    assert "Open disputes" in home and "Amount in dispute" in home
    assert 'href="/disputes"' in home


def test_accept_in_part_from_the_page(app, logged_in, client, english):
    dispute = a_dispute(app)
    refused = client.post(f"/disputes/{dispute.id}/accept", data={"amount": "60,01"})
    assert refused.status_code == 422
    assert "more than the disputed amount" in refused.get_data(as_text=True)
    assert count(CreditNote) == 0
    response = client.post(
        f"/disputes/{dispute.id}/accept", data={"amount": "25,00", "answer": "Geste commercial"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    dispute = db.session.get(Dispute, dispute.id)
    assert dispute.status is DisputeStatus.ACCEPTED and dispute.accepted_cents == 2500
    assert dispute.invoice.outstanding_cents == 18000 - 2500
    assert count(OutboxMessage) == 1
    timeline = client.get(f"/customers/{dispute.customer_id}").get_data(as_text=True)
    assert "Dispute accepted" in timeline


def test_accept_in_full_on_a_partly_paid_invoice_credits_what_is_due(app, logged_in, client):
    dispute = a_dispute(app)
    invoice = dispute.invoice
    ledger.record_payment(
        invoice,
        amount_cents=14000,
        paid_on=TODAY,
        method=PaymentMethod.TRANSFER,
        reference="VIR",
        actor=Actor.system(),
        now=NOW,
    )
    db.session.commit()
    assert client.post(f"/disputes/{dispute.id}/accept", data={}).status_code == 303
    db.session.expire_all()
    invoice = db.session.get(Dispute, dispute.id).invoice
    assert invoice.credited_cents == 4000 and invoice.status is InvoiceStatus.PAID


def test_reject_requires_an_answer(app, logged_in, client, english):
    dispute = a_dispute(app)
    refused = client.post(f"/disputes/{dispute.id}/reject", data={"answer": ""})
    assert refused.status_code == 422 and "Write an answer" in refused.get_data(as_text=True)
    assert client.post(f"/disputes/{dispute.id}/reject", data={"answer": "Non"}).status_code == 303
    db.session.expire_all()
    dispute = db.session.get(Dispute, dispute.id)
    assert dispute.status is DisputeStatus.REJECTED and dispute.resume_on is not None
    assert count(OutboxMessage) == 1
