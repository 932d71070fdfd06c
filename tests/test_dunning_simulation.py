"""Ninety days of the portal left alone with the demo data and a real SMTP server.

Every day the scheduler's two jobs run at 07:00, 10:00, 15:00 and 21:00 (Paris
time): the dunning pass, then delivery over SMTP. A week of downtime is
simulated in the middle. Then the whole history is checked against the rules:
the exact sequence of steps per invoice, never a duplicate, never on a Sunday,
a public holiday or at night, nothing after payment, one email per customer per
day, and every email's link opens the right account.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    ActionStatus,
    DunningAction,
    Invoice,
    InvoiceStatus,
    OutboxMessage,
    PaymentMethod,
    ScenarioStep,
    StepKind,
)
from portal.services.audit import Actor
from portal.services.demo import demo_data
from portal.services.dunning import dunning_pass
from portal.services.dunning.dunning_settings import DunningSettings
from portal.services.dunning.sending_window import is_sending_day
from portal.services.mail import delivery
from portal.services.mail.delivery_settings import DeliverySettings
from portal.services.payments import ledger

PARIS = ZoneInfo("Europe/Paris")
START = date(2026, 3, 2)  # a Monday; Easter Monday and 1, 8, 14 and 25 May fall inside
DAYS = 90
HOURS = (7, 10, 15, 21)
DOWNTIME = range(50, 57)  # a week without any scheduler run
PAY_ON_DAY = 20


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS).astimezone(UTC)


def test_ninety_days_left_alone(app, smtp_server, tmp_path):
    app.config["TODAY"] = None
    smtp_server.configure(app)
    demo_data.load(today=START, now=at(START, 9))
    settings = DunningSettings.from_config(app.config)
    delivery_settings = DeliverySettings.from_config(app.config)
    paid_invoices: set[int] = set()
    paid_at: datetime | None = None
    received_at: list[datetime] = []

    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        if offset in DOWNTIME:
            continue
        if offset == PAY_ON_DAY:
            paid_at = at(day, 12)
            paid_invoices = _pay_three_customers(day, paid_at)
        for hour in HOURS:
            now = at(day, hour)
            dunning_pass.run_pass(now, settings)
            before = len(smtp_server.received)
            delivery.deliver_due(now, settings=delivery_settings)
            received_at += [now] * (len(smtp_server.received) - before)

    sent = db.session.execute(
        select(DunningAction, ScenarioStep)
        .join(ScenarioStep, ScenarioStep.id == DunningAction.step_id)
        .where(DunningAction.status == ActionStatus.SENT)
        .order_by(DunningAction.done_at, DunningAction.id)
    ).all()
    assert len(sent) > 100, "the demo data should keep the engine busy"
    print(f"{len(sent)} steps sent, {len(smtp_server.received)} emails delivered")

    # Never at night, on a Sunday or a public holiday; nothing during the downtime.
    downtime_days = {START + timedelta(days=n) for n in DOWNTIME}
    for action, step in sent:
        local = action.done_at.astimezone(PARIS)
        if step.kind is not StepKind.TASK:
            assert 8 <= local.hour < 20, (local, step.name)
            assert is_sending_day(local.date()), (local, step.name)
        assert local.date() not in downtime_days
    for moment in received_at:
        local = moment.astimezone(PARIS)
        assert 8 <= local.hour < 20 and is_sending_day(local.date())

    # The exact sequence per invoice: steps in scenario order, each once, no burst.
    by_invoice: dict[int, list[tuple[DunningAction, ScenarioStep]]] = defaultdict(list)
    for action, step in sent:
        by_invoice[action.invoice_id].append((action, step))
    for rows in by_invoice.values():
        offsets = [step.day_offset for _, step in rows]
        assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets), offsets
        emails = [(a, s) for a, s in rows if s.kind is not StepKind.TASK]
        for (previous, p_step), (current, c_step) in zip(emails, emails[1:], strict=False):
            gap = (
                current.done_at.astimezone(PARIS).date() - previous.done_at.astimezone(PARIS).date()
            ).days
            assert gap >= min(7, c_step.day_offset - p_step.day_offset), (
                p_step.name,
                c_step.name,
                gap,
            )
        invoice = db.session.get(Invoice, rows[0][0].invoice_id)
        for action, step in rows:  # each step on or after its own day
            assert action.done_at.astimezone(PARIS).date() >= invoice.due_date + timedelta(
                days=step.day_offset
            )

    # Skipped steps are recorded once and never sent afterwards.
    skipped = db.session.scalars(
        select(DunningAction).where(DunningAction.status == ActionStatus.SKIPPED)
    ).all()
    assert skipped and all(s.reason for s in skipped)

    # One reminder email per customer per day.
    per_customer_day = defaultdict(int)
    for message in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind.in_(["reminder", "formal_notice"]))
    ):
        per_customer_day[(message.customer_id, message.created_at.astimezone(PARIS).date())] += 1
    assert per_customer_day and max(per_customer_day.values()) == 1

    # Nothing for an invoice once it was paid.
    assert paid_invoices
    for action, _ in sent:
        if action.invoice_id in paid_invoices:
            assert action.done_at < paid_at

    # After the downtime: catching up one step at a time, not a burst.
    restart = START + timedelta(days=DOWNTIME.stop)
    per_invoice_on_restart = defaultdict(int)
    for action, step in sent:
        if action.done_at.astimezone(PARIS).date() == restart and step.kind is not StepKind.TASK:
            per_invoice_on_restart[action.invoice_id] += 1
    assert per_invoice_on_restart and max(per_invoice_on_restart.values()) == 1

    # Formal notices went out with their letter, and everything was delivered.
    formal = [m for m in smtp_server.received if m.message.get_content_type() == "multipart/mixed"]
    assert formal, "formal notices carry the PDF letter"
    pdf = next(part for part in formal[0].message.iter_attachments())
    assert pdf.get_content_type() == "application/pdf" and pdf.get_content().startswith(b"%PDF")
    assert (
        db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.status == "queued")) is None
    )
    assert (
        len(smtp_server.received)
        == db.session.query(OutboxMessage).filter_by(status="sent").count()
    )

    # The link in the last reminder opens that customer's account, and only it.
    last = [
        m for m in smtp_server.received if "/p/" in m.message.get_body(("plain",)).get_content()
    ][-1]
    link = re.search(
        r"https?://\S+/p/[\w-]+", last.message.get_body(("plain",)).get_content()
    ).group(0)
    app.config["TODAY"] = (START + timedelta(days=DAYS - 1)).isoformat()
    client = app.test_client()
    response = client.get("/p/" + link.split("/p/", 1)[1])
    assert response.status_code == 302 and response.location.endswith("/account")
    account = client.get("/account").get_data(as_text=True)
    assert last.message["To"] and any(
        number in account
        for number in re.findall(r"F20\d\d-\d{5}", last.message.get_body(("plain",)).get_content())
    )


def _pay_three_customers(day: date, now: datetime) -> set[int]:
    """Three customers settle everything they owe, by transfer, at noon."""
    customer_ids = db.session.scalars(
        select(Invoice.customer_id).where(Invoice.status == InvoiceStatus.OPEN).distinct().limit(3)
    ).all()
    paid = set()
    for invoice in db.session.scalars(
        select(Invoice).where(
            Invoice.customer_id.in_(customer_ids), Invoice.status == InvoiceStatus.OPEN
        )
    ):
        ledger.record_payment(
            invoice,
            amount_cents=invoice.outstanding_cents,
            paid_on=day,
            method=PaymentMethod.TRANSFER,
            reference="VIR",
            actor=Actor.system(),
            now=now,
        )
        paid.add(invoice.id)
    db.session.commit()
    return paid
