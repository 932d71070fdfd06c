"""Promises to pay, with explicit dates: the pause, the review, and the dunning pass around them."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    AuditEvent,
    OutboxMessage,
    PaymentMethod,
    Promise,
    PromiseStatus,
    Task,
)
from portal.services import promises
from portal.services.audit import Actor
from portal.services.dunning import dunning_pass
from portal.services.errors import NotFound
from portal.services.payments import ledger

from ..factories import make_customer, make_invoice
from .test_dunning import MONDAY, at, sent
from .test_dunning import settings as settings  # noqa: F401 - the fixture


def overdue(customer, amount="100.00"):
    """An invoice due the day before MONDAY (120 € with tax)."""
    return make_invoice(
        customer,
        amount=amount,
        issue_date=MONDAY - timedelta(days=31),
        due_date=MONDAY - timedelta(days=1),
    )


def promise(customer, invoices, day, amount_cents=None, today=MONDAY):
    return promises.create(
        customer,
        [i.id for i in invoices],
        promised_date=day,
        amount_cents=amount_cents,
        today=today,
        now=at(today, 9),
        actor=Actor.debtor(customer),
    )


def daily(day, settings):
    """What the scheduler's dunning job does: review the promises, then the pass."""
    promises.review(day, at(day), base_url=settings.base_url, link_days=settings.link_days)
    return dunning_pass.run_pass(at(day), settings)


def pay(invoice, cents, day):
    """A bank transfer recorded on `day`."""
    ledger.record_payment(
        invoice,
        amount_cents=cents,
        paid_on=day,
        method=PaymentMethod.TRANSFER,
        reference="VIR",
        actor=Actor.system(),
        now=at(day),
    )
    db.session.commit()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_promise_pauses_its_invoices_only_until_date_plus_grace(settings):
    customer = make_customer()
    promised, other = overdue(customer), overdue(customer)
    row = promise(customer, [promised], MONDAY + timedelta(days=5))
    daily(MONDAY, settings)
    assert sent(promised) == [] and sent(other)[-1] == "First reminder:sent"
    assert promised.id in promises.paused_invoice_ids(MONDAY + timedelta(days=7))  # grace
    daily(MONDAY + timedelta(days=7), settings)  # the promised date + 2: still waiting
    assert sent(promised) == []
    assert row.status is PromiseStatus.PENDING


def test_a_broken_promise_is_told_then_dunning_resumes(settings):
    customer = make_customer(language="en")
    invoice = overdue(customer)
    row = promise(customer, [invoice], MONDAY + timedelta(days=5))
    daily(MONDAY + timedelta(days=7), settings)
    assert row.status is PromiseStatus.PENDING and count(OutboxMessage) == 0

    daily(MONDAY + timedelta(days=8), settings)
    assert row.status is PromiseStatus.BROKEN and row.settled_at == at(MONDAY + timedelta(days=8))
    email = db.session.scalars(select(OutboxMessage)).one()  # that day's only message
    assert email.kind == "promise_broken" and email.to_addresses == customer.email_addresses
    assert "have not received" in email.text_body and invoice.number in email.text_body
    assert "https://portal.example.test/p/" in email.text_body and "/p/" in email.html_body
    assert sent(invoice) == []
    task = db.session.scalars(select(Task)).one()
    assert task.kind == "promise_broken" and task.customer_id == customer.id
    broken = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "promise.broken"))
    assert broken.one().customer_id == customer.id

    daily(MONDAY + timedelta(days=9), settings)  # the usual reminders resume
    assert sent(invoice)[-1] == "First reminder:sent"
    daily(MONDAY + timedelta(days=10), settings)  # broken once only
    assert count(Task) == 1
    assert (
        db.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "promise_broken")
        )
        == 1
    )


def test_paying_everything_before_the_date_keeps_the_promise(settings):
    customer = make_customer()
    invoice = overdue(customer)
    row = promise(customer, [invoice], MONDAY + timedelta(days=5))
    pay(invoice, invoice.outstanding_cents, MONDAY + timedelta(days=3))
    daily(MONDAY + timedelta(days=4), settings)
    assert row.status is PromiseStatus.KEPT
    assert count(Task) == 0
    assert not db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "promise_broken")
    ).all()


def test_the_promised_amount_within_the_grace_keeps_it(settings):
    customer = make_customer()
    invoice = overdue(customer)
    row = promise(customer, [invoice], MONDAY + timedelta(days=5), amount_cents=5000)
    pay(invoice, 5000, MONDAY + timedelta(days=7))
    promises.review(MONDAY + timedelta(days=8), at(MONDAY + timedelta(days=8)))
    assert row.status is PromiseStatus.KEPT


