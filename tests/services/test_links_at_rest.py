"""Nothing that opens a debtor's account is kept: not in the outbox, not anywhere in the database."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.engine import make_url

from portal.extensions import db
from portal.models import AccessLink, Customer, MessageStatus, OutboxMessage
from portal.services import links
from portal.services.demo import demo_data
from portal.services.dunning import dunning_pass
from portal.services.dunning.dunning_settings import DunningSettings
from portal.services.mail import delivery
from portal.services.mail.delivery_settings import DeliverySettings

from ..conftest import USING_POSTGRES

PARIS = ZoneInfo("Europe/Paris")
DEMO_DAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 10, tzinfo=PARIS).astimezone(UTC)
TOKEN_IN_LINK = re.compile(r"/p/([A-Za-z0-9_-]{43})\b")


def delivered_tokens(smtp_server) -> dict[str, str]:
    """Each token found in the delivered emails (text and HTML parts), with its recipient."""
    found = {}
    for received in smtp_server.received:
        message = received.message
        for part in ("plain", "html"):
            body = message.get_body((part,)).get_content()
            for token in TOKEN_IN_LINK.findall(body):
                found[token] = received.recipients[0]
    return found


def every_stored_value() -> list[tuple[str, str, str]]:
    """(table, column, value as text) for every non-empty value of every table."""
    values = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            for column, value in row.items():
                if value is not None and value != "":
                    values.append((table.name, column, str(value)))
    return values


def test_a_real_pass_and_delivery_leave_no_usable_token_at_rest(app, smtp_server, monkeypatch):
    app.config["TODAY"] = None
    smtp_server.configure(app)
    demo_data.load(today=DEMO_DAY, now=NOW)
    issued: list[str] = []
    real_email_token = links.email_token

    def recording(nonce, key):
        issued.append(real_email_token(nonce, key))
        return issued[-1]

    monkeypatch.setattr(links, "email_token", recording)
    some = db.session.scalar(select(Customer).where(Customer.ref == "CL0001"))
    links.send_fresh_link(
        some.email_addresses[0], now=NOW, days=30, base_url=app.config["BASE_URL"]
    )
    db.session.commit()

    result = dunning_pass.run_pass(NOW, DunningSettings.from_config(app.config))
    report = delivery.deliver_due(NOW, settings=DeliverySettings.from_config(app.config))

    assert result.emails >= 10 and report.sent == result.emails + 1 and report.failed == 0
    tokens = delivered_tokens(smtp_server)
    assert set(tokens) == set(issued) and len(tokens) == report.sent
    leaks = [
        (table, column)
        for table, column, value in every_stored_value()
        for token in issued
        if token in value
    ]
    assert leaks == []
    if not USING_POSTGRES:
        database = Path(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)
        raw = b"".join(
            path.read_bytes() for path in (database, Path(f"{database}-wal")) if path.exists()
        )
        assert not [token for token in issued if token.encode() in raw]
    sent = list(db.session.scalars(select(OutboxMessage)))
    assert all(m.status is MessageStatus.SENT and m.link_id for m in sent)
    assert all("/p/[personal-link]" in m.text_body for m in sent)
    assert db.session.scalar(select(AccessLink.id).where(AccessLink.nonce.is_not(None))) is None

    addresses = {
        email: customer
        for customer in db.session.scalars(select(Customer))
        for email in customer.email_addresses
    }
    for token, recipient in tokens.items():
        debtor = app.test_client()
        response = debtor.get(f"/p/{token}")
        assert response.status_code == 302 and response.location.endswith("/account")
        page = debtor.get("/account").get_data(as_text=True)
        assert str(escape(addresses[recipient].name)) in page


def test_a_retried_email_carries_the_link_it_would_have_carried(app, smtp_server):
    from datetime import timedelta

    from portal.services import notifications

    from ..factories import make_customer, make_organisation

    smtp_server.configure(app)
    make_organisation()
    customer = make_customer(emails=["ap@client.example"])
    notifications.tell_debtor(
        customer,
        "fresh_link",
        now=NOW,
        link=notifications.PortalLink(app.config["BASE_URL"], 30),
        expires_at=NOW + timedelta(days=30),
    )
    db.session.commit()
    settings = DeliverySettings.from_config(app.config)
    smtp_server.fail_next(1, 451)

    assert delivery.deliver_due(NOW, settings=settings).retry == 1
    link = db.session.scalar(select(AccessLink))
    assert link.nonce and link.token_hash, "kept for the retry; the hash is already live"
    later = NOW + timedelta(hours=1)
    assert delivery.deliver_due(later, settings=settings).sent == 1

    (token,) = delivered_tokens(smtp_server)
    assert links.hash_token(token) == link.token_hash and link.nonce is None
    assert links.resolve(token, now=later).customer_id == customer.id


def test_an_email_queued_with_its_token_written_in_it_is_redacted_once_sent(app, smtp_server):
    from portal.services.mail import outbox

    from ..factories import make_customer

    smtp_server.configure(app)
    customer = make_customer(emails=["ap@client.example"])
    token = links.create(customer, now=NOW, days=30, actor=links.audit.Actor.system())
    url = links.absolute_url(token, app.config["BASE_URL"])
    message = outbox.queue(
        kind="fresh_link",
        to=["ap@client.example"],
        subject="Your link",
        text_body=f"Open {url}\n",
        html_body=f'<a href="{url}">Open</a>',
        now=NOW,
        customer_id=customer.id,
    )
    db.session.commit()

    delivery.deliver_due(NOW, settings=DeliverySettings.from_config(app.config))

    assert list(delivered_tokens(smtp_server)) == [token]
    db.session.refresh(message)
    assert token not in message.text_body + message.html_body
    assert "/p/[redacted]" in message.text_body and "/p/[redacted]" in message.html_body
