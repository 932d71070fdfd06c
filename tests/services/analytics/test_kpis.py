"""DSO, CEI, DBT, ADD and the overdue share against figures worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from portal.services.analytics import kpis
from portal.services.analytics.ledger import load
from portal.values.ratios import format_ratio, one_decimal

from ...factories import make_customer, make_invoice
from . import ledger_cases
from .ledger_cases import DAYS, T, pay


def test_the_hand_made_ledger_gives_the_figures_worked_out_on_paper(app):
    ledger_cases.build()
    figures = kpis.compute(T, DAYS)
    assert figures.credit_sales_cents == 230_000
    assert figures.receivables_cents == 220_000
    assert figures.current_receivables_cents == 150_000
    assert figures.opening_receivables_cents == 110_000
    assert figures.overdue_cents == 70_000
    assert figures.overdue_days_cents == 40_000 * 16 + 30_000 * 10
    assert figures.dso_days == Fraction(220_000 * 30, 230_000)
    assert figures.best_possible_dso_days == Fraction(150_000 * 30, 230_000)
    assert figures.dbt_days == Fraction(70_000 * 30, 230_000)
    assert figures.cei_percent == Fraction(120_000 * 100, 190_000)
    assert figures.add_days == Fraction(940_000, 70_000)
    assert figures.overdue_percent == Fraction(70_000 * 100, 220_000)
    shown = [
        format_ratio(v)
        for v in (
            figures.dso_days,
            figures.best_possible_dso_days,
            figures.dbt_days,
            figures.cei_percent,
            figures.add_days,
            figures.overdue_percent,
        )
    ]
    assert shown == ["28.7", "19.6", "9.1", "63.2", "13.4", "31.8"]
    assert figures.unallocated_cents == 5_000, "the unallocated transfer is shown apart"


def test_each_movement_counts_from_the_end_of_its_own_day(app):
    cases = ledger_cases.build()
    book = load("EUR")
    # A's second payment is dated 06-15: A still owes 600 at the end of 06-14 (F is paid).
    before = book.position(date(2026, 6, 14))
    assert before.receivables_cents == 60_000 + 50_000 + 200_000 + 30_000
    assert book.position(date(2026, 6, 15)).receivables_cents == 50_000 + 200_000 + 30_000
    # B is due 06-14: not yet overdue that day, one day late the next.
    assert before.current_cents == 50_000 + 200_000 + 30_000
    after = book.position(date(2026, 6, 15))
    assert after.overdue_days_cents == 50_000 * 1
    assert after.aged["1_30"] == 50_000
    # The credit note counts at its own date, E only once issued.
    assert book.position(date(2026, 6, 20)).receivables_cents == 40_000 + 200_000 + 30_000
    assert book.position(date(2026, 7, 5)).receivables_cents == 220_000 + cases["e"].total_cents


def test_a_payment_placed_on_an_invoice_issued_later_counts_from_the_issue_date(app):
    customer = make_customer()
    invoice = make_invoice(customer, amount="100.00", tax_rate="0", issue_date=date(2026, 3, 10))
    pay(invoice, 10_000, date(2026, 3, 1))
    book = load("EUR")
    assert book.position(date(2026, 3, 5)).receivables_cents == 0
    assert book.position(date(2026, 3, 10)).receivables_cents == 0


def test_figures_without_sales_or_receivables_are_undefined_not_errors(app):
    empty = kpis.compute(T, 90)
    assert empty.dso_days is None and empty.dbt_days is None and empty.cei_percent is None
    assert empty.add_days is None and empty.overdue_percent is None
    assert empty.as_json()["dso_days"] is None
    assert format_ratio(empty.dso_days) == "—"

    customer = make_customer()  # sales, nothing overdue: ADD has no invoice to average
    make_invoice(customer, issue_date=T - timedelta(days=5), due_date=T + timedelta(days=25))
    fresh = kpis.compute(T, 90)
    assert fresh.dso_days is not None and fresh.overdue_percent == 0
    assert fresh.add_days is None


def test_the_json_object_has_exactly_the_documented_keys(app):
    ledger_cases.build()
    payload = kpis.compute(T, DAYS).as_json()
    assert tuple(payload) == kpis.JSON_KEYS
    assert payload["as_of"] == "2026-06-30" and payload["days"] == 30
    assert payload["dso_days"] == 220_000 * 30 / 230_000


def test_display_rounds_half_up_to_one_decimal():
    assert one_decimal(Fraction(1225, 100)) == Decimal("12.3")
    assert one_decimal(Fraction(-1225, 100)) == Decimal("-12.3")
    assert one_decimal(Fraction(1224999, 100000)) == Decimal("12.2")
    assert one_decimal(None) is None
    assert format_ratio(Fraction(123456, 10), "fr") == "12\u202f345,6"


def test_a_change_that_rounds_to_nothing_reads_as_unchanged():
    def kpis_with(receivables: int) -> kpis.Kpis:
        return kpis.Kpis(T, 90, "EUR", 1_000_000, receivables, receivables, 0, 0)

    same, up = kpis.compare(kpis_with(100_000), kpis_with(100_040)), None
    dso = same[0]
    assert dso.delta == Fraction(-40 * 90, 1_000_000) and dso.direction == "same"
    assert dso.improved is None
    up = kpis.compare(kpis_with(110_000), kpis_with(100_000))[0]
    assert up.direction == "up" and up.improved is False
