from datetime import date
from decimal import Decimal

from portal.models import CustomerKind, PaymentMethod
from portal.services.audit import Actor
from portal.services.claims import penalties
from portal.services.claims.penalties import RateTable, simple_interest
from portal.services.payments import ledger

from ..conftest import NOW
from ..factories import make_customer, make_invoice, make_organisation

RATES = RateTable({date(2025, 1, 1): 315, date(2025, 7, 1): 215}, {}, {date(2025, 7, 1): 765})


def test_simple_interest_splits_at_half_years():
    # 10 000,00 € from 2025-06-21 to 2025-07-10: 10 days at 13.15 % then 10 days at 12.15 %
    value = simple_interest(
        [],
        1_000_000,
        date(2025, 6, 21),
        date(2025, 7, 10),
        lambda s: RATES.penalty_rate_bp(s, 1000),
    )
    expected = Decimal(1_000_000) * (Decimal("0.1315") * 10 + Decimal("0.1215") * 10) / 365
    assert value == expected
    assert penalties.round_cents(value) == 6932  # 69,32 €


def test_partial_payment_starts_a_new_segment():
    # 1 000,00 € for 10 days, then 400,00 € for 10 days, all at 12.15 %
    value = simple_interest(
        [(date(2025, 8, 11), 60_000)], 100_000, date(2025, 8, 1), date(2025, 8, 20), lambda s: 1215
    )
    assert penalties.round_cents(value) == penalties.round_cents(
        Decimal(100_000) * Decimal("0.1215") * 10 / 365
        + Decimal(40_000) * Decimal("0.1215") * 10 / 365
    )


def test_floor_at_three_times_the_legal_rate():
    table = RateTable({date(2025, 7, 1): 215}, {date(2025, 7, 1): 500}, {})
    assert table.penalty_rate_bp(date(2025, 7, 1), 1000) == 1500  # 3 × 5 % beats 2.15 + 10
    assert table.penalty_rate_bp(date(2026, 1, 1), 1000) == 1500  # last known half-year applies


def test_business_invoice_penalties_and_indemnity(app):
    organisation = make_organisation()
    customer = make_customer()
    invoice = make_invoice(
        customer, amount="1000.00", issue_date=date(2025, 7, 1), due_date=date(2025, 7, 31)
    )
    ledger.record_payment(
        invoice,
        amount_cents=20_000,
        paid_on=date(2025, 8, 10),
        method=PaymentMethod.TRANSFER,
        reference="",
        actor=Actor.system(),
        now=NOW,
    )
    result = penalties.for_invoice(
        invoice, organisation, CustomerKind.BUSINESS, date(2025, 8, 30), RATES
    )
    # 1 200 € from 1 to 9 August (9 days), then 1 000 € from 10 to 30 August (21 days), at 12.15 %
    expected = (
        Decimal(120_000) * Decimal("0.1215") * 9 / 365
        + Decimal(100_000) * Decimal("0.1215") * 21 / 365
    )
    assert result.interest_cents == penalties.round_cents(expected) == 1059
    assert result.indemnity_cents == 4000 and result.days_late == 30


def test_consumers_owe_legal_interest_only_after_formal_notice(app):
    organisation = make_organisation()
    invoice = make_invoice(
        make_customer(kind="consumer"),
        amount="100.00",
        issue_date=date(2025, 7, 1),
        due_date=date(2025, 7, 31),
    )
    before = penalties.for_invoice(
        invoice, organisation, CustomerKind.CONSUMER, date(2025, 9, 30), RATES
    )
    assert before.total_cents == 0
    after = penalties.for_invoice(
        invoice,
        organisation,
        CustomerKind.CONSUMER,
        date(2025, 9, 30),
        RATES,
        formal_notice_date=date(2025, 8, 31),
    )
    assert after.indemnity_cents == 0
    assert after.interest_cents == penalties.round_cents(
        Decimal(12_000) * Decimal("0.0765") * 30 / 365
    )


def test_not_late_or_policy_off_means_nothing(app):
    organisation = make_organisation(charge_penalties=False)
    invoice = make_invoice(make_customer(), issue_date=date(2025, 7, 1), due_date=date(2025, 7, 31))
    assert (
        penalties.for_invoice(
            invoice, organisation, CustomerKind.BUSINESS, date(2025, 9, 1), RATES
        ).total_cents
        == 0
    )
    organisation.charge_penalties = True
    assert (
        penalties.for_invoice(
            invoice, organisation, CustomerKind.BUSINESS, date(2025, 7, 31), RATES
        ).total_cents
        == 0
    )
