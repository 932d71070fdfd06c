"""The daily snapshots: the same figures as the ledger, kept until the next day."""

from __future__ import annotations

from datetime import date, timedelta

from portal.services.analytics import kpis, snapshots

from ...factories import make_customer, make_invoice
from . import ledger_cases
from .ledger_cases import DAYS, T


def test_the_kept_period_equals_the_ledger_and_the_previous_one_ends_d_days_before(app):
    ledger_cases.build()
    current, previous = snapshots.period_and_previous(T, "EUR", DAYS)
    assert current == kpis.compute(T, DAYS)
    assert previous == kpis.compute(T - timedelta(days=DAYS), DAYS)
    assert previous.receivables_cents == 110_000


def test_each_month_keeps_its_sales_cash_and_aged_balance(app):
    ledger_cases.build()
    months = {m.first_day: m for m in snapshots.months(T)}
    assert len(months) == 12 and min(months) == date(2025, 7, 1)
    june, may = months[date(2026, 6, 1)], months[date(2026, 5, 1)]
    assert june.kpis == kpis.compute(T, 30), "June is exactly the hand-made 30-day window"
    assert june.invoiced_cents == 240_000
    assert june.collected_cents == 60_000 + 50_000 + 10_000 + 5_000
    assert june.aged == {"not_due": 150_000, "1_30": 70_000, "31_60": 0, "61_90": 0, "over_90": 0}
    assert may.kpis.days == 31 and may.invoiced_cents == 50_000 and may.collected_cents == 40_000
    assert may.aged["1_30"] == 60_000 and may.aged["not_due"] == 50_000


def test_the_current_month_counts_to_date(app):
    today = date(2026, 11, 23)
    month = snapshots.months(today)[-1]
    assert month.first_day == date(2026, 11, 1) and month.kpis.days == 23 and month.to_date


def test_figures_are_computed_once_a_day(app):
    ledger_cases.build()
    assert snapshots.refresh_if_stale(T) is True
    assert snapshots.refresh_if_stale(T) is False
    customer = make_customer()
    make_invoice(customer, amount="10.00", tax_rate="0", issue_date=T)
    same_day, _ = snapshots.period_and_previous(T)
    assert same_day.receivables_cents == 220_000, "kept until the next day"
    next_day, _ = snapshots.period_and_previous(T + timedelta(days=1))
    assert next_day.receivables_cents == 221_000


def test_the_scheduler_keeps_the_figures_of_the_day(app):
    from portal import scheduler

    from ...conftest import TODAY

    assert not snapshots.is_fresh(TODAY)
    assert scheduler.figures_job(app).line == "", (
        "the heartbeat line stays about reminders and mail"
    )
    assert snapshots.is_fresh(TODAY)
