"""Delivering the outbox to a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import os
import threading
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select, update

from portal.adapters.smtp import MailConfigError, SmtpConnection, parse_smtp_url
from portal.extensions import db
from portal.models import (
    ActionStatus,
    AuditEvent,
    CustomerEmail,
    DunningAction,
    MessageStatus,
    OutboxMessage,
    ScenarioStep,
    Task,
)
from portal.services.audit import Actor
from portal.services.dunning import scenarios
from portal.services.mail import delivery, outbox
from portal.services.mail.attachments import AttachmentRefused, attachment_path
from portal.services.mail.delivery import deliver_due, retry_delay
from portal.services.mail.delivery_settings import DeliverySettings

from ..conftest import NOW, TODAY
from ..factories import make_customer, make_invoice, make_organisation

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\r\n\x00%%EOF\n"
SENDER = "relances@atelier-dupont.fr"


@pytest.fixture
def org(app):
    return make_organisation(language="en")


@pytest.fixture
def smtp(app, org, smtp_server):
    """The portal pointed at the test SMTP server."""
    smtp_server.configure(app)
    return smtp_server


def settings_for(app) -> DeliverySettings:
    return DeliverySettings.from_config(app.config)


def queue(to, *, subject="Votre facture F-001", commit=True, **kw) -> OutboxMessage:
    values = {"kind": "reminder", "text_body": "Bonjour,\nmerci de régler.\n", "now": NOW}
    values.update(kw)
    message = outbox.queue(to=to, subject=subject, **values)
    if commit:
        db.session.commit()
    return message


def pdf_attachment(path: str, filename: str = "x.pdf") -> dict:
    return {"filename": filename, "content_type": "application/pdf", "path": path}


def fresh(message: OutboxMessage) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message.id)


# --- A message, as received ------------------------------------------------------------


def test_delivers_headers_text_html_and_a_pdf_byte_for_byte(app, smtp):
    customer = make_customer(name="Garage Durand", emails=["garage@example.com"])
    letters = os.path.join(app.instance_path, "letters")
    os.makedirs(letters, exist_ok=True)
    with open(os.path.join(letters, "notice.pdf"), "wb") as handle:
        handle.write(PDF)
    message = queue(
        ["garage@example.com"],
        subject="Mise en demeure — facture F-001",
        html_body="<p>Bonjour, <strong>merci</strong>.</p>",
        customer_id=customer.id,
        attachments=[pdf_attachment("letters/notice.pdf", "mise-en-demeure.pdf")],
    )

    report = deliver_due(NOW, settings=settings_for(app))

    assert (report.sent, report.retry, report.failed) == (1, 0, 0)
    assert str(report) == "sent 1, retry later 0, failed 0"
    [received] = smtp.received
    assert received.mail_from == SENDER
    assert received.recipients == ["garage@example.com"]
    email = received.message
    row = fresh(message)
    assert email["From"] == f"Relances <{SENDER}>"
    assert email["To"] == "Garage Durand <garage@example.com>"
    assert email["Reply-To"] == "compta@atelier-dupont.fr"  # the organisation's contact
    assert email["Subject"] == "Mise en demeure — facture F-001"
    assert email["Message-ID"] == row.message_id
    assert row.message_id.endswith("@atelier-dupont.fr>")
    assert parsedate_to_datetime(email["Date"]) == NOW
    text = email.get_body(("plain",)).get_content()
    assert text.replace("\r\n", "\n") == "Bonjour,\nmerci de régler.\n"
    assert "<strong>merci</strong>" in email.get_body(("html",)).get_content()
    [attachment] = list(email.iter_attachments())
    assert attachment.get_filename() == "mise-en-demeure.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF
    assert (row.status, row.sent_at, row.attempts, row.last_error) == (
        MessageStatus.SENT,
        NOW,
        1,
        "",
    )
    assert db.session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "outbox_message", AuditEvent.object_id == row.id
        )
    ).all() == ["outbox.sent"]


def test_reply_to_of_the_message_wins_and_mail_from_without_a_name_uses_the_organisation(app, smtp):
    app.config["MAIL_FROM"] = SENDER
    queue(["client@example.com"], reply_to="recouvrement@atelier-dupont.fr")

    deliver_due(NOW, settings=settings_for(app))

    email = smtp.received[0].message
    assert email["Reply-To"] == "recouvrement@atelier-dupont.fr"
    assert email["From"] == f"Atelier Dupont SARL <{SENDER}>"


def test_header_injection_adds_no_header_and_no_recipient(app, smtp):
    customer = make_customer(emails=["victim@example.com"])
    customer.name = "Durand\r\nBcc: evil@example.com"
    reply_to = "a@example.com\r\nBcc: evil@example.com"
    message = queue(
        ["victim@example.com"], customer_id=customer.id, commit=False, reply_to=reply_to
    )
    message.subject = "Relance\r\nBcc: evil@example.com"  # past the queue's own cleaning
    sneaky = queue(["victim@example.com\r\nBcc: evil@example.com"])

    deliver_due(NOW, settings=settings_for(app))

    [received] = smtp.received
    assert received.recipients == ["victim@example.com"]
    email = received.message
    assert "Bcc" not in email and "Reply-To" not in email
    assert email["Subject"] == "Relance Bcc: evil@example.com"
    assert "\nBcc:" not in received.data.decode().replace("\r\n", "\n")
    header_names = [name.lower() for name in email]
    assert header_names.count("to") == 1
    assert fresh(sneaky).status is MessageStatus.FAILED
    assert "no valid recipient" in fresh(sneaky).last_error


# --- Temporary failures ----------------------------------------------------------------


def test_a_451_is_retried_after_the_backoff_not_before(app, smtp):
    message = queue(["client@example.com"])
    smtp.fail_next(1, 451)

    first = deliver_due(NOW, settings=settings_for(app))

    row = fresh(message)
    assert (first.sent, first.retry) == (0, 1)
    assert (row.status, row.attempts) == (MessageStatus.QUEUED, 1)
    assert "451" in row.last_error
    assert row.next_attempt_at == NOW + timedelta(minutes=5)
    message_id = row.message_id
    assert message_id

    early = deliver_due(NOW + timedelta(minutes=4, seconds=59), settings=settings_for(app))
    assert (early.sent, early.retry) == (0, 0)
    assert smtp.received == []

    later = deliver_due(NOW + timedelta(minutes=5), settings=settings_for(app))
    row = fresh(message)
    assert later.sent == 1
    assert (row.status, row.attempts, row.last_error) == (MessageStatus.SENT, 2, "")
    assert [r.message["Message-ID"] for r in smtp.received] == [message_id]


def test_backoff_doubles_from_five_minutes_up_to_six_hours():
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (5, 10, 20, 40)]
    assert retry_delay(7) == timedelta(minutes=320)
    assert retry_delay(8) == retry_delay(20) == timedelta(hours=6)


def test_gives_up_after_max_attempts(app, smtp):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    message = queue(["client@example.com"])
    smtp.fail_next(2, 421, "4.7.0 Too busy")

    deliver_due(NOW, settings=settings_for(app))
    report = deliver_due(NOW + timedelta(minutes=5), settings=settings_for(app))

    row = fresh(message)
    assert report.failed == 1
    assert (row.status, row.attempts) == (MessageStatus.FAILED, 2)
    assert row.last_error.startswith("gave up after 2 attempts")


def test_all_recipients_refused_with_451_is_temporary_and_marks_nothing(app, smtp):
    customer = make_customer(emails=["busy@example.com"])
    message = queue(["busy@example.com"], customer_id=customer.id)
    smtp.refuse("busy@example.com", 451, "4.2.1 Mailbox busy")

    report = deliver_due(NOW, settings=settings_for(app))

    assert report.retry == 1
    assert fresh(message).status is MessageStatus.QUEUED
    assert not db.session.scalars(select(CustomerEmail.undeliverable)).one()
    assert db.session.scalars(select(Task)).all() == []


def test_unreachable_server_is_a_temporary_failure_and_stops_the_batch(app, smtp):
    first, second = queue(["a@example.com"]), queue(["b@example.com"])
    smtp.stop()

    report = deliver_due(NOW, settings=settings_for(app))

    assert (report.sent, report.retry, report.not_tried, report.failed) == (0, 1, 1, 0)
    assert str(report).startswith("sent 0, retry later 2, failed 0 (mail server unreachable")
    assert fresh(first).attempts == 1 and "unreachable" in fresh(first).last_error
    assert fresh(first).next_attempt_at == NOW + timedelta(minutes=5)
    assert (fresh(second).attempts, fresh(second).next_attempt_at) == (0, NOW)


def test_reconnects_once_when_the_server_drops_the_session(app, smtp):
    for n in range(3):
        queue([f"client{n}@example.com"])
    smtp.drop_after_next(1)

    report = deliver_due(NOW, settings=settings_for(app))

    assert report.sent == 3
    assert len(smtp.received) == 3
    assert smtp.connections == 2


def test_one_connection_for_the_whole_batch(app, smtp):
    for n in range(5):
        queue([f"client{n}@example.com"])

    assert deliver_due(NOW, settings=settings_for(app)).sent == 5
    assert smtp.connections == 1


def test_a_crash_after_the_claim_leaves_the_message_due_ten_minutes_later(app, smtp, monkeypatch):
    message = queue(["client@example.com"])

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(SmtpConnection, "send", crash)
        with pytest.raises(KeyboardInterrupt):
            deliver_due(NOW, settings=settings_for(app))

    row = fresh(message)
    assert (row.status, row.attempts) == (MessageStatus.QUEUED, 0)
    assert NOW + timedelta(minutes=10) <= row.next_attempt_at < NOW + timedelta(minutes=11)
    claimed_id = row.message_id
    assert deliver_due(NOW + timedelta(minutes=5), settings=settings_for(app)).sent == 0
    assert deliver_due(NOW + timedelta(minutes=11), settings=settings_for(app)).sent == 1
    assert smtp.received[0].message["Message-ID"] == claimed_id


# --- Permanent failures ----------------------------------------------------------------


@pytest.fixture
def reminder_to_bad_address(app, org):
    """A reminder queued for an address two customers share, with its dunning action."""
    first = make_customer(name="Garage Durand", emails=["bad@example.com", "ok@example.com"])
    make_customer(name="Durand Holding", emails=["bad@example.com"])
    invoice = make_invoice(first)
    scenarios.install_defaults(now=NOW, actor=Actor.system())
    step = db.session.scalars(select(ScenarioStep).order_by(ScenarioStep.id)).first()
    message = queue(["bad@example.com"], customer_id=first.id, commit=False)
    db.session.flush()
    action = DunningAction(
        invoice_id=invoice.id,
        step_id=step.id,
        customer_id=first.id,
        planned_date=TODAY,
        status=ActionStatus.SENT,
        message_id=message.id,
        created_at=NOW,
        done_at=NOW,
    )
    db.session.add(action)
    db.session.commit()
    return message, action


def test_a_550_fails_the_message_marks_the_address_and_tells_the_creditor_once(
    app, smtp, reminder_to_bad_address
):
    message, action = reminder_to_bad_address
    smtp.refuse("bad@example.com", 550, "5.1.1 No such user")

    report = deliver_due(NOW, settings=settings_for(app))

    row = fresh(message)
    assert (report.sent, report.failed) == (0, 1)
    assert row.status is MessageStatus.FAILED and "550" in row.last_error
    flags = db.session.execute(select(CustomerEmail.email, CustomerEmail.undeliverable)).all()
    assert sorted(flags) == [
        ("bad@example.com", True),
        ("bad@example.com", True),
        ("ok@example.com", False),
    ]
    action = db.session.get(DunningAction, action.id)
    assert action.status is ActionStatus.FAILED and "550" in action.reason
    [task] = db.session.scalars(select(Task)).all()
    assert task.kind == "undeliverable"
    assert task.title == "Email to bad@example.com bounced: check the address"
    assert task.due_date == TODAY and task.customer_id is not None

    again = queue(["bad@example.com"])
    deliver_due(NOW + timedelta(hours=1), settings=settings_for(app))
    assert fresh(again).status is MessageStatus.FAILED
    assert len(db.session.scalars(select(Task)).all()) == 1
    assert smtp.received == []


def test_a_554_on_data_fails_the_message_without_blaming_the_address(app, smtp):
    customer = make_customer(emails=["client@example.com"])
    message = queue(["client@example.com"], customer_id=customer.id)
    smtp.fail_next(1, 554, "5.7.1 Message rejected")

    report = deliver_due(NOW, settings=settings_for(app))

    assert report.failed == 1
    assert "554" in fresh(message).last_error
    assert not db.session.scalars(select(CustomerEmail.undeliverable)).one()


def test_partial_refusal_delivers_to_the_others_and_marks_the_refused(app, smtp):
    customer = make_customer(emails=["good@example.com", "gone@example.com"])
    message = queue(["good@example.com", "gone@example.com"], customer_id=customer.id)
    smtp.refuse("gone@example.com", 550)

    report = deliver_due(NOW, settings=settings_for(app))

    assert report.sent == 1
    assert [r.recipients for r in smtp.received] == [["good@example.com"]]
    assert fresh(message).status is MessageStatus.SENT
    flags = dict(db.session.execute(select(CustomerEmail.email, CustomerEmail.undeliverable)).all())
    assert flags == {"good@example.com": False, "gone@example.com": True}
    assert db.session.scalars(select(Task.title)).one() == (
        "Email to gone@example.com bounced: check the address"
    )


# --- Attachments -------------------------------------------------------------------------


def test_an_attachment_outside_the_instance_folder_fails_the_message(app, smtp, tmp_path):
    (tmp_path / "outside.pdf").write_bytes(PDF)
    escaping = queue(["a@example.com"], attachments=[pdf_attachment("../outside.pdf")])
    absolute = queue(["b@example.com"], attachments=[pdf_attachment(str(tmp_path / "outside.pdf"))])

    report = deliver_due(NOW, settings=settings_for(app))

    assert report.failed == 2 and smtp.received == []
    for message in (escaping, absolute):
        assert fresh(message).status is MessageStatus.FAILED
        assert "outside the instance folder" in fresh(message).last_error


def test_attachment_path_stays_inside_the_instance_folder(tmp_path):
    instance = tmp_path / "instance"
    (instance / "letters").mkdir(parents=True)
    (instance / "letters" / "a.pdf").write_bytes(PDF)
    (tmp_path / "secret.txt").write_text("secret")
    (instance / "letters" / "link.pdf").symlink_to(tmp_path / "secret.txt")

    assert attachment_path(instance, "letters/a.pdf").read_bytes() == PDF
    for path in ("../secret.txt", str(tmp_path / "secret.txt"), "letters/link.pdf", "", "."):
        with pytest.raises(AttachmentRefused):
            attachment_path(instance, path)
    with pytest.raises(AttachmentRefused, match="missing"):
        attachment_path(instance, "letters/none.pdf")


# --- No mail server ----------------------------------------------------------------------


def test_without_a_mail_server_messages_wait_with_a_note_set_once(app, org):
    assert not app.config["SMTP_URL"]
    first = queue(["a@example.com"])
    earlier = queue(["b@example.com"], commit=False)
    earlier.last_error = "451 4.3.0 Try again later"
    db.session.commit()

    report = deliver_due(NOW, settings=settings_for(app))
    again = deliver_due(NOW + timedelta(hours=1), settings=settings_for(app))

    assert str(report) == str(again) == "no mail server configured: 2 messages waiting"
    row = fresh(first)
    assert (row.status, row.attempts, row.last_error) == (
        MessageStatus.QUEUED,
        0,
        "not delivered: no mail server configured",
    )
    assert fresh(earlier).last_error == "451 4.3.0 Try again later"
    assert delivery.waiting_count() == 2


# --- Two runs at once --------------------------------------------------------------------


def test_two_concurrent_runs_deliver_each_message_exactly_once(app, smtp):
    count = 40
    for n in range(count):
        queue([f"client{n}@example.com"])
    settings = settings_for(app)
    start = threading.Barrier(2)
    reports, errors = [], []

    def run() -> None:
        with app.app_context():
            try:
                start.wait()
                reports.append(deliver_due(NOW, settings=settings))
            except Exception as exc:  # surfaced by the assertion below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    ids = [r.message["Message-ID"] for r in smtp.received]
    assert len(ids) == count and len(set(ids)) == count
    assert sum(r.sent for r in reports) == count
    db.session.expire_all()
    statuses = db.session.scalars(select(OutboxMessage.status)).all()
    assert statuses == [MessageStatus.SENT] * count


# --- Configuration -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com:2525", ("none", "mail.example.com", 2525, "", "")),
        ("smtp://127.0.0.1", ("none", "127.0.0.1", 25, "", "")),
        (
            "smtp+starttls://user%40example.com:p%40ss%2Fw%3Ard@smtp.example.com:587",
            ("starttls", "smtp.example.com", 587, "user@example.com", "p@ss/w:rd"),
        ),
        (
            "smtp+starttls://u:hunter22@smtp.example.com",
            ("starttls", "smtp.example.com", 587, "u", "hunter22"),
        ),
        (
            "smtps://apikey:s3cr%23t@smtp.example.com:465",
            ("tls", "smtp.example.com", 465, "apikey", "s3cr#t"),
        ),
        ("SMTPS://u:hunter22@smtp.example.com", ("tls", "smtp.example.com", 465, "u", "hunter22")),
    ],
)
def test_parse_smtp_url(url, expected):
    parsed = parse_smtp_url(url)
    assert (parsed.security, parsed.host, parsed.port, parsed.username, parsed.password) == expected
    assert not parsed.password or parsed.password not in repr(parsed)


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example.com",
        "smtp://",
        "smtp://mail.example.com:port",
        "smtp://user:pass@mail.example.com",
        "mail.example.com:25",
    ],
)
def test_parse_smtp_url_refuses(url):
    with pytest.raises(MailConfigError):
        parse_smtp_url(url)


def test_mail_from_is_required_with_a_mail_server(app):
    app.config.update(SMTP_URL="smtp://127.0.0.1:2525", MAIL_FROM=None)
    with pytest.raises(MailConfigError, match="PORTAL_MAIL_FROM is required"):
        settings_for(app)
    app.config["MAIL_FROM"] = "not an address"
    with pytest.raises(MailConfigError, match="not an email address"):
        settings_for(app)
    app.config["MAIL_FROM"] = "Atelier <relances@atelier-dupont.fr>"
    assert settings_for(app).sender == "relances@atelier-dupont.fr"


# --- The command -------------------------------------------------------------------------


def test_outbox_send_command(app, runner, smtp):
    queue(["a@example.com"])
    queue(["b@example.com"])
    smtp.refuse("b@example.com", 550)

    result = runner.invoke(args=["outbox", "send"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 1, retry later 0, failed 1"


def test_outbox_send_command_without_a_mail_server(app, runner, org):
    queue(["a@example.com"])

    result = runner.invoke(args=["outbox", "send"])

    assert result.exit_code == 0
    assert result.output.strip() == "no mail server configured: 1 messages waiting"


def test_outbox_send_command_explains_a_missing_sender(app, runner):
    app.config.update(SMTP_URL="smtp://127.0.0.1:2525", MAIL_FROM="")

    result = runner.invoke(args=["outbox", "send"])

    assert result.exit_code == 1
    assert "PORTAL_MAIL_FROM is required" in result.output


def test_no_transaction_holds_the_message_while_the_server_is_talked_to(app, smtp):
    """Another connection can write the very row being sent, without waiting."""
    message = queue(["a@example.com"])
    engine, outcomes = db.engine, []

    def write_meanwhile(envelope) -> None:
        with app.app_context(), engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            connection.exec_driver_sql(
                "PRAGMA busy_timeout = 0" if sqlite else "SET lock_timeout = '500ms'"
            )
            try:
                connection.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == message.id)
                    .values(kind=OutboxMessage.kind)
                )
                connection.rollback()
                outcomes.append("written")
            except Exception as exc:  # a held lock: reported by the assertion
                outcomes.append(repr(exc))
            finally:
                connection.rollback()
                connection.exec_driver_sql(
                    "PRAGMA busy_timeout = 10000" if sqlite else "SET lock_timeout = 0"
                )

    smtp.handler.on_data = write_meanwhile
    assert deliver_due(NOW, settings=settings_for(app)).sent == 1
    assert outcomes == ["written"]
