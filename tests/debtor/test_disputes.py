"""The debtor's dispute pages: the form, its refusals, paying the rest, and the customer scope."""

import io
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Dispute, DisputeStatus, Task, TransferReference
from portal.services.payments.invoicing import LineInput

from ..factories import days_ago, make_customer, make_invoice
from ..services.test_uploads import TINY_PNG


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def two_lines(customer):
    """120,00 + 60,00 = 180,00 including tax."""
    return make_invoice(
        customer,
        issue_date=days_ago(40),
        due_date=days_ago(10),
        lines=[
            LineInput("Chaises", Decimal("1"), Decimal("100"), Decimal("20")),
            LineInput("Livraison", Decimal("1"), Decimal("50"), Decimal("20")),
        ],
    )


def english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"


def test_dispute_one_line_then_pay_the_undisputed_part(app, owner, debtor_client):
    customer = make_customer()
    invoice = two_lines(customer)
    line_b = invoice.lines[1]
    client = debtor_client(customer)
    english(client)
    page = client.get(f"/account/invoices/{invoice.id}").get_data(as_text=True)
    assert f"/account/invoices/{invoice.id}/dispute" in page
    form = client.get(f"/account/invoices/{invoice.id}/dispute").get_data(as_text=True)
    assert "Livraison" in form and 'name="reason"' in form
    response = client.post(
        f"/account/invoices/{invoice.id}/dispute",
        data={
            "line": [str(line_b.id)],
            f"amount-{line_b.id}": "45,00",
            "reason": "damaged",
            "comment": "Carton abîmé",
            "attachment": (io.BytesIO(TINY_PNG), "photo.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    dispute = db.session.scalar(select(Dispute))
    assert response.location.endswith(f"/account/disputes/{dispute.id}")
    assert dispute.amount_cents == 4500 and len(dispute.attachments) == 1
    assert dispute.status is DisputeStatus.OPEN and count(Task) == 1
    done = client.get(response.location).get_data(as_text=True)
    assert "45.00" in done
    invoice_page = client.get(f"/account/invoices/{invoice.id}").get_data(as_text=True)
    assert "Pay the undisputed part: €135.00" in invoice_page
    assert "On hold (disputed)" in invoice_page
    assert (
        f'href="/account/disputes/{dispute.id}"' in invoice_page
        and "being examined" in invoice_page
    )
    assert "on hold (disputed)" in client.get("/account").get_data(as_text=True)
    pay = client.post("/account/pay", data={"invoice": [str(invoice.id)]})
    assert pay.status_code == 200
    reference = db.session.scalar(select(TransferReference))
    assert reference.amount_cents == 13500


def test_refusals_show_a_message_and_write_nothing(app, owner, debtor_client):
    customer = make_customer()
    invoice = two_lines(customer)
    line_a = invoice.lines[0]
    client = debtor_client(customer)
    english(client)
    url = f"/account/invoices/{invoice.id}/dispute"
    above = client.post(
        url, data={"line": [str(line_a.id)], f"amount-{line_a.id}": "120,01", "reason": "other"}
    )
    assert above.status_code == 422
    assert "cannot be more than the line&#39;s total" in above.get_data(as_text=True)
    nothing = client.post(url, data={"reason": "other"})
    assert nothing.status_code == 422 and "Tick the lines" in nothing.get_data(as_text=True)
    disguised = client.post(
        url,
        data={
            "line": [str(line_a.id)],
            "reason": "other",
            "attachment": (io.BytesIO(b"<html>hello</html>"), "invoice.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert disguised.status_code == 422
    assert "Only PDF, PNG or JPEG" in disguised.get_data(as_text=True)
    assert count(Dispute) == 0 and count(Task) == 0
    folder = Path(app.instance_path) / "uploads"
    assert not folder.exists() or list(folder.iterdir()) == []
    assert client.post(url, data={"line": [str(line_a.id)], "reason": "other"}).status_code == 303
    again = client.post(url, data={"line": [str(line_a.id)], "reason": "wrong_price"})
    assert again.status_code == 422 and "already disputed" in again.get_data(as_text=True)
    assert count(Dispute) == 1


def test_another_customers_invoice_line_or_dispute_is_not_found(app, owner, debtor_client):
    mine = make_customer()
    theirs = make_customer()
    my_invoice = two_lines(mine)
    their_invoice = two_lines(theirs)
    their_client = debtor_client(theirs)
    their_client.post(
        f"/account/invoices/{their_invoice.id}/dispute",
        data={"line": [str(their_invoice.lines[0].id)], "reason": "other"},
    )
    their_dispute = db.session.scalar(select(Dispute))
    client = debtor_client(mine)
    assert client.get(f"/account/invoices/{their_invoice.id}/dispute").status_code == 404
    line = their_invoice.lines[0]
    assert (
        client.post(
            f"/account/invoices/{their_invoice.id}/dispute",
            data={"line": [str(line.id)], "reason": "other"},
        ).status_code
        == 404
    )
    # their line on my invoice
    assert (
        client.post(
            f"/account/invoices/{my_invoice.id}/dispute",
            data={"line": [str(line.id)], "reason": "other"},
        ).status_code
        == 404
    )
    assert client.get(f"/account/disputes/{their_dispute.id}").status_code == 404
    assert count(Dispute) == 1


def test_without_a_session_nothing_is_reachable(app, owner, client):
    customer = make_customer()
    invoice = two_lines(customer)
    response = client.get(f"/account/invoices/{invoice.id}/dispute")
    assert response.status_code in (302, 303, 401, 403)
    response = client.post(
        f"/account/invoices/{invoice.id}/dispute",
        data={"line": [str(invoice.lines[0].id)], "reason": "other"},
    )
    assert response.status_code in (302, 303, 401, 403)
    assert count(Dispute) == 0
