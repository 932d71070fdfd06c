"""Days formatted once per day and locale must read exactly as Babel writes them."""

from datetime import date, timedelta

from babel.dates import format_date

from portal import i18n


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
