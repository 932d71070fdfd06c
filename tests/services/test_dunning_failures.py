"""One customer cannot stop the dunning pass: a bad template, a missing address, a missing identity."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    ActionStatus,
    Customer,
    CustomerEmail,
    DunningAction,
    ScenarioStep,
    SkipReason,
    StepTemplate,
    Task,
)
from portal.services import heartbeat
from portal.services.audit import Actor
from portal.services.demo import demo_data
from portal.services.dunning import dunning_pass, scenarios
from portal.services.dunning.dunning_settings import DunningSettings
from portal.services.dunning.pass_writer import FAILURE_TASK_KIND
from portal.services.mail import delivery
from portal.services.mail.delivery_settings import DeliverySettings

from ..factories import make_customer, make_invoice, make_organisation

PARIS = ZoneInfo("Europe/Paris")
DEMO_DAY = date(2026, 11, 23)  # a Monday, with first reminders due for a dozen customers
MONDAY = date(2026, 3, 2)

#: Passes the save check's sample data (one invoice) and fails for every customer with
#: exactly two invoices in the email.
POISON = "\n{% if invoices|length > 1 %}{{ invoices[2].number }}{% endif %}"
LOOP = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS).astimezone(UTC)


def failure_tasks() -> list[Task]:
    return list(db.session.scalars(select(Task).where(Task.kind == FAILURE_TASK_KIND)))


def reasons() -> dict[int, set[str]]:
    """The skip reasons recorded per customer."""
    found: dict[int, set[str]] = {}
    for customer_id, reason in db.session.execute(
        select(DunningAction.customer_id, DunningAction.reason).where(
            DunningAction.status == ActionStatus.SKIPPED
        )
    ):
        found.setdefault(customer_id, set()).add(reason)
    return found


def emailed_refs(result: dunning_pass.PassResult) -> set[str]:
    return {line.customer_ref for line in result.lines if line.outcome == "email"}


@pytest.fixture
def demo(app, smtp_server):
    app.config["TODAY"] = None
    smtp_server.configure(app)
    demo_data.load(today=DEMO_DAY, now=at(DEMO_DAY, 9))
    return DunningSettings.from_config(app.config), DeliverySettings.from_config(app.config)


def set_template(source: str, *, append: bool) -> None:
    for template in db.session.scalars(select(StepTemplate)):
        template.text_body = template.text_body + source if append else source
    db.session.commit()


def test_a_poisoned_template_and_a_customer_without_email_stop_nobody_else(demo, smtp_server):
    settings, delivery_settings = demo
    planned = dunning_pass.run_pass(at(DEMO_DAY), settings, dry_run=True)
    per_customer: dict[str, set[str]] = {}
    for line in planned.lines:
        if line.outcome == "email":
            per_customer.setdefault(line.customer_ref, set()).add(line.invoice_number)
    two_invoices = {ref for ref, numbers in per_customer.items() if len(numbers) == 2}
    others = sorted(set(per_customer) - two_invoices)
    assert two_invoices and len(others) >= 2
    silent_ref = others[0]
    silent = db.session.scalar(select(Customer).where(Customer.ref == silent_ref))
    db.session.execute(
        CustomerEmail.__table__.delete().where(CustomerEmail.customer_id == silent.id)
    )
    set_template(POISON, append=True)

    result = dunning_pass.run_pass(at(DEMO_DAY), settings)
    report = delivery.deliver_due(at(DEMO_DAY), settings=delivery_settings)

    expected = set(others) - {silent_ref}
    assert emailed_refs(result) == expected and result.emails == len(expected)
    assert report.sent == len(expected) and report.failed == 0
    by_ref = {c.ref: c for c in db.session.scalars(select(Customer))}
    delivered = {tuple(sorted(m.recipients)) for m in smtp_server.received}
    assert delivered == {tuple(sorted(by_ref[ref].email_addresses)) for ref in expected}
    assert result.failed == len(two_invoices) + 1
    recorded = reasons()
    for ref in two_invoices:
        assert SkipReason.TEMPLATE_FAILED in recorded[by_ref[ref].id]
    assert SkipReason.NO_EMAIL in recorded[silent.id]
    tasks = failure_tasks()
    assert sorted(t.customer_id for t in tasks) == sorted(
        [by_ref[ref].id for ref in two_invoices] + [silent.id]
    )
    poisoned = next(t for t in tasks if t.customer_id == by_ref[sorted(two_invoices)[0]].id)
    assert "list object has no element 2" in poisoned.body


def test_a_looping_template_is_cut_off_and_delivery_still_runs(demo, smtp_server):
    settings, delivery_settings = demo
    planned = dunning_pass.run_pass(at(DEMO_DAY), settings, dry_run=True)
    english = {c.ref for c in db.session.scalars(select(Customer).where(Customer.language == "en"))}
    for template in db.session.scalars(select(StepTemplate).where(StepTemplate.language == "fr")):
        template.text_body = LOOP
    db.session.commit()

    started = time.monotonic()
    result = dunning_pass.run_pass(at(DEMO_DAY), settings)
    elapsed = time.monotonic() - started
    delivery.deliver_due(at(DEMO_DAY), settings=delivery_settings)

    french = emailed_refs(planned) - english
    assert french and emailed_refs(planned) & english
    assert elapsed < 10, "one template over budget is not tried again for every customer"
    assert emailed_refs(result) == emailed_refs(planned) & english
    assert len(smtp_server.received) == len(emailed_refs(planned) & english)
    assert result.failed == len(french) == len(failure_tasks())


@pytest.fixture
def settings(app, tmp_path) -> DunningSettings:
    scenarios.install_defaults(now=at(MONDAY), actor=Actor.system())
    return DunningSettings(
        timezone=PARIS,
        base_url="https://portal.example.test",
        link_days=90,
        instance_path=Path(tmp_path),
    )


def overdue(customer, days_late: int):
    """An invoice `days_late` days past due, every step before today already done."""
    due = MONDAY - timedelta(days=days_late)
    invoice = make_invoice(customer, issue_date=due - timedelta(days=30), due_date=due)
    for step in scenarios.for_customer(customer).steps:
        if step.day_offset < days_late:
            db.session.add(
                DunningAction(
                    invoice_id=invoice.id,
                    step_id=step.id,
                    customer_id=customer.id,
                    planned_date=due + timedelta(days=step.day_offset),
                    status=ActionStatus.SENT,
                    created_at=at(MONDAY - timedelta(days=20)),
                    done_at=at(MONDAY - timedelta(days=20)),
                )
            )
    db.session.commit()
    return invoice


def test_a_formal_notice_without_the_creditors_identity_waits_for_it_alone(settings):
    make_organisation(legal_name="")
    formal = make_customer(name="Garage Lenoir")
    overdue(formal, 30)
    other = make_customer(name="Fleuriste Rose")
    overdue(other, 1)

    result = dunning_pass.run_pass(at(MONDAY), settings)

    assert result.emails == 1 and result.failed == 1
    assert emailed_refs(result) == {other.ref}
    assert reasons()[formal.id] == {SkipReason.IDENTITY_MISSING}
    (task,) = failure_tasks()
    assert task.customer_id == formal.id and "Garage Lenoir" in task.title
    status = heartbeat.status(at(MONDAY))
    assert status.failures == 0  # the pass alone does not touch the heartbeat


def test_one_task_per_customer_however_many_days_it_fails(settings):
    make_organisation()
    customer = make_customer(emails=[])
    overdue(customer, 1)

    first = dunning_pass.run_pass(at(MONDAY), settings)
    db.session.commit()
    later = dunning_pass.run_pass(at(MONDAY + timedelta(days=7)), settings)

    assert first.failed == later.failed == 1
    (task,) = failure_tasks()
    assert len(task.body.splitlines()) == 2
    steps = dict(db.session.execute(select(ScenarioStep.id, ScenarioStep.name)).all())
    skipped = select(DunningAction).where(DunningAction.status == ActionStatus.SKIPPED)
    assert [
        (steps[a.step_id], a.reason) for a in db.session.scalars(skipped.order_by(DunningAction.id))
    ] == [("First reminder", "no_email"), ("Second reminder", "no_email")]


def test_an_escalation_whose_template_fails_is_still_put_on_the_list(settings):
    make_organisation()
    customer = make_customer(name="Garage Lenoir")
    invoice = overdue(customer, 45)
    for template in db.session.scalars(select(StepTemplate)):
        template.subject = "{{ portal_link }}"  # not among an escalation's variables
    db.session.commit()

    result = dunning_pass.run_pass(at(MONDAY), settings)

    assert result.tasks == 1 and result.failed == 0
    (task,) = db.session.scalars(select(Task).where(Task.kind == "escalation"))
    assert invoice.number in task.title and "portal_link" in task.body
