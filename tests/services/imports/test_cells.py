"""Values as files write them: French and English numbers and dates, absurd amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.values.dates import parse_date
from portal.values.money import parse_decimal

from .conftest import INVOICES_HEADER, PAYMENTS_HEADER, run


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56 €", "1234.56"),
        ("1\u202f234,56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1.234.567", "1234567"),
        ("0,335", "0.335"),
        ("€12", "12"),
        ("-5", "-5"),
    ],
)
def test_parse_decimal_accepts_french_and_english_writing(text, expected):
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "12,", "1,2.3", "1.23.4", "1e5", "€", "1 2 3,4,5"])
def test_parse_decimal_refuses_garbage(text):
    with pytest.raises(ValueError):
        parse_decimal(text)


@pytest.mark.parametrize("text", ["2026-01-31", "31/01/2026", "31-01-2026", "31.01.2026"])
def test_parse_date_formats(text):
    assert parse_date(text) == date(2026, 1, 31)


@pytest.mark.parametrize("text", ["31/02/2026", "2026-1-31", "01/31/26", "31/01-2026", "hier"])
def test_parse_date_refuses_other_writings(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_absurd_numbers_are_errors_not_crashes(app, sample_invoices):
    invoices = (
        INVOICES_HEADER
        + "X-1,C001,2026-01-05,2026-02-04,EUR,huge,999999999999999999999999999,1,20\n"
    )
    assert [str(e) for e in run("invoices", invoices).errors] == [
        "row 2, column quantity: amount too large"
    ]
    payments = PAYMENTS_HEADER + "F-2026-003,2026-02-01,123456789012345678901234567890,virement,\n"
    assert [str(e) for e in run("payments", payments).errors] == [
        "row 2, column amount: amount too large"
    ]