def test_less_than_promised_breaks_it(settings):
    customer = make_customer()
    invoice = overdue(customer)
    row = promise(customer, [invoice], MONDAY + timedelta(days=5), amount_cents=5000)
    pay(invoice, 4000, MONDAY + timedelta(days=2))
    promises.review(MONDAY + timedelta(days=7), at(MONDAY + timedelta(days=7)))
    assert row.status is PromiseStatus.PENDING
    promises.review(MONDAY + timedelta(days=8), at(MONDAY + timedelta(days=8)))
    assert row.status is PromiseStatus.BROKEN


@pytest.mark.parametrize(
    ("day_offset", "amount", "field"),
    [
        (-1, None, "promised_date"),  # in the past
        (31, None, "promised_date"),  # beyond promise_max_days
        (5, 12001, "amount"),  # more than the 120 € due
        (5, 0, "amount"),
    ],
)
def test_bad_dates_and_amounts_are_refused(settings, day_offset, amount, field):
    customer = make_customer()
    invoice = overdue(customer)
    with pytest.raises(promises.InvalidPromise) as exc:
        promise(customer, [invoice], MONDAY + timedelta(days=day_offset), amount_cents=amount)
    assert field in exc.value.errors
    assert count(Promise) == 0
    assert not db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "promise.created")
    ).all()


def test_the_limits_are_inclusive(settings):
    customer = make_customer()
    a, b = overdue(customer), overdue(customer)
    promise(customer, [a], MONDAY)  # today
    promise(customer, [b], MONDAY + timedelta(days=30), amount_cents=12000)  # the whole amount
    assert count(Promise) == 2


def test_a_second_pending_promise_on_an_invoice_is_refused(settings):
    customer = make_customer()
    a, b = overdue(customer), overdue(customer)
    promise(customer, [a], MONDAY + timedelta(days=5))
    with pytest.raises(promises.InvalidPromise) as exc:
        promise(customer, [a, b], MONDAY + timedelta(days=10))
    assert "already promised" in exc.value.errors["invoice"]
    assert count(Promise) == 1
    promise(customer, [b], MONDAY + timedelta(days=10))  # another invoice is fine


def test_another_customers_or_a_paid_invoice_is_refused(settings):
    customer, other = make_customer(), make_customer()
    theirs = overdue(other)
    with pytest.raises(NotFound):
        promise(customer, [theirs], MONDAY + timedelta(days=5))
    mine = overdue(customer)
    pay(mine, mine.outstanding_cents, MONDAY)
    with pytest.raises(promises.InvalidPromise) as exc:
        promise(customer, [mine], MONDAY + timedelta(days=5))
    assert "nothing left to pay" in exc.value.errors["invoice"]
    with pytest.raises(promises.InvalidPromise):
        promise(customer, [], MONDAY + timedelta(days=5))
    assert count(Promise) == 0


def test_amounts_are_parsed_or_refused():
    assert promises.parse_amount("") is None
    assert promises.parse_amount("1 234,56") == 123456
    for text in ("abc", "-5", "1,234"):
        with pytest.raises(promises.InvalidPromise):
            promises.parse_amount(text)


def test_the_scheduler_job_reviews_promises_before_the_pass(app, settings):
    from portal import scheduler

    customer = make_customer()
    invoice = overdue(customer)
    row = promise(customer, [invoice], MONDAY + timedelta(days=5))
    promise_id = row.id
    db.session.commit()
    app.config["TODAY"] = MONDAY + timedelta(days=8)
    scheduler.dunning_job(app)
    db.session.expire_all()
    assert db.session.get(Promise, promise_id).status is PromiseStatus.BROKEN
    kinds = db.session.scalars(select(OutboxMessage.kind)).all()
    assert kinds == ["promise_broken"]  # the pass held the invoice back that day


def test_the_reminders_command_makes_the_same_decisions_as_a_scheduler_tick(app, runner):
    customer = make_customer()
    invoice = overdue(customer)
    row = promise(customer, [invoice], MONDAY + timedelta(days=5))
    promise_id = row.id
    db.session.commit()
    day = (MONDAY + timedelta(days=8)).isoformat()
    result = runner.invoke(args=["reminders", "run", "--today", day])
    assert result.exit_code == 0, result.output
    assert "Promises: 0 kept, 1 broken" in result.output
    assert app.config["TODAY"] is None  # the date is an argument, not a change to the app
    db.session.expire_all()
    assert db.session.get(Promise, promise_id).status is PromiseStatus.BROKEN
    kinds = db.session.scalars(select(OutboxMessage.kind)).all()
    assert kinds == ["promise_broken"]


def test_a_dry_run_leaves_promises_as_they_are(app, runner):
    customer = make_customer()
    invoice = overdue(customer)
    row = promise(customer, [invoice], MONDAY + timedelta(days=5))
    promise_id = row.id
    db.session.commit()
    day = (MONDAY + timedelta(days=8)).isoformat()
    result = runner.invoke(args=["reminders", "run", "--today", day, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "a dry run leaves them out" in result.output
    db.session.expire_all()
    assert db.session.get(Promise, promise_id).status is PromiseStatus.PENDING
    assert db.session.scalars(select(OutboxMessage.kind)).all() == []
