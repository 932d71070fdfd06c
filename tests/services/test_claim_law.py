"""The claim computed from the law, to the cent, against figures worked out by hand.

Conventions (L441-10 as the portal applies it): interest runs from the day
after the due date; each day bears interest on the balance due at the end of
the previous day (a payment dated D still bears interest on D); a day is the
annual rate / 365; each half-year has its own rate (ECB and legal rates of the
table shipped in services/claims/rates.toml); the invoice's total is rounded
half up once. Each comment shows the arithmetic: balance € × rate × days / 365.
An invoice of "1000.00" carries 20 % VAT: 1 200,00 € (120 000 cents).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from portal.extensions import db
from portal.models import (
    ActionStatus,
    DunningAction,
    PaymentMethod,
    PenaltyRateBasis,
    ReferenceRate,
    ScenarioStep,
)
from portal.services.audit import Actor
from portal.services.claims import claim, rate_table
from portal.services.claims.notices import formal_notice_sent_on
from portal.services.disputes import raising, resolution
from portal.services.dunning import scenarios
from portal.services.payments import ledger

from ..conftest import NOW
from ..factories import formal_notice_emailed, make_customer, make_invoice, make_organisation


@pytest.fixture
def organisation(app):
    return make_organisation()


def pay(invoice, cents: int, day: date) -> None:
    ledger.record_payment(
        invoice,
        amount_cents=cents,
        paid_on=day,
        method=PaymentMethod.TRANSFER,
        reference="",
        actor=Actor.system(),
        now=NOW,
    )
    db.session.commit()


def invoice_due(customer, due: date, amount: str = "1000.00"):
    return make_invoice(customer, amount=amount, issue_date=date(due.year, 1, 1), due_date=due)


def claim_on(organisation, customer, as_of: date) -> claim.Claim:
    return claim.for_customer(organisation, customer, as_of)


def test_a_business_invoice_unpaid_across_a_half_year(organisation):
    customer = make_customer()
    invoice_due(customer, date(2025, 5, 31))
    owed = claim_on(organisation, customer, date(2025, 7, 10))
    (line,) = owed.invoices
    # 1 June to 30 June: 1 200 € × 13.15 % (ECB 3.15 + 10) × 30 / 365 = 12.96986301 €
    # 1 July to 10 July: 1 200 € × 12.15 % (ECB 2.15 + 10) × 10 / 365 = 3.99452055 €
    # total 16.96438356 € → 16,96 €
    assert [(s.start, s.end, s.balance_cents, s.rate_bp, s.days) for s in line.segments] == [
        (date(2025, 6, 1), date(2025, 6, 30), 120_000, 1315, 30),
        (date(2025, 7, 1), date(2025, 7, 10), 120_000, 1215, 10),
    ]
    assert (line.principal_cents, line.penalty_cents, line.indemnity_cents) == (120_000, 1696, 4000)
    assert not line.paid_late and line.days_late == 40
    assert owed.totals["EUR"].total_cents == 120_000 + 1696 + 4000


def test_an_invoice_paid_late_still_owes_what_accrued_and_the_indemnity(organisation):
    customer = make_customer()
    invoice = invoice_due(customer, date(2025, 3, 31))
    pay(invoice, 120_000, date(2025, 4, 30))
    owed = claim_on(organisation, customer, date(2025, 11, 23))
    (line,) = owed.invoices
    # 1 to 30 April, the payment day included: 1 200 € × 13.15 % × 30 / 365 = 12.96986301 € → 12,97 €
    assert line.paid_late and line.principal_cents == 0 and line.days_late == 30
    assert [(s.start, s.end, s.days) for s in line.segments] == [
        (date(2025, 4, 1), date(2025, 4, 30), 30)
    ]
    assert (line.penalty_cents, line.indemnity_cents) == (1297, 4000)


def test_an_invoice_paid_on_time_claims_nothing(organisation):
    customer = make_customer()
    invoice = invoice_due(customer, date(2025, 3, 31))
    pay(invoice, 120_000, date(2025, 3, 31))
    assert claim_on(organisation, customer, date(2025, 11, 23)).invoices == []


def test_part_payments_across_several_half_years(organisation):
    customer = make_customer()
    invoice = invoice_due(customer, date(2024, 11, 30))
    invoice.issue_date = date(2024, 10, 31)
    pay(invoice, 50_000, date(2025, 2, 14))
    pay(invoice, 30_000, date(2025, 8, 20))
    owed = claim_on(organisation, customer, date(2026, 1, 10))
    (line,) = owed.invoices
    # 2024-12-01..12-31  31 days  1 200 € × 14.25 % (4.25 + 10)  = 14.52328767 €
    # 2025-01-01..02-14  45 days  1 200 € × 13.15 % (3.15 + 10)  = 19.45479452 €
    # 2025-02-15..06-30 136 days    700 € × 13.15 %              = 34.29808219 €
    # 2025-07-01..08-20  51 days    700 € × 12.15 % (2.15 + 10)  = 11.88369863 €
    # 2025-08-21..12-31 133 days    400 € × 12.15 %              = 17.70904110 €
    # 2026-01-01..01-10  10 days    400 € × 12.15 % (2.15 + 10)  =  1.33150685 €
    # total 99.20041096 € → 99,20 €
    assert [(s.start, s.days, s.balance_cents, s.rate_bp) for s in line.segments] == [
        (date(2024, 12, 1), 31, 120_000, 1425),
        (date(2025, 1, 1), 45, 120_000, 1315),
        (date(2025, 2, 15), 136, 70_000, 1315),
        (date(2025, 7, 1), 51, 70_000, 1215),
        (date(2025, 8, 21), 133, 40_000, 1215),
        (date(2026, 1, 1), 10, 40_000, 1215),
    ]
    assert (line.principal_cents, line.penalty_cents, line.indemnity_cents) == (40_000, 9920, 4000)


@pytest.mark.parametrize(
    ("basis", "margin_bp", "fixed_bp", "due", "rate_bp", "penalty_cents"),
    [
        # 2024H1, ECB 4.50, legal "all other cases" 5.07, floor 3 × 5.07 = 15.21 %.
        # Statutory ECB + 10 = 14.50 %, no floor: 1 200 € × 14.50 % × 30 / 365 = 14.30136986 €
        (PenaltyRateBasis.STATUTORY, 1000, None, date(2024, 2, 29), 1450, 1430),
        # Contract ECB + 3 = 7.50 % < 15.21 %: the floor, 1 200 € × 15.21 % × 30 / 365 = 15.00164384 €
        (PenaltyRateBasis.ECB_MARGIN, 300, None, date(2024, 2, 29), 1521, 1500),
        # Fixed 5 % < 15.21 %: the floor again
        (PenaltyRateBasis.FIXED, 1000, 500, date(2024, 2, 29), 1521, 1500),
        # 2025H2, ECB 2.15, legal 2.76, floor 8.28 %.
        # Contract ECB + 12 = 14.15 %: 1 200 € × 14.15 % × 30 / 365 = 13.95616438 €
        (PenaltyRateBasis.ECB_MARGIN, 1200, None, date(2025, 8, 31), 1415, 1396),
        # Fixed 12 % > 8.28 %: 1 200 € × 12 % × 30 / 365 = 11.83561644 €
        (PenaltyRateBasis.FIXED, 1000, 1200, date(2025, 8, 31), 1200, 1184),
    ],
)
def test_contract_rates_and_the_floor(
    organisation, basis, margin_bp, fixed_bp, due, rate_bp, penalty_cents
):
    organisation.penalty_rate_basis = basis
    organisation.penalty_margin_bp = margin_bp
    organisation.penalty_fixed_rate_bp = fixed_bp
    customer = make_customer()
    invoice_due(customer, due)
    as_of = date(due.year, due.month + 1, 30)
    (line,) = claim_on(organisation, customer, as_of).invoices
    assert [(s.rate_bp, s.days) for s in line.segments] == [(rate_bp, 30)]
    assert line.penalty_cents == penalty_cents


def test_a_customer_contract_overrides_the_organisation_terms(organisation):
    customer = make_customer()
    customer.penalty_rate_basis = PenaltyRateBasis.FIXED
    customer.penalty_fixed_rate_bp = 1200
    invoice_due(customer, date(2025, 8, 31))
    (line,) = claim_on(organisation, customer, date(2025, 9, 30)).invoices
    assert line.segments[0].rate_bp == 1200 and line.penalty_cents == 1184


def notice_sent(customer, invoice, day: date) -> None:
    scenarios.install_defaults(now=NOW, actor=Actor.system())
    step = db.session.query(ScenarioStep).filter_by(kind="formal_notice").first()
    sent = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    db.session.add(
        DunningAction(
            invoice_id=invoice.id,
            step_id=step.id,
            customer_id=customer.id,
            planned_date=day,
            status=ActionStatus.SENT,
            created_at=sent,
            done_at=sent,
        )
    )
    formal_notice_emailed(customer, sent)
    db.session.commit()


def test_a_consumer_owes_legal_interest_only_from_the_formal_notice(organisation):
    customer = make_customer(kind="consumer")
    invoice = invoice_due(customer, date(2025, 9, 30))
    (before,) = claim_on(organisation, customer, date(2025, 11, 23)).invoices
    assert (before.principal_cents, before.penalty_cents, before.indemnity_cents) == (120_000, 0, 0)
    assert before.segments == []

    notice_sent(customer, invoice, date(2025, 10, 31))
    assert formal_notice_sent_on(customer) == date(2025, 10, 31)
    (after,) = claim_on(organisation, customer, date(2025, 11, 23)).invoices
    # From 1 to 23 November at the legal rate "all other cases" (2.76 %), not the
    # private-person creditor's 6.65 %: 1 200 € × 2.76 % × 23 / 365 = 2.08701370 € → 2,09 €
    assert [(s.start, s.rate_bp, s.days) for s in after.segments] == [(date(2025, 11, 1), 276, 23)]
    assert (after.penalty_cents, after.indemnity_cents) == (209, 0)


def test_an_accepted_dispute_credit_note_counts_from_the_issue_date(organisation, tmp_path):
    customer = make_customer()
    invoice = invoice_due(customer, date(2025, 5, 31))
    line_id = invoice.lines[0].id
    dispute = raising.open_dispute(
        customer,
        invoice.id,
        {line_id: 20_000},
        reason="damaged",
        comment="Broken",
        files=[],
        uploads_folder=tmp_path,
        max_file_bytes=1024,
        review_url="https://portal.example.test/disputes",
        today=date(2025, 6, 20),
        now=NOW,
        actor=Actor.debtor(customer),
    )
    resolution.accept(
        dispute.id,
        accepted_cents=20_000,
        answer="Agreed",
        actor=Actor.system(),
        today=date(2025, 7, 5),
        now=NOW,
        base_url="https://portal.example.test",
        link_days=30,
    )
    db.session.commit()
    (line,) = claim_on(organisation, customer, date(2025, 7, 10)).invoices
    # 200 € were never owed: 1 000 € from the start.
    # 1 000 € × 13.15 % × 30 / 365 = 10.80821918 €; 1 000 € × 12.15 % × 10 / 365 = 3.32876712 €
    # total 14.13698630 € → 14,14 €
    assert [(s.balance_cents, s.days) for s in line.segments] == [(100_000, 30), (100_000, 10)]
    assert (line.principal_cents, line.penalty_cents) == (100_000, 1414)


def test_an_open_dispute_sets_its_amount_aside(organisation, tmp_path):
    customer = make_customer()
    invoice = invoice_due(customer, date(2025, 5, 31))
    raising.open_dispute(
        customer,
        invoice.id,
        {invoice.lines[0].id: 20_000},
        reason="damaged",
        comment="Broken",
        files=[],
        uploads_folder=tmp_path,
        max_file_bytes=1024,
        review_url="https://portal.example.test/disputes",
        today=date(2025, 6, 20),
        now=NOW,
        actor=Actor.debtor(customer),
    )
    (line,) = claim_on(organisation, customer, date(2025, 7, 10)).invoices
    assert (line.principal_cents, line.set_aside_cents, line.penalty_cents) == (
        100_000,
        20_000,
        1414,
    )


def test_a_missing_half_year_rate_is_reported_not_taken_as_zero(organisation):
    customer = make_customer()
    invoice_due(customer, date(2026, 5, 31))
    owed = claim_on(organisation, customer, date(2026, 7, 10))
    (line,) = owed.invoices
    assert owed.missing_half_years == [date(2026, 7, 1)] == line.missing_half_years
    assert line.segments[1].rate_bp is None and line.penalty_cents == 0
    # entered by the owner, the half-year counts; an earlier one is never reused
    db.session.add(ReferenceRate(semester_start=date(2026, 7, 1), rate_bp=200))
    db.session.commit()
    assert claim_on(organisation, customer, date(2026, 7, 10)).missing_half_years == []


def test_the_dashboard_warns_15_days_before_a_half_year_without_rates():
    assert (
        rate_table.missing_soon(date(2026, 6, 15), rate_table.Rates(rate_table.shipped())) is None
    )
    assert rate_table.missing_soon(date(2026, 6, 16), rate_table.Rates(rate_table.shipped())) == (
        date(2026, 7, 1)
    )


def test_penalties_turned_off_claim_the_principal_only(app):
    organisation = make_organisation(charge_penalties=False)
    customer = make_customer()
    invoice_due(customer, date(2025, 5, 31))
    paid = invoice_due(customer, date(2025, 3, 31))
    pay(paid, 120_000, date(2025, 4, 30))
    (line,) = claim_on(organisation, customer, date(2025, 7, 10)).invoices
    assert (line.principal_cents, line.penalty_cents, line.indemnity_cents) == (120_000, 0, 0)
    assert line.segments == []


def test_portal_claim_prints_the_same_figures_as_json(organisation, runner):
    customer = make_customer(ref="ACME")
    invoice_due(customer, date(2025, 5, 31))
    paid = invoice_due(customer, date(2025, 3, 31))
    pay(paid, 120_000, date(2025, 4, 30))
    result = runner.invoke(args=["claim", "ACME", "--as-of", "2025-07-10", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == [
        "customer_ref",
        "as_of",
        "invoices",
        "total_principal_cents",
        "total_penalty_cents",
        "total_indemnity_cents",
        "total_cents",
    ]
    assert [
        (
            i["number"],
            i["principal_cents"],
            i["penalty_cents"],
            i["indemnity_cents"],
            i["paid_late"],
        )
        for i in data["invoices"]
    ] == [
        (paid.number, 0, 1297, 4000, True),
        (data["invoices"][1]["number"], 120_000, 1696, 4000, False),
    ]
    assert data["invoices"][1]["segments"][0] == {
        "start": "2025-06-01",
        "end": "2025-06-30",
        "balance_cents": 120_000,
        "annual_rate_bp": 1315,
        "days": 30,
        "amount_cents": "1296.986301",
    }
    assert data["total_cents"] == 120_000 + 1696 + 1297 + 8000
    text = runner.invoke(args=["claim", "ACME", "--as-of", "2025-07-10"]).output
    assert "total 1309.93" in text  # 1 200 + 16,96 + 12,97 + 2 × 40


def test_portal_claim_refuses_a_half_year_without_rates(organisation, runner):
    customer = make_customer(ref="LATE")
    invoice_due(customer, date(2026, 5, 31))
    result = runner.invoke(args=["claim", "LATE", "--as-of", "2026-07-10", "--json"])
    assert result.exit_code == 1
    assert "2026-07-01 to 2026-12-31 are missing" in result.output
