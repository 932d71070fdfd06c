"""Cash forecast: invoices shifted by their customer's delay, plans, promises, disputes."""

from __future__ import annotations

from datetime import date, timedelta

from portal.extensions import db
from portal.models import (
    Dispute,
    DisputeReason,
    DisputeStatus,
    Instalment,
    InstalmentPlan,
    PlanInvoice,
    PlanStatus,
    Promise,
)
from portal.services.analytics import forecast, forecast_store, ledger, snapshots

from ...conftest import NOW, TODAY
from ...factories import make_customer, make_invoice
from .ledger_cases import pay


def _invoice(customer, cents: int, due: date):
    return make_invoice(
        customer,
        amount=f"{cents / 100:.2f}",
        tax_rate="0",
        issue_date=due - timedelta(days=30),
        due_date=due,
    )


def build():
    """Today is Monday 2026-11-23; P pays 10 days late, N has no history."""
    p, n = make_customer(name="P"), make_customer(name="N")
    history = _invoice(p, 100_000, date(2026, 6, 1))
    pay(history, 100_000, date(2026, 6, 11))
    _invoice(p, 30_000, date(2026, 11, 25))  # expected 12-05 (week 2)
    _invoice(n, 20_000, date(2026, 12, 20))  # portfolio delay: expected 12-30 (week 6)
    _invoice(n, 50_000, date(2026, 11, 1))  # already overdue
    disputed = _invoice(n, 40_000, date(2026, 12, 1))  # 150 held, 250 expected 12-11
    db.session.add(
        Dispute(
            customer_id=n.id,
            invoice_id=disputed.id,
            status=DisputeStatus.OPEN,
            reason=DisputeReason.DAMAGED,
            amount_cents=15_000,
            created_at=NOW,
        )
    )
    promised = _invoice(p, 80_000, date(2026, 10, 15))  # 300 promised for 12-02, 500 overdue
    db.session.add(
        Promise(
            customer_id=p.id,
            invoice_ids=[promised.id],
            promised_date=date(2026, 12, 2),
            amount_cents=30_000,
            created_at=NOW,
        )
    )
    planned = _invoice(n, 30_000, date(2026, 9, 1))
    plan = InstalmentPlan(
        customer_id=n.id, status=PlanStatus.ACTIVE, total_cents=30_000, created_at=NOW
    )
    plan.invoices.append(PlanInvoice(invoice_id=planned.id, amount_cents=30_000))
    for position, day in enumerate((date(2026, 11, 10), date(2026, 12, 10), date(2027, 3, 10)), 1):
        plan.instalments.append(Instalment(position=position, due_date=day, amount_cents=10_000))
    db.session.add(plan)
    db.session.commit()


def test_each_receipt_lands_where_the_rules_say(app):
    build()
    made = forecast.compute(TODAY)
    assert made.portfolio_delay == 10
    weeks = [w.cents for w in made.weeks]
    assert [w.start for w in made.weeks][:2] == [TODAY, TODAY + timedelta(days=7)]
    assert weeks[0] == {"invoices": 0, "instalments": 0, "promises": 0}
    assert weeks[1] == {"invoices": 30_000, "instalments": 0, "promises": 30_000}
    assert weeks[2] == {"invoices": 25_000, "instalments": 10_000, "promises": 0}
    assert weeks[5] == {"invoices": 20_000, "instalments": 0, "promises": 0}
    assert sum(w.expected_cents for w in made.weeks) == 115_000
    assert [m.expected_cents for m in made.months] == [0, 115_000, 0]
    assert made.months[0].start == TODAY and made.months[1].start == date(2026, 12, 1)
    assert made.overdue.cents == {"invoices": 100_000, "instalments": 10_000, "promises": 0}
    assert made.later.cents["instalments"] == 10_000
    assert made.disputed.expected_cents == 15_000, "held by the dispute, in no period"


def test_last_months_forecast_is_set_against_what_came_in(app):
    customer = make_customer()
    invoice = _invoice(customer, 50_000, TODAY + timedelta(days=3))
    snapshots.refresh(TODAY)
    assert forecast_store.last_month(TODAY, "EUR") is None, "no forecast a month old yet"
    pay(invoice, 20_000, TODAY + timedelta(days=2))
    later = TODAY + timedelta(days=28)
    snapshots.refresh(later)
    compared = forecast_store.last_month(later, "EUR")
    assert compared.made_on == TODAY and len(compared.weeks) == 4
    assert compared.weeks[0].expected_cents == 50_000
    assert compared.weeks[0].received_cents == 20_000
    assert compared.expected_cents == 50_000 and compared.received_cents == 20_000
    assert forecast_store.latest(later, "EUR")["overdue"][0].expected_cents == 30_000
    assert ledger.load("EUR").collected(TODAY, later) == 20_000
