"""Amounts as bank files write them, to exact cents.

Each format has its own spelling ("1234.56" in XML, "1234,56" in MT940,
"+1250.00" or "-12,50" in OFX, a zoned sign in CFONB), but all must land on
a whole number of cents: a statement amount with a third decimal is a file
we do not understand, never something to round.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")


def exact_cents(value: Decimal) -> int:
    """The amount in cents; ValueError if it has a fraction of a cent."""
    cents = value * 100
    if cents != cents.to_integral_value():
        raise ValueError(str(value))
    return int(cents)


def plain_cents(text: str) -> int:
    """Cents from a plain number with a decimal point or comma and no thousands separator.

    "1234.56", "-12,50", "+1250", "1234," all read; anything else is a ValueError.
    """
    text = text.strip()
    if not _PLAIN.fullmatch(text):
        raise ValueError(text)
    try:
        return exact_cents(Decimal(text.replace(",", ".").rstrip(".") or "0"))
    except InvalidOperation as exc:
        raise ValueError(text) from exc
