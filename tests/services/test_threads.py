"""The message thread: both directions, the emails, read state and attachments."""

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Message, OutboxMessage
from portal.services import threads
from portal.services.audit import Actor
from portal.services.errors import NotFound

from ..conftest import NOW
from ..factories import make_customer
from .test_uploads import TINY_PDF

MAX = 1024


def write(customer, author, body, tmp_path, files=(), when=NOW):
    return threads.post(
        customer,
        author=author,
        body=body,
        files=[threads.Upload(io.BytesIO(data), name) for name, data in files],
        uploads_folder=tmp_path / "uploads",
        max_bytes=MAX,
        now=when,
        actor=Actor.debtor(customer) if author == threads.DEBTOR else Actor.system(),
        notify_url="https://portal.example.test/customers/1/messages"
        if author == threads.DEBTOR
        else "https://portal.example.test",
    )


def emails(kind) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_both_directions_notify_the_other_side(owner, tmp_path):
    customer = make_customer(language="en")
    first = write(customer, threads.DEBTOR, "Can I pay next week?", tmp_path, [("a.pdf", TINY_PDF)])
    to_creditor = emails("message_to_creditor")
    assert [m.to_addresses for m in to_creditor] == [["compta@atelier-dupont.fr"]]
    assert "Can I pay next week?" in to_creditor[0].text_body
    assert "/customers/1/messages" in to_creditor[0].text_body
    assert first.attachments[0]["name"] == "a.pdf" and first.attachments[0]["size"] == len(TINY_PDF)

    write(customer, threads.CREDITOR, "Yes, of course.", tmp_path)
    to_debtor = emails("message_to_debtor")
    assert [m.to_addresses for m in to_debtor] == [customer.email_addresses]
    assert "https://portal.example.test/p/" in to_debtor[0].text_body
    assert "Yes, of course." in to_debtor[0].text_body
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.customer_id == customer.id)
    )
    assert {"message.from_debtor", "message.from_creditor"} <= set(actions)
    assert [m.body for m in threads.messages(customer.id)] == [
        "Can I pay next week?",
        "Yes, of course.",
    ]


def test_read_when_the_other_side_opens_the_thread(owner, tmp_path):
    customer, other = make_customer(), make_customer()
    write(customer, threads.DEBTOR, "One", tmp_path)
    write(customer, threads.DEBTOR, "Two", tmp_path)
    write(other, threads.DEBTOR, "Elsewhere", tmp_path)
    assert threads.unread_count(customer.id, reader=threads.CREDITOR) == 2
    assert threads.unread_thread_count() == 2
    # the debtor opening their own thread reads nothing of theirs
    assert threads.mark_read(customer.id, reader=threads.DEBTOR, now=NOW) == 0
    assert threads.mark_read(customer.id, reader=threads.CREDITOR, now=NOW) == 2
    assert threads.unread_count(customer.id, reader=threads.CREDITOR) == 0
    assert threads.unread_thread_count() == 1
    inbox = threads.inbox()
    assert [(t.customer.id, t.unread) for t in inbox][0] == (other.id, 1)  # newest first
    assert {t.customer.id: t.count for t in inbox} == {customer.id: 2, other.id: 1}


def test_an_empty_or_too_long_message_is_refused(owner, tmp_path):
    customer = make_customer()
    for body in ("", "   ", "x" * (threads.MAX_BODY_LENGTH + 1)):
        with pytest.raises(threads.InvalidMessage) as exc:
            write(customer, threads.DEBTOR, body, tmp_path)
        assert "body" in exc.value.errors
    assert db.session.scalar(select(func.count(Message.id))) == 0
    assert emails("message_to_creditor") == []


@pytest.mark.parametrize(
    "files",
    [
        [("fake.pdf", b"MZ\x90\x00 not a pdf")],  # disguised
        [("big.pdf", TINY_PDF + b"0" * MAX)],  # oversized
        [("ok.pdf", TINY_PDF), ("bad.pdf", b"<html>")],  # one bad file spoils the message
        [(f"{n}.pdf", TINY_PDF) for n in range(4)],  # too many
    ],
)
def test_bad_files_change_nothing(owner, tmp_path, files):
    customer = make_customer()
    with pytest.raises(threads.InvalidMessage) as exc:
        write(customer, threads.DEBTOR, "See attached", tmp_path, files)
    assert "attachment" in exc.value.errors
    assert db.session.scalar(select(func.count(Message.id))) == 0
    folder = Path(tmp_path / "uploads")
    assert not folder.exists() or list(folder.iterdir()) == []


def test_attachments_are_found_only_within_their_customers_thread(owner, tmp_path):
    customer, other = make_customer(), make_customer()
    message = write(
        customer, threads.DEBTOR, "Proof", tmp_path, [("../../etc/passwd.pdf", TINY_PDF)]
    )
    path, content_type, name = threads.attachment(customer.id, message.id, 0, tmp_path / "uploads")
    assert path.read_bytes() == TINY_PDF and content_type == "application/pdf"
    assert "/" not in name and name.endswith(".pdf")
    with pytest.raises(NotFound):
        threads.attachment(other.id, message.id, 0, tmp_path / "uploads")
    with pytest.raises(NotFound):
        threads.attachment(customer.id, message.id, 1, tmp_path / "uploads")
