"""The dunning pass, day by day, with explicit dates."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from portal.extensions import db
from portal.models import ActionStatus, DunningAction, OutboxMessage, PaymentMethod, Task
from portal.services import customers
from portal.services.audit import Actor
from portal.services.dunning import dunning_pass, pass_data, scenarios
from portal.services.dunning.dunning_settings import DunningSettings
from portal.services.payments import ledger

from ..factories import make_customer, make_invoice, make_organisation

PARIS = ZoneInfo("Europe/Paris")
# 2026-03-02 is a Monday.
MONDAY = date(2026, 3, 2)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS).astimezone(UTC)


@pytest.fixture
def settings(app, tmp_path) -> DunningSettings:
    make_organisation()
    scenarios.install_defaults(now=at(MONDAY), actor=Actor.system())
    return DunningSettings(
        timezone=PARIS,
        base_url="https://portal.example.test",
        link_days=90,
        instance_path=Path(tmp_path),
    )


def sent(invoice) -> list[str]:
    rows = (
        db.session.query(DunningAction)
        .filter_by(invoice_id=invoice.id)
        .order_by(DunningAction.id)
        .all()
    )
    return [f"{r.step.name}:{r.status}" for r in rows]


def test_due_soon_gets_courtesy_then_first_reminder(settings):
    customer = make_customer(name="Boulangerie Martin")
    invoice = make_invoice(
        customer, issue_date=MONDAY - timedelta(days=27), due_date=MONDAY + timedelta(days=3)
    )
    result = dunning_pass.run_pass(at(MONDAY), settings)
    assert result.emails == 1
    assert sent(invoice) == ["Courtesy notice:sent"]
    message = db.session.query(OutboxMessage).one()
    assert message.to_addresses == customer.email_addresses
    assert invoice.number in message.text_body
    assert (
        "https://portal.example.test/p/" in message.text_body
        and "https://portal.example.test/p/" in message.html_body
    )
    assert message.subject.startswith("Rappel")
    # the same day again: nothing more
    assert dunning_pass.run_pass(at(MONDAY, 15), settings).emails == 0
    # D+1 (Friday): first reminder
    dunning_pass.run_pass(at(MONDAY + timedelta(days=4)), settings)
    assert sent(invoice) == ["Courtesy notice:sent", "First reminder:sent"]


def test_imported_late_invoice_catches_up_one_step_at_a_time(settings):
    customer = make_customer()
    invoice = make_invoice(
        customer, issue_date=MONDAY - timedelta(days=70), due_date=MONDAY - timedelta(days=40)
    )
    dunning_pass.run_pass(at(MONDAY), settings)
    assert sent(invoice) == ["Courtesy notice:skipped", "First reminder:sent"]
    for offset in range(1, 7):  # nothing for the next six days: the gap
        dunning_pass.run_pass(at(MONDAY + timedelta(days=offset)), settings)
    assert sent(invoice) == ["Courtesy notice:skipped", "First reminder:sent"]
    dunning_pass.run_pass(at(MONDAY + timedelta(days=7)), settings)
    assert sent(invoice)[-1] == "Second reminder:sent"


def test_one_email_per_customer_grouping_invoices(settings):
    customer = make_customer()
    a = make_invoice(
        customer, issue_date=MONDAY - timedelta(days=31), due_date=MONDAY - timedelta(days=1)
    )
    b = make_invoice(
        customer, issue_date=MONDAY - timedelta(days=38), due_date=MONDAY - timedelta(days=8)
    )
    result = dunning_pass.run_pass(at(MONDAY), settings)
    assert result.emails == 1
    message = db.session.query(OutboxMessage).one()
    assert a.number in message.text_body and b.number in message.text_body
    assert {
        r.message_id for r in db.session.query(DunningAction).filter_by(status=ActionStatus.SENT)
    } == {message.id}


def test_nothing_at_night_on_sundays_or_holidays(settings):
    customer = make_customer()
    make_invoice(
        customer, issue_date=MONDAY - timedelta(days=31), due_date=MONDAY - timedelta(days=1)
    )
    assert dunning_pass.run_pass(at(MONDAY, 6), settings).waiting_for_window
    assert dunning_pass.run_pass(at(MONDAY, 21), settings).waiting_for_window
    assert dunning_pass.run_pass(
        at(MONDAY - timedelta(days=1), 11), settings
    ).waiting_for_window  # Sunday
    assert dunning_pass.run_pass(
        at(date(2026, 5, 1), 11), settings
    ).waiting_for_window  # Labour Day
    assert db.session.query(OutboxMessage).count() == 0
    assert dunning_pass.run_pass(at(MONDAY, 8), settings).emails == 1


def test_no_reminder_for_paid_or_paused(settings):
    paid_customer = make_customer()
    paid = make_invoice(
        paid_customer, issue_date=MONDAY - timedelta(days=31), due_date=MONDAY - timedelta(days=1)
    )
    ledger.record_payment(
        paid,
        amount_cents=paid.total_cents,
        paid_on=MONDAY,
        method=PaymentMethod.CARD,
        reference="",
        actor=Actor.system(),
        now=at(MONDAY),
    )
    db.session.commit()
    paused_customer = make_customer()
    make_invoice(
        paused_customer, issue_date=MONDAY - timedelta(days=31), due_date=MONDAY - timedelta(days=1)
    )
    customers.pause_reminders(
        paused_customer,
        until=MONDAY + timedelta(days=3),
        today=MONDAY,
        actor=Actor.system(),
        now=at(MONDAY),
    )
    assert dunning_pass.run_pass(at(MONDAY), settings).emails == 0
    assert (
        dunning_pass.run_pass(at(MONDAY + timedelta(days=4)), settings).emails == 1
    )  # the pause is over


def test_undeliverable_addresses_are_not_used(settings):
    customer = make_customer(emails=["gone@example.fr", "ok@example.fr"])
    customer.emails[0].undeliverable = True
    db.session.commit()
    make_invoice(
        customer, issue_date=MONDAY - timedelta(days=31), due_date=MONDAY - timedelta(days=1)
    )
    dunning_pass.run_pass(at(MONDAY), settings)
    assert db.session.query(OutboxMessage).one().to_addresses == ["ok@example.fr"]


def test_escalation_becomes_a_task(settings):
    customer = make_customer()
    invoice = make_invoice(
        customer, issue_date=MONDAY - timedelta(days=80), due_date=MONDAY - timedelta(days=50)
    )
    # pretend every email step was already sent long ago
    for step in scenarios.for_customer(customer).steps:
        if step.kind != "task":
            db.session.add(
                DunningAction(
                    invoice_id=invoice.id,
                    step_id=step.id,
                    customer_id=customer.id,
                    planned_date=MONDAY,
                    status=ActionStatus.SENT,
                    created_at=at(MONDAY - timedelta(days=20)),
                    done_at=at(MONDAY - timedelta(days=20)),
                )
            )
    db.session.commit()
    result = dunning_pass.run_pass(at(MONDAY), settings)
    assert result.tasks == 1 and result.emails == 0
    task = db.session.query(Task).one()
    assert invoice.number in task.title and task.customer_id == customer.id


def test_dry_run_writes_nothing(settings):
    customer = make_customer()
    make_invoice(
        customer, issue_date=MONDAY - timedelta(days=31), due_date=MONDAY - timedelta(days=1)
    )
    result = dunning_pass.run_pass(at(MONDAY), settings, dry_run=True)
    assert result.emails == 1 and any(line.step == "First reminder" for line in result.lines)
    assert (
        db.session.query(DunningAction).count() == 0
        and db.session.query(OutboxMessage).count() == 0
    )


def test_a_second_pass_racing_the_first_sends_nothing_twice(settings):
    customer = make_customer()
    invoice = make_invoice(
        customer, issue_date=MONDAY - timedelta(days=31), due_date=MONDAY - timedelta(days=1)
    )
    step = scenarios.for_customer(customer).steps[1]
    # another process recorded the step after this pass loaded its data
    original = pass_data.PassData.__init__

    def racing_init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        from sqlalchemy import insert

        db.session.execute(
            insert(DunningAction).values(
                invoice_id=invoice.id,
                step_id=step.id,
                customer_id=customer.id,
                planned_date=MONDAY,
                status=ActionStatus.SENT,
                created_at=at(MONDAY),
                done_at=at(MONDAY),
            )
        )
        db.session.commit()

    pass_data.PassData.__init__ = racing_init
    try:
        result = dunning_pass.run_pass(at(MONDAY), settings)
    finally:
        pass_data.PassData.__init__ = original
    assert result.emails == 0
    assert db.session.query(OutboxMessage).count() == 0
    assert db.session.query(DunningAction).count() == 1


def test_cli_reminders_run_dry_run(runner, settings):
    customer = make_customer(ref="CLI1")
    make_invoice(
        customer, issue_date=MONDAY - timedelta(days=31), due_date=MONDAY - timedelta(days=1)
    )
    result = runner.invoke(args=["reminders", "run", "--today", MONDAY.isoformat(), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "CLI1" in result.output and "First reminder" in result.output
    assert "Dry run: would have sent 1 email(s)" in result.output
    assert db.session.query(OutboxMessage).count() == 0
    result = runner.invoke(args=["reminders", "run", "--today", MONDAY.isoformat()])
    assert "Sent 1 email(s)" in result.output
    assert db.session.query(OutboxMessage).count() == 1


def test_declared_paid_or_paying_online_invoices_wait(settings):
    from portal.models import AttemptStatus, CheckoutAttempt, PaidDeclaration

    declared_customer = make_customer()
    declared = make_invoice(
        declared_customer,
        issue_date=MONDAY - timedelta(days=31),
        due_date=MONDAY - timedelta(days=1),
    )
    db.session.add(
        PaidDeclaration(
            customer_id=declared_customer.id,
            invoice_ids=[declared.id],
            paid_on=MONDAY,
            amount_cents=declared.total_cents,
            currency="EUR",
            method="transfer",
            pause_until=MONDAY + timedelta(days=7),
            created_at=at(MONDAY),
        )
    )
    sepa_customer = make_customer()
    sepa = make_invoice(
        sepa_customer, issue_date=MONDAY - timedelta(days=31), due_date=MONDAY - timedelta(days=1)
    )
    db.session.add(
        CheckoutAttempt(
            customer_id=sepa_customer.id,
            idempotency_key="k1",
            amount_cents=sepa.total_cents,
            currency="EUR",
            allocations={str(sepa.id): sepa.total_cents},
            status=AttemptStatus.PROCESSING,
            created_at=at(MONDAY),
            updated_at=at(MONDAY),
        )
    )
    db.session.commit()
    assert dunning_pass.run_pass(at(MONDAY), settings).emails == 0
    # the declaration's pause ends after 7 days without a decision: reminders resume
    assert dunning_pass.run_pass(at(MONDAY + timedelta(days=8)), settings).emails == 1
    assert sent(declared) == ["Courtesy notice:skipped", "First reminder:sent"] and sent(sepa) == []
