"""Ratios for display: exact fractions rounded half up to one decimal, once."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from babel.numbers import format_decimal

from portal.values.money import babel_locale

UNDEFINED = "—"


def one_decimal(value: Fraction | float | int | None) -> Decimal | None:
    """Half up, away from zero on a tie (12.25 → 12.3, -12.25 → -12.3); None stays None."""
    if value is None:
        return None
    exact = Fraction(value)
    tenths = math.floor(abs(exact) * 10 + Fraction(1, 2))
    return Decimal(tenths if exact >= 0 else -tenths).scaleb(-1)


def format_ratio(value: Fraction | float | int | None, language: str = "en") -> str:
    """`12.3` in English, `12,3` in French, "—" when undefined."""
    rounded = one_decimal(value)
    if rounded is None:
        return UNDEFINED
    return format_decimal(rounded, format="#,##0.0", locale=babel_locale(language))
