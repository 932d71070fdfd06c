"""The letter, the emails and the pages say what `portal claim` says, to the cent.

And a formal notice that would state penalties for a half-year without rates
waits, with one task for the owner, until the rates are entered.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from portal.extensions import db
from portal.models import (
    ActionStatus,
    DunningAction,
    OutboxMessage,
    PaymentMethod,
    Scenario,
    StepKind,
    Task,
    TaskStatus,
)
from portal.services import organisation
from portal.services.audit import Actor
from portal.services.claims import claim, missing_rates
from portal.services.dunning import dunning_pass, scenarios
from portal.services.dunning.dunning_settings import DunningSettings
from portal.services.payments import ledger

from ..conftest import NOW
from ..factories import enter_rates, make_customer, make_invoice, make_organisation

PARIS = ZoneInfo("Europe/Paris")


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS).astimezone(UTC)


@pytest.fixture
def settings(app, tmp_path) -> DunningSettings:
    make_organisation()
    scenarios.install_defaults(now=NOW, actor=Actor.system())
    return DunningSettings(
        timezone=PARIS,
        base_url="https://portal.example.test",
        link_days=90,
        instance_path=Path(tmp_path),
    )


def steps_done_before_the_notice(invoice) -> None:
    """Every step of the business scenario before the formal notice, sent long ago."""
    scenario = db.session.query(Scenario).filter_by(customer_kind="business").one()
    for step in scenario.steps:
        if step.kind is StepKind.FORMAL_NOTICE:
            break
        day = invoice.due_date + timedelta(days=step.day_offset)
        db.session.add(
            DunningAction(
                invoice_id=invoice.id,
                step_id=step.id,
                customer_id=invoice.customer_id,
                planned_date=day,
                status=ActionStatus.SENT,
                created_at=at(day),
                done_at=at(day),
            )
        )
    db.session.commit()


def late_business_customer(due: date):
    """An unpaid invoice due on `due`, and one paid 30 days late earlier in the year."""
    customer = make_customer(ref="BIZ", language="en")
    paid = make_invoice(
        customer, amount="1000.00", issue_date=date(2025, 2, 1), due_date=date(2025, 3, 31)
    )
    ledger.record_payment(
        paid,
        amount_cents=120_000,
        paid_on=date(2025, 4, 30),
        method=PaymentMethod.TRANSFER,
        reference="",
        actor=Actor.system(),
        now=NOW,
    )
    unpaid = make_invoice(
        customer, amount="1000.00", issue_date=due - timedelta(days=30), due_date=due
    )
    steps_done_before_the_notice(unpaid)
    return customer, paid, unpaid


def letter_text(message: OutboxMessage, settings: DunningSettings) -> str:
    (attachment,) = message.attachments
    pdf = (settings.instance_path / attachment["path"]).read_bytes()
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def test_the_formal_notice_email_and_letter_agree_with_portal_claim(settings, runner):
    # 2025-11-03 is a Monday, 33 days after the due date: the formal notice (D+30) is due.
    day = date(2025, 11, 3)
    customer, paid, unpaid = late_business_customer(date(2025, 10, 1))
    dunning_pass.run_pass(at(day), settings)
    db.session.commit()
    message = db.session.query(OutboxMessage).filter_by(kind="formal_notice").one()

    data = json.loads(
        runner.invoke(args=["claim", "BIZ", "--as-of", day.isoformat(), "--json"]).output
    )
    # paid late: 1 200 € × 13.15 % × 30 / 365 = 12.96986 € → 12,97 €, and 40 €
    # unpaid: 2 to 31 October and 1 to 3 November, 33 days × 1 200 € × 12.15 % / 365
    # = 13.18192 € → 13,18 €, and 40 €
    assert [(i["number"], i["penalty_cents"], i["indemnity_cents"]) for i in data["invoices"]] == [
        (paid.number, 1297, 4000),
        (unpaid.number, 1318, 4000),
    ]
    assert data["total_cents"] == 120_000 + 1297 + 1318 + 8000 == 130_615

    # The email states the same penalties, the letter the same total and figures.
    assert "€26.15" in message.text_body  # 12,97 + 13,18
    text = letter_text(message, settings)
    assert "Total claimed €1,306.15" in text
    assert "Late-payment interest to 3 November 2025 €26.15" in text
    assert "Fixed recovery indemnity (2 × €40.00) €80.00" in text
    assert f"Invoice {paid.number}, due on " in text and "was paid 30 days late" in text
    assert "plus 10 points" in text and "D441-5" in text and "additional compensation" in text
    assert "a payment still bears interest on its own date" in text

    # The pages show the same penalties and indemnities beside the principal.
    owed = claim.on_page(customer, day)
    assert owed.totals["EUR"].penalty_cents == data["total_penalty_cents"]
    assert owed.totals["EUR"].indemnity_cents == data["total_indemnity_cents"]


def test_with_penalties_off_no_email_letter_or_page_mentions_them(settings):
    organisation.get().charge_penalties = False
    day = date(2025, 11, 3)
    customer, _, _ = late_business_customer(date(2025, 10, 1))
    dunning_pass.run_pass(at(day), settings)
    db.session.commit()
    message = db.session.query(OutboxMessage).filter_by(kind="formal_notice").one()
    assert "40.00" not in message.text_body and "indemnity" not in message.text_body
    assert "penalties" not in message.text_body
    text = letter_text(message, settings)
    assert "Total claimed €1,200.00" in text
    assert "indemnity" not in text and "L441-10" not in text and "penalt" not in text
    assert claim.on_page(customer, day) is None


def test_a_notice_waits_for_a_missing_half_year_with_one_task(settings, runner):
    # 2026-08-03 is a Monday in the second half of 2026, whose rates are not shipped.
    customer, _, unpaid = late_business_customer(date(2026, 7, 1))
    for day in (date(2026, 8, 3), date(2026, 8, 4)):
        result = dunning_pass.run_pass(at(day), settings)
        db.session.commit()
        assert any("waiting for reference rates" in line.outcome for line in result.lines)
    assert db.session.query(OutboxMessage).filter_by(kind="formal_notice").count() == 0
    (task,) = db.session.query(Task).filter_by(kind="reference_rates").all()
    assert task.status is TaskStatus.OPEN and "01/07/2026" in task.title

    result = runner.invoke(args=["claim", "BIZ", "--as-of", "2026-08-04"])
    assert result.exit_code == 1 and "2026-07-01 to 2026-12-31 are missing" in result.output

    enter_rates(date(2026, 7, 1))
    missing_rates.rates_entered(date(2026, 7, 1), actor=Actor.system(), now=NOW)
    dunning_pass.run_pass(at(date(2026, 8, 5)), settings)
    db.session.commit()
    assert db.session.query(OutboxMessage).filter_by(kind="formal_notice").count() == 1
    assert db.session.get(Task, task.id).status is TaskStatus.DONE
    assert unpaid.number in db.session.query(OutboxMessage).one().text_body
