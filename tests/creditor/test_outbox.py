"""The creditor's outbox pages and the "no mail server" banner."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.services.mail import delivery, outbox
from portal.services.mail.delivery_settings import DeliverySettings

from ..conftest import NOW
from ..factories import make_customer

PDF = b"%PDF-1.4\n" + bytes(range(256)) + b"\n%%EOF\n"


@pytest.fixture
def english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"


def attachment(filename: str, content_type: str, path: str) -> dict:
    return {"filename": filename, "content_type": content_type, "path": path}


def queue(to, subject="Relance facture F-001", *, minutes=0, **kw):
    values = {"kind": "reminder", "text_body": "Bonjour,\nmerci de régler.", "now": NOW}
    values["now"] = NOW + timedelta(minutes=minutes)
    values.update(kw)
    message = outbox.queue(to=to, subject=subject, **values)
    db.session.commit()
    return message


@pytest.mark.parametrize("path", ["/outbox", "/outbox/1", "/outbox/1/attachments/0"])
def test_outbox_pages_require_login(client, owner, path):
    queue(["a@example.com"])
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.location


def test_list_shows_messages_newest_first_with_their_status(client, logged_in, english):
    queue(["first@example.com"], "Older subject")
    failed = queue(["second@example.com"], "Newer subject", minutes=1)
    failed.status, failed.attempts, failed.last_error = "failed", 3, "550 5.1.1 No such user"
    db.session.commit()

    page = client.get("/outbox").get_data(as_text=True)

    assert page.index("Newer subject") < page.index("Older subject")
    assert "second@example.com" in page and "550 5.1.1 No such user" in page
    assert "Failed" in page and "Waiting" in page and "Reminder" in page
    only_failed = client.get("/outbox?status=failed").get_data(as_text=True)
    assert "Newer subject" in only_failed and "Older subject" not in only_failed
    assert 'aria-current="page"' in page.split("Outbox</a>")[0].rsplit("<li>", 1)[1]


def test_list_pages(app, client, logged_in, english):
    app.config["PAGE_SIZE"] = 2
    for n in range(5):
        queue([f"c{n}@example.com"], f"Subject number {n}", minutes=n)

    first = client.get("/outbox").get_data(as_text=True)
    last = client.get("/outbox?page=3").get_data(as_text=True)

    assert "Subject number 4" in first and "Subject number 2" not in first
    assert "/outbox?page=2" in first
    assert "Subject number 0" in last and "Subject number 1" not in last


def test_show_renders_the_html_part_only_inside_a_sandboxed_iframe(client, logged_in, english):
    customer = make_customer(name="Garage Durand", emails=["garage@example.com"])
    message = queue(
        ["garage@example.com"],
        html_body='<p onclick="x()">Payez ici</p><script>alert("pwned")</script>',
        customer_id=customer.id,
        reply_to="compta@atelier-dupont.fr",
    )

    response = client.get(f"/outbox/{message.id}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "garage@example.com" in page and "compta@atelier-dupont.fr" in page
    assert "Relance facture F-001" in page
    assert "Bonjour,\nmerci de régler." in page
    assert "<script>alert" not in page and '<p onclick="x()">' not in page
    assert f'<iframe class="email-preview" sandbox src="/outbox/{message.id}/html"' in page
    assert f"/customers/{customer.id}" in page

    part = client.get(f"/outbox/{message.id}/html")
    assert part.mimetype == "text/html" and b'<p onclick="x()">Payez ici</p>' in part.data
    csp = part.headers["Content-Security-Policy"]
    assert csp.startswith("sandbox;") and "script-src" not in csp and "default-src 'none'" in csp
    assert part.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_show_unknown_message_is_404(client, logged_in):
    assert client.get("/outbox/999").status_code == 404


def test_attachment_downloads_only_from_inside_the_instance_folder(
    app, client, logged_in, tmp_path
):
    folder = os.path.join(app.instance_path, "letters")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "n.pdf"), "wb") as handle:
        handle.write(PDF)
    (tmp_path / "secret.txt").write_text("do not serve")
    attachments = [
        attachment("mise-en-demeure.pdf", "application/pdf", "letters/n.pdf"),
        attachment("secret.txt", "text/plain", "../secret.txt"),
        attachment("passwd", "text/plain", "/etc/passwd"),
    ]
    message = queue(["a@example.com"], attachments=attachments)

    good = client.get(f"/outbox/{message.id}/attachments/0")
    assert good.status_code == 200
    assert good.data == PDF
    assert good.mimetype == "application/pdf"
    assert "attachment" in good.headers["Content-Disposition"]
    assert "mise-en-demeure.pdf" in good.headers["Content-Disposition"]
    for index in (1, 2, 3):
        assert client.get(f"/outbox/{message.id}/attachments/{index}").status_code == 404
    page = client.get(f"/outbox/{message.id}").get_data(as_text=True)
    assert f"/outbox/{message.id}/attachments/0" in page


def test_banner_without_a_mail_server_counts_waiting_messages(app, client, logged_in, english):
    queue(["a@example.com"])
    queue(["b@example.com"])
    delivery.deliver_due(NOW, settings=DeliverySettings.from_config(app.config))

    home = client.get("/").get_data(as_text=True)
    assert "No mail server is configured" in home
    assert "2 messages are waiting in the outbox" in home
    listing = client.get("/outbox").get_data(as_text=True)
    assert "not delivered: no mail server configured" in listing


def test_no_banner_once_a_mail_server_is_configured(app, client, logged_in, english):
    queue(["a@example.com"])
    app.config.update(SMTP_URL="smtp://127.0.0.1:2525", MAIL_FROM="relances@example.com")

    home = client.get("/").get_data(as_text=True)

    assert "No mail server is configured" not in home
