"""A receipt for every payment, and a history written for the debtor."""

from pathlib import Path

from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboxMessage, PaymentMethod
from portal.services.audit import Actor
from portal.services.payments import ledger

from ..conftest import NOW, TODAY
from ..factories import days_ago, make_customer, make_invoice


def _paid(customer, amount="100.00"):
    invoice = make_invoice(customer, amount=amount, issue_date=days_ago(40), due_date=days_ago(10))
    payment = ledger.record_payment(
        invoice,
        amount_cents=invoice.outstanding_cents,
        paid_on=TODAY,
        method=PaymentMethod.TRANSFER,
        reference="VIR 123",
        actor=Actor.system(),
        now=NOW,
    )
    db.session.commit()
    return invoice, payment


def test_each_payment_has_its_receipt_and_only_its_payer_sees_it(app, owner, debtor_client):
    mine, theirs = make_customer(language="fr"), make_customer(language="fr")
    invoice, payment = _paid(mine)
    _, their_payment = _paid(theirs)
    client = debtor_client(mine)
    receipt_url = f"/account/payments/{payment.id}/receipt.pdf"
    assert receipt_url in client.get("/account/history").get_data(as_text=True)
    assert receipt_url in client.get("/account").get_data(as_text=True)
    response = client.get(receipt_url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF") and response.headers["Cache-Control"] == "no-store"
    assert "recu" in response.headers["Content-Disposition"]
    assert client.get(f"/account/payments/{their_payment.id}/receipt.pdf").status_code == 404


def test_the_history_speaks_to_the_debtor(app, owner, debtor_client):
    customer = make_customer(language="fr")
    invoice = make_invoice(customer, issue_date=days_ago(40), due_date=days_ago(10))
    client = debtor_client(customer)
    assert (
        client.post(
            "/account/declarations",
            data={
                "invoice": [invoice.id],
                "paid_on": days_ago(1).isoformat(),
                "amount": "120,00",
                "method": "transfer",
            },
        ).status_code
        == 303
    )
    assert client.post("/account/messages", data={"body": "Bonjour"}).status_code == 303
    history = client.get("/account/history").get_data(as_text=True)
    assert "Vous avez déclaré un paiement" in history and "Votre message" in history
    assert "Message du client" not in history and "Dit avoir déjà payé" not in history


def test_an_online_payment_emails_its_receipt_as_a_pdf(app, owner, debtor_client, fake_stripe):
    from portal.services.checkout import webhooks

    customer = make_customer(language="fr", emails=["compta@example.test"])
    invoice = make_invoice(customer, issue_date=days_ago(40), due_date=days_ago(10))
    client = debtor_client(customer)
    client.post("/account/pay/online", data={"invoice": [invoice.id], "method": "card"})
    (session_id,) = fake_stripe.sessions
    event = fake_stripe.event("checkout.session.completed", fake_stripe.complete(session_id))
    webhooks.handle_event(event, now=NOW, today=TODAY, instance_path=Path(app.instance_path))
    db.session.commit()
    receipt = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "receipt")).one()
    (attachment,) = receipt.attachments
    assert attachment["content_type"] == "application/pdf"
    assert (Path(app.instance_path) / attachment["path"]).read_bytes().startswith(b"%PDF")
    assert "reçu est joint" in receipt.text_body
