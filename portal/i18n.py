"""Languages and locale-aware formatting (French and English).

The interface language comes, in order, from an explicit choice stored in the
session, the user's own setting, the browser, then the portal default.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date as babel_format_date
from flask import Flask, current_app, g, request, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale, get_translations
from flask_login import current_user

from portal.extensions import babel
from portal.values.banking import format_iban
from portal.values.creditor_references import format_rf
from portal.values.locales import FORMAT_LOCALES
from portal.values.money import babel_locale, format_money, format_unit_price, from_cents


def select_locale() -> str:
    language = _select_language()
    return FORMAT_LOCALES.get(language, language)


def _select_language() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    debtor_language = g.get("debtor_language")
    if debtor_language in languages:
        return debtor_language
    user_language = getattr(current_user, "language", "") if current_user else ""
    if user_language in languages:
        return user_language
    if request:
        best = request.accept_languages.best_match(languages)
        if best:
            return best
    return current_app.config["DEFAULT_LANGUAGE"]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def init_app(app: Flask) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).parent / "translations")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # The templates' _(), ngettext() and pgettext(): as Flask-Babel installs them, but
    # through current_translations.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: current_translations().ugettext(s),
        ngettext=lambda s, p, n: current_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: current_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: current_translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["amount_input"] = amount_input
    app.jinja_env.filters["unit_price"] = unit_price
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["iban"] = format_iban
    app.jinja_env.filters["rf"] = format_rf
    app.jinja_env.globals.update(
        get_locale=get_locale, format_datetime=format_datetime, format_decimal=format_decimal
    )


def current_locale() -> Locale | None:
    """Flask-Babel's `get_locale`, in one trip through `g` once the request has chosen one.

    A debtor's page formats about a hundred amounts and days and translates
    some sixty strings; `get_locale` goes through `g` three times on each
    (3 µs), and `get_translations` also names the locale as a string (11 µs).
    The locale is still the one Flask-Babel keeps for the request, so
    `force_locale` (an email in the customer's language) is obeyed.
    """
    try:
        locale = getattr(g._flask_babel, "babel_locale", None)
    except (AttributeError, RuntimeError):  # not chosen yet, or outside a request
        locale = None
    return locale if locale is not None else get_locale()


_TRANSLATIONS: dict[Locale, object] = {}


def current_translations():
    """The catalog for the current locale, kept per locale (Flask-Babel keeps them too)."""
    locale = current_locale()
    found = _TRANSLATIONS.get(locale) if locale is not None else None
    if found is None:
        found = get_translations()
        if locale is not None:
            _TRANSLATIONS[locale] = found
    return found


@lru_cache(maxsize=64)
def locale_name(locale: Locale) -> str:
    """`fr_FR`: Babel builds the string anew on every `str(locale)`."""
    return str(locale)


def _locale_name() -> str:
    locale = current_locale()
    return locale_name(locale) if locale is not None else "fr"


def money(cents: int | None, currency: str = "EUR") -> str:
    """`1 234,56 €` in French, `€1,234.56` in English: never floats."""
    if cents is None:
        return ""
    return format_money(cents, currency, _locale_name())


def unit_price(value, currency: str = "EUR") -> str:
    """`499,10 €`: a unit price with at least two decimals, in the reader's locale."""
    return format_unit_price(value, currency, _locale_name())


def amount_input(cents: int) -> str:
    """An amount as a person types it back into a form: `30,00` in French, `30.00` in English."""
    return format_decimal(from_cents(cents), format="0.00")


def day(value: date | str | None, style: str = "medium") -> str:
    if not value:
        return ""
    if isinstance(value, str):  # an ISO date kept in an audit event
        value = date.fromisoformat(value[:10])
    locale = current_locale()
    if locale is None:  # outside a request: Flask-Babel's own default
        return format_date(value, style)
    return _formatted_day(value, style, locale_name(locale))


@lru_cache(maxsize=4096)
def _formatted_day(value: date, style: str, locale: str) -> str:
    """A page shows the same few hundred days again and again; Babel builds each one slowly.

    What Flask-Babel's `format_date` does for a date and a named style, with
    no per-app date formats configured (none are), once per day and locale.
    """
    return babel_format_date(value, style, locale=babel_locale(locale))
