"""Money as the portal holds it: integer cents, parsed and formatted in one place.

Amounts are stored in minor units so that no sum is ever off by a float's
rounding; a Decimal appears only on the way in (parsing what people type or
files contain) and on the way out (formatting for a locale). Rounding is half up
to the cent, as the law and accountants expect (never banker's rounding).
No Flask here: the same code serves the web pages, the PDFs and the scheduler.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import format_currency

from portal.values.money_formats import babel_locale, cents_formatter

CENT = Decimal("0.01")

_SPACES_AND_EURO = str.maketrans("", "", " \u00a0\u202f\u2009\u2007\u2008€")
_NUMBER_RE = re.compile(r"[0-9]+(\.[0-9]+)?|\.[0-9]+")
_GROUPED_RE = {sep: re.compile(rf"[0-9]{{1,3}}(\{sep}[0-9]{{3}})+") for sep in ",."}


class AmountInvalid(ValueError):
    """What a person typed is not an amount of money; `reason` is a message id to show."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def to_cents(amount: Decimal) -> int:
    """Round half up to the cent and count cents."""
    return int((amount.quantize(CENT, rounding=ROUND_HALF_UP) * 100).to_integral_value())


def from_cents(cents: int) -> Decimal:
    """The exact decimal amount of `cents` (no float on the way)."""
    return Decimal(cents).scaleb(-2)


@lru_cache(maxsize=8192)
def parse_decimal(text: str) -> Decimal:
    """A number as French and English spreadsheets write it: "1 234,56", "1.234,56", "1234.56 €".

    With both a comma and a point, the last one is the decimal separator; a
    single comma or point is a decimal separator; several of the same one are
    thousands separators, in groups of three. Raises ValueError otherwise.
    """
    value = text.translate(_SPACES_AND_EURO)
    sign = ""
    if value[:1] in ("-", "−", "+"):
        sign, value = ("" if value[0] == "+" else "-"), value[1:]
    if "," in value and "." in value:
        decimal = "," if value.rfind(",") > value.rfind(".") else "."
    elif value.count(",") == 1 or value.count(".") == 1:
        decimal = "," if "," in value else "."
    else:
        decimal = ""
    whole, _, fraction = value.partition(decimal) if decimal else (value, "", "")
    thousands = "." if decimal == "," or "." in whole else ","
    if thousands in whole:
        if not _GROUPED_RE[thousands].fullmatch(whole):
            raise ValueError(text)
        whole = whole.replace(thousands, "")
    number = f"{whole}.{fraction}" if decimal else whole
    if len(number) > 30 or not _NUMBER_RE.fullmatch(number):
        raise ValueError(text)
    return Decimal(sign + number)


#: Marks a message id for extraction (babel.cfg's N_ keyword); translated where it is shown.
N_ = str

ENTER_AN_AMOUNT = N_("Enter the amount, for example 120,50.")
MUST_BE_POSITIVE = N_("The amount must be greater than zero.")
AT_MOST_TWO_DECIMALS = N_("Enter the amount in euros and cents (two decimals at most).")
TOO_LARGE = N_("This amount is too large: please check it.")

#: The largest amount a person may type, in cents: what an integer column holds on
#: PostgreSQL (21 474 836,47 €), far above any invoice of a small business.
MAX_CENTS = 2**31 - 1


def parse_amount(text: str | None) -> int:
    """Cents from what a person typed ("1 234,56", "1234.56", "80"): positive, two decimals at most.

    Raises AmountInvalid with a message id that says what to type instead.
    """
    try:
        value = parse_decimal((text or "").strip())
    except (ValueError, InvalidOperation) as exc:
        raise AmountInvalid(ENTER_AN_AMOUNT) from exc
    if value <= 0:
        raise AmountInvalid(MUST_BE_POSITIVE)
    if value > from_cents(MAX_CENTS):
        raise AmountInvalid(TOO_LARGE)
    if value != value.quantize(CENT):
        raise AmountInvalid(AT_MOST_TWO_DECIMALS)
    return to_cents(value)


def format_money(cents: int, currency: str, language: str) -> str:
    """`1 234,56 €` in French, `€1,234.56` in English: exact, never through a float.

    Babel reads the locale's pattern and symbols again on every call; the
    formatter in `money_formats` reads them once per currency and language.
    """
    return cents_formatter(currency, language)(cents)


def format_unit_price(value: Decimal, currency: str, language: str) -> str:
    """A unit price as the invoice gives it: at least two decimals, up to four (`499,10 €`).

    Prices per unit may carry more precision than cents; cutting them to two
    would misstate them, and printing `499,1` reads as a typo.
    """
    locale = babel_locale(language)
    pattern = locale.currency_formats["standard"].pattern.replace("0.00", "0.00##")
    return format_currency(
        Decimal(value), currency, format=pattern, locale=locale, currency_digits=False
    )
