"""The sending window, checked when a message is delivered to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.extensions import db
from portal.models import MessageKind, MessageStatus, OutboxMessage
from portal.services.mail import outbox
from portal.services.mail.delivery import deliver_due
from portal.services.mail.delivery_settings import DeliverySettings
from portal.services.mail.delivery_window import waits_for_window

from ..factories import make_customer, make_organisation

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)


@pytest.fixture
def org(app):
    return make_organisation()


@pytest.fixture
def smtp(app, org, smtp_server):
    smtp_server.configure(app)
    return smtp_server


def queue(customer=None, *, kind="reminder", at) -> OutboxMessage:
    customer = customer or make_customer()
    message = outbox.queue(
        kind=kind,
        to=customer.email_addresses,
        subject="Facture F-001",
        text_body="Bonjour.\n",
        now=at,
        customer_id=customer.id,
    )
    db.session.commit()
    return message


def deliver(app, at):
    return deliver_due(at, settings=DeliverySettings.from_config(app.config))


def fresh(message: OutboxMessage) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message.id)


def test_a_reminder_delivered_on_saturday_at_1959_leaves(app, smtp):
    message = queue(at=paris(2026, 11, 28, 19, 0))

    report = deliver(app, paris(2026, 11, 28, 19, 59))

    assert report.sent == 1
    assert fresh(message).status is MessageStatus.SENT
    assert len(smtp.received) == 1


def test_at_2001_on_saturday_it_waits_for_monday_0800(app, smtp):
    message = queue(at=paris(2026, 11, 28, 19, 0))

    report = deliver(app, paris(2026, 11, 28, 20, 1))

    assert (report.sent, report.deferred) == (0, 1)
    assert "waiting for the sending window 1" in str(report)
    assert smtp.received == []
    row = fresh(message)
    assert (row.status, row.attempts) == (MessageStatus.QUEUED, 0)
    assert row.next_attempt_at == paris(2026, 11, 30, 8, 0)

    assert deliver(app, paris(2026, 11, 29, 12, 0)).sent == 0  # Sunday: not even due
    assert deliver(app, paris(2026, 11, 30, 8, 0)).sent == 1
    assert len(smtp.received) == 1


def test_a_public_holiday_waits_for_the_next_working_day(app, smtp):
    message = queue(at=paris(2026, 12, 24, 19, 0))

    deliver(app, paris(2026, 12, 25, 10, 0))  # Christmas Day

    assert smtp.received == []
    assert fresh(message).next_attempt_at == paris(2026, 12, 26, 8, 0)


@pytest.mark.parametrize(
    ("alsace_moselle", "opening"),
    [(False, paris(2026, 12, 26, 8, 0)), (True, paris(2026, 12, 28, 8, 0))],
)
def test_26_december_is_a_holiday_only_in_alsace_moselle(app, smtp, org, alsace_moselle, opening):
    org.alsace_moselle_holidays = alsace_moselle
    db.session.commit()
    message = queue(at=paris(2026, 12, 24, 19, 0))

    deliver(app, paris(2026, 12, 24, 20, 30))

    assert fresh(message).next_attempt_at == opening
    assert deliver(app, opening - timedelta(seconds=1)).sent == 0
    assert deliver(app, opening).sent == 1


def test_good_friday_in_alsace_moselle(app, smtp, org):
    org.alsace_moselle_holidays = True
    db.session.commit()
    message = queue(at=paris(2027, 3, 25, 19, 0))

    deliver(app, paris(2027, 3, 26, 9, 0))  # Good Friday 2027

    assert fresh(message).next_attempt_at == paris(2027, 3, 27, 8, 0)


def test_the_window_follows_the_debtors_timezone(app, smtp):
    martinique = make_customer(timezone="America/Martinique")  # UTC-4 all year
    at_home = make_customer()
    late_there = queue(martinique, at=paris(2026, 11, 23, 9, 0))
    fine_here = queue(at_home, at=paris(2026, 11, 23, 9, 0))

    report = deliver(app, paris(2026, 11, 23, 10, 0))  # 05:00 in Martinique

    assert (report.sent, report.deferred) == (1, 1)
    assert fresh(fine_here).status is MessageStatus.SENT
    assert fresh(late_there).next_attempt_at == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert smtp.received[0].recipients == at_home.email_addresses


def test_the_organisations_timezone_applies_when_the_customer_has_none(app, smtp, org):
    org.timezone = "Indian/Reunion"  # UTC+4
    db.session.commit()
    message = queue(at=paris(2026, 11, 23, 9, 0))

    deliver(app, paris(2026, 11, 23, 17, 30))  # 20:30 in Réunion

    assert fresh(message).next_attempt_at == datetime(2026, 11, 24, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize("kind", ["fresh_link", "receipt", "payment_notification"])
def test_what_the_debtor_asked_for_and_alerts_to_the_creditor_leave_at_23_00(app, smtp, kind):
    message = queue(kind=kind, at=paris(2026, 11, 28, 23, 0))

    report = deliver(app, paris(2026, 11, 28, 23, 0))

    assert (report.sent, report.deferred) == (1, 0)
    assert fresh(message).status is MessageStatus.SENT


def test_a_retry_that_would_fall_after_20_00_waits_for_the_next_opening(app, smtp):
    message = queue(at=paris(2026, 11, 28, 19, 0))
    smtp.fail_next(1, 451)

    report = deliver(app, paris(2026, 11, 28, 19, 58))

    assert report.retry == 1
    assert fresh(message).next_attempt_at == paris(2026, 11, 30, 8, 0)


def test_every_kind_is_classified_and_unsolicited_ones_wait():
    waiting = {kind for kind in MessageKind if waits_for_window(kind)}
    assert waiting == {
        MessageKind.REMINDER,
        MessageKind.FORMAL_NOTICE,
        MessageKind.PLAN_REMINDER,
        MessageKind.PLAN_MISSED,
        MessageKind.PLAN_BROKEN,
        MessageKind.PROMISE_BROKEN,
        MessageKind.MESSAGE_TO_DEBTOR,
    }
    assert waits_for_window("some_future_kind")
