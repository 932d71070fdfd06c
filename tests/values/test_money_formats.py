"""The fast cents formatter writes exactly what Babel writes."""

from __future__ import annotations

import random

import pytest

from portal.values.money import format_money
from portal.values.money_formats import cents_formatter

AMOUNTS = [0, 1, -1, 9, 10, 99, 100, -100, 999, 1000, 99_999, 100_000, 123_456, -123_456]
AMOUNTS += [10**n for n in range(3, 16)] + [-(10**n) - 7 for n in range(3, 16)]
AMOUNTS += random.Random(5).sample(range(-(10**12), 10**12), 300)


@pytest.mark.parametrize("language", ["fr", "en", "de", "de_CH", "en_IN", "nl", "es"])
@pytest.mark.parametrize("currency", ["EUR", "USD", "GBP", "CHF", "XPF", "JPY"])
def test_the_fast_formatter_writes_what_babel_writes(language, currency):
    formatted = cents_formatter(currency, language)
    for cents in AMOUNTS:
        assert formatted(cents) == format_money(cents, currency, language), cents


def test_french_and_english_as_the_reminders_show_them():
    assert cents_formatter("EUR", "fr")(123_456_778) == "1\u202f234\u202f567,78\u00a0€"
    assert cents_formatter("EUR", "en")(-5) == "-€0.05"
