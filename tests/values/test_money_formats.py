"""Amounts formatted without Babel on every call read exactly as Babel writes them.

`format_money` goes through `cents_formatter`, which reads each locale's pattern
once; the reference here is always Babel's own `format_currency`.
"""

from __future__ import annotations

import random

import pytest
from babel.numbers import format_currency

from portal.values.money import format_money, from_cents
from portal.values.money_formats import babel_locale, cents_formatter

AMOUNTS = [0, 1, -1, 9, 10, 99, 100, -100, 101, 999, 1000, 99_999, 100_000, 123_456, -123_456]
AMOUNTS += [10**n for n in range(3, 16)] + [-(10**n) - 7 for n in range(3, 16)]
AMOUNTS += random.Random(5).sample(range(-(10**12), 10**12), 300)
AMOUNTS += [random.Random(7).randrange(0, 10**n) for n in range(1, 14)]


@pytest.mark.parametrize("language", ["fr", "en", "en_GB", "de", "de_CH", "fr_CH", "en_IN", "nl"])
@pytest.mark.parametrize("currency", ["EUR", "USD", "GBP", "CHF", "XPF", "JPY"])
def test_every_amount_reads_as_babel_writes_it(language, currency):
    formatted = cents_formatter(currency, language)
    locale = babel_locale(language)
    for cents in AMOUNTS:
        expected = format_currency(from_cents(cents), currency, locale=locale)
        assert formatted(cents) == expected, cents
        assert format_money(cents, currency, language) == expected, cents


def test_french_and_english_as_the_reminders_show_them():
    assert cents_formatter("EUR", "fr")(123_456_778) == "1\u202f234\u202f567,78\u00a0€"
    assert cents_formatter("EUR", "en")(-5) == "-€0.05"
