"""Several delivery runs at once, against a real SMTP server: every message leaves exactly once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import create_engine, select, text

from portal import create_app
from portal.extensions import db
from portal.models import MessageStatus, OutboxMessage
from portal.services.mail import outbox
from portal.services.mail.delivery import deliver_due
from portal.services.mail.delivery_settings import DeliverySettings

from ..conftest import NOW, USING_POSTGRES
from ..factories import make_organisation

MESSAGES = 300
WORKERS = 3


def queue_messages(count: int) -> None:
    for n in range(count):
        outbox.queue(
            kind="reminder",
            to=[f"client{n}@example.com"],
            subject=f"Facture F-{n:04d}",
            text_body=f"Bonjour,\nla facture F-{n:04d} attend votre règlement.\n",
            now=NOW,
        )
    db.session.commit()


def test_three_runs_at_once_send_every_message_exactly_once(app, app_config, smtp_server):
    """Each run has its own app, engine and session, like a worker on another machine."""
    make_organisation(language="en")
    queue_messages(MESSAGES)
    config = {**app_config, "SMTP_URL": smtp_server.url, "MAIL_FROM": "relances@example.com"}
    workers = [create_app(config) for _ in range(WORKERS)]
    start = threading.Barrier(WORKERS)
    reports, errors = [], []

    def run(worker) -> None:
        with worker.app_context():
            try:
                settings = DeliverySettings.from_config(worker.config)
                start.wait()
                reports.append(deliver_due(NOW, settings=settings))
            except Exception as exc:  # surfaced by the assertion below
                errors.append(exc)
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert errors == []
    received = Counter(r.message["Message-ID"] for r in smtp_server.received)
    assert len(received) == MESSAGES and set(received.values()) == {1}
    subjects = sorted(r.message["Subject"] for r in smtp_server.received)
    assert subjects == sorted(f"Facture F-{n:04d}" for n in range(MESSAGES))
    assert sum(r.sent for r in reports) == MESSAGES and len(reports) == WORKERS
    db.session.expire_all()
    rows = db.session.execute(select(OutboxMessage.status, OutboxMessage.message_id)).all()
    assert {status for status, _ in rows} == {MessageStatus.SENT}
    assert {message_id for _, message_id in rows} == set(received)


@pytest.mark.postgres_only
def test_a_message_another_run_is_claiming_is_passed_over_not_waited_for(
    app, database_url, smtp_server
):
    """Without SKIP LOCKED the run would wait on the locked row (here: fail on lock_timeout)."""
    assert USING_POSTGRES
    make_organisation(language="en")
    queue_messages(3)
    smtp_server.configure(app)
    first = db.session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id))
    other = create_engine(database_url)
    try:
        with other.connect() as claiming:  # another run, in the middle of claiming the first
            claiming.execute(
                text("SELECT id FROM outbox_messages WHERE id = :id FOR UPDATE"), {"id": first}
            )
            db.session.execute(text("SET lock_timeout = '2s'"))
            report = deliver_due(NOW, settings=DeliverySettings.from_config(app.config))
            claiming.rollback()
    finally:
        other.dispose()

    assert report.sent == 2
    assert len(smtp_server.received) == 2
    db.session.expire_all()
    assert db.session.get(OutboxMessage, first).status == MessageStatus.QUEUED
