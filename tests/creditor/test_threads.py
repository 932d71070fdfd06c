"""The creditor's inbox and threads, the nav badge, and the promises on the customer page."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Message, OutboxMessage, Promise, PromiseStatus
from portal.services import promises, threads
from portal.services.audit import Actor

from ..conftest import NOW, TODAY
from ..factories import make_customer, make_invoice
from ..services.test_uploads import TINY_PDF


@pytest.fixture
def english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"


def debtor_writes(app, customer, body, files=(), when=NOW):
    return threads.post(
        customer,
        author=threads.DEBTOR,
        body=body,
        files=[threads.Upload(io.BytesIO(d), n) for n, d in files],
        uploads_folder=Path(app.instance_path) / "uploads",
        max_bytes=10 * 1024 * 1024,
        now=when,
        actor=Actor.debtor(customer),
        notify_url="https://portal.example.test/x",
    )


def test_creditor_routes_require_login(app, client, owner):
    customer = make_customer()
    message = debtor_writes(app, customer, "Hello", [("a.pdf", TINY_PDF)])
    for path in (
        "/messages",
        f"/customers/{customer.id}/messages",
        f"/customers/{customer.id}/messages/{message.id}/files/0",
    ):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location, path
        assert TINY_PDF not in response.data
    response = client.post(f"/customers/{customer.id}/messages", data={"body": "x"})
    assert response.status_code == 302 and "/login" in response.location
    assert db.session.scalar(select(func.count(Message.id))) == 1
    db.session.refresh(message)
    assert message.read_at is None


def test_inbox_badge_and_read_on_open(app, client, logged_in, english):
    quiet, busy = make_customer(name="Quiet SARL"), make_customer(name="Busy SAS")
    debtor_writes(app, quiet, "Old question", when=NOW - timedelta(days=2))
    debtor_writes(app, busy, "First", when=NOW - timedelta(hours=2))
    debtor_writes(app, busy, "Second", when=NOW - timedelta(hours=1))
    home = client.get("/").get_data(as_text=True)
    assert 'href="/messages"' in home and '>2<span class="visually-hidden"> unread' in home
    inbox = client.get("/messages").get_data(as_text=True)
    assert inbox.index("Busy SAS") < inbox.index("Quiet SARL")  # newest first
    assert '<span class="badge badge-late">2</span>' in inbox

    page = client.get(f"/customers/{busy.id}/messages").get_data(as_text=True)
    assert "First" in page and "Second" in page and "Old question" not in page
    assert threads.unread_count(busy.id, reader=threads.CREDITOR) == 0
    assert threads.unread_count(quiet.id, reader=threads.CREDITOR) == 1
    home = client.get("/").get_data(as_text=True)
    assert '>1<span class="visually-hidden"> unread' in home


def test_replying_emails_the_customer_a_fresh_link(app, client, logged_in, english):
    customer = make_customer(language="en")
    response = client.post(
        f"/customers/{customer.id}/messages",
        data={"body": "Sure, the 15th is fine.", "attachment": (io.BytesIO(TINY_PDF), "plan.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert response.location.endswith(f"/customers/{customer.id}/messages")
    message = db.session.scalars(select(Message)).one()
    expected = (customer.id, "creditor", logged_in.id)
    assert (message.customer_id, message.author, message.user_id) == expected
    email = db.session.scalars(select(OutboxMessage)).one()
    assert email.kind == "message_to_debtor" and email.to_addresses == customer.email_addresses
    assert "https://portal.example.test/p/" in email.text_body
    download = client.get(f"/customers/{customer.id}/messages/{message.id}/files/0")
    assert download.status_code == 200 and download.data == TINY_PDF

    empty = client.post(f"/customers/{customer.id}/messages", data={"body": ""})
    assert empty.status_code == 422 and "Write your message" in empty.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Message.id))) == 1


def test_files_are_reached_only_through_their_own_customer(app, client, logged_in):
    mine, other = make_customer(), make_customer()
    message = debtor_writes(app, mine, "Proof", [("a.pdf", TINY_PDF)])
    assert client.get(f"/customers/{other.id}/messages/{message.id}/files/0").status_code == 404
    assert client.get(f"/customers/{mine.id}/messages/{message.id}/files/3").status_code == 404
    assert client.get("/customers/9999/messages").status_code == 404
    assert client.post("/customers/9999/messages", data={"body": "x"}).status_code == 404


def test_customer_page_shows_promises_and_their_outcome(app, client, logged_in, english):
    customer = make_customer()
    for status, days in (
        (PromiseStatus.KEPT, 1),
        (PromiseStatus.BROKEN, 2),
        (PromiseStatus.PENDING, 3),
    ):
        db.session.add(
            Promise(
                customer_id=customer.id,
                invoice_ids=[],
                promised_date=TODAY + timedelta(days=days),
                amount_cents=1234 if days == 1 else None,
                status=status,
                created_at=NOW,
            )
        )
    db.session.commit()
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Promises to pay" in page
    assert ">kept<" in page and ">broken<" in page and ">pending<" in page
    assert "€12.34" in page and "everything due" in page


def test_promises_and_messages_show_in_the_customer_timeline(app, client, logged_in, english):
    customer = make_customer()
    invoice = make_invoice(customer, issue_date=TODAY - timedelta(days=40))
    promises.create(
        customer,
        [invoice.id],
        promised_date=TODAY + timedelta(days=3),
        amount_cents=None,
        today=TODAY,
        now=NOW,
        actor=Actor.debtor(customer),
    )
    debtor_writes(app, customer, "Hello")
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Promised to pay" in page and "Message from the customer" in page
