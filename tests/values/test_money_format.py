"""Amounts formatted without Babel on every call must read exactly as Babel writes them."""

import random
from datetime import date, timedelta

from babel.dates import format_date
from babel.numbers import format_currency

from portal import i18n
from portal.values.money import babel_locale, format_money, from_cents


def test_every_amount_reads_as_babel_writes_it():
    rng = random.Random(7)
    amounts = [0, 1, 9, 10, 99, 100, 101, 999, 1000, 99999, 100000, 123456789, -1, -123456]
    amounts += [rng.randrange(-(10**12), 10**12) for _ in range(2000)]
    amounts += [rng.randrange(0, 10**n) for n in range(1, 14) for _ in range(20)]
    for language in ("fr", "en_GB", "en", "de", "fr_CH"):
        for currency in ("EUR", "USD", "GBP", "CHF", "JPY"):
            locale = babel_locale(language)
            for cents in amounts:
                expected = format_currency(from_cents(cents), currency, locale=locale)
                assert format_money(cents, currency, language) == expected, (
                    cents,
                    currency,
                    language,
                )


def test_days_read_as_babel_writes_them(app):
    first = date(2024, 1, 1)
    for language in ("fr", "en"):
        with app.test_request_context(headers={"Accept-Language": language}):
            locale = i18n.get_locale()
            for n in range(0, 800, 7):
                for style in ("short", "medium", "long", "full"):
                    day = first + timedelta(days=n)
                    assert i18n.day(day, style) == format_date(day, style, locale=locale)
            assert i18n.day("2026-03-02T10:00:00", "short") == format_date(
                date(2026, 3, 2), "short", locale=locale
            )
