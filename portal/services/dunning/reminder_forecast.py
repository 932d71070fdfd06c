"""What the reminders will do next: for the home page, the customer and invoice timelines,
and the debtor's "next reminder on …". Computed with the same rules as the pass.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    Customer,
    DunningAction,
    Organisation,
    OutboxMessage,
    ScenarioStep,
    SchedulerHeartbeat,
)
from portal.services.dunning.decisions import EMAIL_KINDS, next_step_date
from portal.services.dunning.dunning_settings import DunningSettings
from portal.services.dunning.pass_data import PassData


@dataclass
class UpcomingDay:
    day: date
    emails: int = 0
    tasks: int = 0
    steps: dict[str, int] = field(default_factory=dict)


def upcoming(today: date, settings: DunningSettings, days: int = 7) -> list[UpcomingDay]:
    """Per day of the next `days`, how many reminder emails and tasks are planned."""
    data = PassData(today, settings.timezone)
    horizon = today + timedelta(days=days - 1)
    emails: dict[date, set[int]] = defaultdict(set)
    result = {
        today + timedelta(days=n): UpcomingDay(today + timedelta(days=n)) for n in range(days)
    }
    for invoice, scenario in data.invoices:
        planned = next_step_date(
            invoice, scenario, data.history[invoice.id], today, settings.window
        )
        if planned is None or planned[1] > horizon:
            continue
        step, day = planned
        if day < today:
            day = today
        entry = result[day]
        entry.steps[step.name] = entry.steps.get(step.name, 0) + 1
        if step.kind in EMAIL_KINDS:
            emails[day].add(invoice.customer_id)
        else:
            entry.tasks += 1
    for day, customers in emails.items():
        result[day].emails = len(customers)
    return list(result.values())


@dataclass
class InvoiceOutlook:
    invoice_id: int
    next_step: str | None
    next_date: date | None


def for_customer(
    customer: Customer,
    today: date,
    settings: DunningSettings,
    organisation: Organisation | None = None,
) -> dict[int, InvoiceOutlook]:
    """Next step and date for each open invoice of one customer (absent when nothing is planned).

    `organisation`: when the caller has read it already (the page's layout does).
    """
    data = PassData(today, settings.timezone, customer_ids=[customer.id], organisation=organisation)
    outlook: dict[int, InvoiceOutlook] = {}
    for invoice, scenario in data.invoices:
        planned = next_step_date(
            invoice, scenario, data.history[invoice.id], today, settings.window
        )
        if planned is not None:
            outlook[invoice.id] = InvoiceOutlook(invoice.id, planned[0].name, planned[1])
    return outlook


@dataclass
class DoneStep:
    action: DunningAction
    step_name: str
    message_status: str | None = None
    """The email's own state (queued, sent, failed): a reminder is sent once it left the outbox."""


def done_for_invoice(invoice_id: int) -> list[DoneStep]:
    rows = db.session.execute(
        select(DunningAction, ScenarioStep.name, OutboxMessage.status)
        .join(ScenarioStep, ScenarioStep.id == DunningAction.step_id)
        .outerjoin(OutboxMessage, OutboxMessage.id == DunningAction.message_id)
        .where(DunningAction.invoice_id == invoice_id)
        .order_by(DunningAction.done_at, DunningAction.id)
    ).all()
    return [
        DoneStep(action, name, str(status) if status is not None else None)
        for action, name, status in rows
    ]


FORECAST_KEY = "forecast"


def refresh(today: date, settings: DunningSettings, now) -> list[UpcomingDay]:
    """Compute the week ahead and keep it for the home page (the scheduler does this after each pass)."""
    week = upcoming(today, settings)
    payload = json.dumps(
        {
            "today": today.isoformat(),
            "days": [
                {"day": d.day.isoformat(), "emails": d.emails, "tasks": d.tasks, "steps": d.steps}
                for d in week
            ],
        }
    )
    row = db.session.get(SchedulerHeartbeat, FORECAST_KEY)
    if row is None:
        row = SchedulerHeartbeat(name=FORECAST_KEY, last_run_at=now, last_result=payload)
        db.session.add(row)
    else:
        row.last_run_at, row.last_result = now, payload
    return week


def week_ahead(today: date, settings: DunningSettings, now) -> list[UpcomingDay]:
    """The kept forecast if it was made today, else a fresh one (kept for next time)."""
    row = db.session.get(SchedulerHeartbeat, FORECAST_KEY)
    if row is not None:
        try:
            payload = json.loads(row.last_result)
        except ValueError:
            payload = {}
        if payload.get("today") == today.isoformat():
            return [
                UpcomingDay(date.fromisoformat(d["day"]), d["emails"], d["tasks"], d["steps"])
                for d in payload["days"]
            ]
    return refresh(today, settings, now)
