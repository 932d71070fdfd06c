"""Amounts in cents formatted as Babel would, with the locale's pattern read once.

`babel.numbers.format_currency` looks up the pattern, the symbols and the
currency's plural name again for every amount (the name even when the pattern
does not show it): about 13 µs an amount, most of a dunning pass's drafting
when every reminder lists a dozen amounts. `cents_formatter(currency, language)`
reads all of that once per (currency, language) and returns a function that
only groups digits; for a pattern it does not handle (a currency without two
decimals, a pattern with the currency's name, a quote in the digits) it returns
Babel's own formatting. tests/values/test_money_formats.py checks both agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import (
    format_currency,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
)

_QUOTED = re.compile(r"'([^']*)'")


def _literal(affix: str, currency: str, symbol: str) -> str | None:
    """A prefix or suffix with the currency written in, as Babel does; None if it needs the value."""
    if "¤¤¤" in affix:
        return None  # the currency's name agrees with the amount ("1 euro", "2 euros")
    affix = affix.replace("¤¤", currency.upper()).replace("¤", symbol)
    return _QUOTED.sub(lambda m: m.group(1) or "'", affix)


@lru_cache(maxsize=16)
def babel_locale(name: str) -> Locale:
    """Parsing a locale is most of what formatting an amount costs; there are only a few."""
    return Locale.parse(name)


def _babel_formatted(cents: int, currency: str, language: str) -> str:
    """Babel's own formatting, for the patterns the fast path does not handle."""
    return format_currency(Decimal(cents).scaleb(-2), currency, locale=babel_locale(language))


@lru_cache(maxsize=64)
def cents_formatter(currency: str, language: str) -> Callable[[int], str]:
    """`format_money(cents, currency, language)`, as a function of the cents alone."""
    locale = babel_locale(language)
    pattern = locale.currency_formats["standard"]
    symbol = get_currency_symbol(currency, locale)
    affixes = [_literal(affix, currency, symbol) for affix in (*pattern.prefix, *pattern.suffix)]
    group, decimal = get_group_symbol(locale), get_decimal_symbol(locale)
    plain = (
        get_currency_precision(currency) == 2
        and "'" not in group + decimal  # Babel strips quotes from the whole result
        and not pattern.exp_prec
        and pattern.scale == 0
        and "@" not in pattern.pattern
        and None not in affixes
    )
    if not plain:
        return lambda cents: _babel_formatted(cents, currency, language)
    positive_prefix, negative_prefix, positive_suffix, negative_suffix = affixes
    first, then = pattern.grouping
    min_digits = pattern.int_prec[0]

    def formatted(cents: int) -> str:
        units, hundredths = divmod(abs(cents), 100)
        digits = str(units).rjust(min_digits, "0")
        if len(digits) > first:
            parts = [digits[-first:]]
            digits = digits[:-first]
            while len(digits) > then:
                parts.append(digits[-then:])
                digits = digits[:-then]
            parts.append(digits)
            digits = group.join(reversed(parts))
        number = f"{digits}{decimal}{hundredths:02d}"
        if cents < 0:
            return f"{negative_prefix}{number}{negative_suffix}"
        return f"{positive_prefix}{number}{positive_suffix}"

    return formatted
