"""The debtor's message thread: writing, reading, files, and the customer scope."""

import io

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Message, OutboxMessage
from portal.services import threads
from portal.services.audit import Actor

from ..conftest import NOW
from ..factories import make_customer
from ..services.test_uploads import TINY_PDF


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def creditor_writes(app, customer, body="Hello from us", files=()):
    from pathlib import Path

    return threads.post(
        customer,
        author=threads.CREDITOR,
        body=body,
        files=[threads.Upload(io.BytesIO(d), n) for n, d in files],
        uploads_folder=Path(app.instance_path) / "uploads",
        max_bytes=10 * 1024 * 1024,
        now=NOW,
        actor=Actor.system(),
        notify_url="https://portal.example.test",
    )


def test_writing_to_the_creditor(app, owner, debtor_client):
    customer = make_customer()
    client = debtor_client(customer)
    response = client.post(
        "/account/messages",
        data={"body": "Can I pay on the 15th?", "attachment": (io.BytesIO(TINY_PDF), "devis.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303 and response.location.endswith("/account/messages")
    message = db.session.scalars(select(Message)).one()
    assert (message.customer_id, message.author) == (customer.id, "debtor")
    email = db.session.scalars(select(OutboxMessage)).one()
    assert email.kind == "message_to_creditor" and email.to_addresses == [
        "compta@atelier-dupont.fr"
    ]
    assert f"/customers/{customer.id}/messages" in email.text_body
    page = client.get("/account/messages").get_data(as_text=True)
    assert "Can I pay on the 15th?" in page and "devis.pdf" in page
    download = client.get(f"/account/messages/{message.id}/files/0")
    assert download.status_code == 200 and download.data == TINY_PDF
    assert download.mimetype == "application/pdf"


def test_empty_or_disguised_is_refused(app, owner, debtor_client):
    client = debtor_client(make_customer())
    with client.session_transaction() as session:
        session["lang"] = "en"
    empty = client.post("/account/messages", data={"body": "  "})
    assert empty.status_code == 422 and "Write your message" in empty.get_data(as_text=True)
    disguised = client.post(
        "/account/messages",
        data={"body": "proof", "attachment": (io.BytesIO(b"<html>"), "proof.pdf")},
        content_type="multipart/form-data",
    )
    assert disguised.status_code == 422
    assert "Only PDF, PNG or JPEG" in disguised.get_data(as_text=True)
    assert count(Message) == count(OutboxMessage) == 0


def test_opening_the_thread_reads_the_creditors_messages(app, owner, debtor_client):
    customer = make_customer()
    reply = creditor_writes(app, customer)
    assert reply.read_at is None
    client = debtor_client(customer)
    with client.session_transaction() as session:
        session["lang"] = "en"
    assert "1 new message" in client.get("/account").get_data(as_text=True)
    assert "Hello from us" in client.get("/account/messages").get_data(as_text=True)
    assert "new message" not in client.get("/account").get_data(as_text=True)
    db.session.refresh(reply)
    assert reply.read_at is not None


def test_another_customers_thread_and_files_are_out_of_reach(app, owner, debtor_client):
    mine, theirs = make_customer(), make_customer()
    secret = creditor_writes(app, theirs, "Their secret", [("x.pdf", TINY_PDF)])
    client = debtor_client(mine)
    page = client.get("/account/messages").get_data(as_text=True)
    assert "Their secret" not in page
    assert client.get(f"/account/messages/{secret.id}/files/0").status_code == 404
    db.session.refresh(secret)
    assert secret.read_at is None  # opening my thread reads nothing of theirs
    client.post("/account/messages", data={"body": "mine"})
    assert {m.customer_id for m in db.session.scalars(select(Message))} == {mine.id, theirs.id}
    assert (
        db.session.scalar(select(func.count(Message.id)).where(Message.customer_id == theirs.id))
        == 1
    )


def test_the_thread_needs_a_debtor_session(app, owner, client):
    assert client.get("/account/messages").status_code in (302, 401, 403)
    assert client.post("/account/messages", data={"body": "x"}).status_code in (302, 401, 403)
    assert count(Message) == 0
