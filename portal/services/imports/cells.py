"""One cell of a file checked and turned into a value, or a reported error.

Every kind of file has required values, texts bounded by their column, dates
and numbers, and each problem must name its row and column in the same words
whatever the file. So the checks report to the run and return a usable
placeholder rather than raise: the rest of the row, and of the file, is still
checked. The parsers themselves are the portal's own (portal.values).
"""

from __future__ import annotations

from datetime import date as Date
from decimal import Decimal

from portal.services.errors import N_
from portal.services.imports.report import ImportRun
from portal.values.dates import parse_date
from portal.values.money import parse_decimal

#: The largest amount an INTEGER column holds on PostgreSQL.
MAX_CENTS = 2**31 - 1


def text(run: ImportRun, row: int, column: str, value: str, max_length: int) -> str:
    if len(value) > max_length:
        run.error(row, column, N_("too long (at most %(max)d characters)"), max=max_length)
    return value


def required(run: ImportRun, row: int, column: str, value: str | None) -> str:
    if not value:
        run.error(row, column, N_("a value is required"))
        return ""
    return value


def date(run: ImportRun, row: int, column: str, value: str) -> Date | None:
    if not value:
        run.error(row, column, N_("a value is required"))
        return None
    try:
        return parse_date(value)
    except ValueError:
        run.error(
            row,
            column,
            N_("not a valid date (use 2026-01-31 or 31/01/2026): %(value)s"),
            value=value,
        )
        return None


def decimal(
    run: ImportRun, row: int, column: str, value: str, *, positive: bool = False
) -> Decimal | None:
    """A non-negative number (strictly positive when asked), or None after reporting why not."""
    if not value:
        run.error(row, column, N_("a value is required"))
        return None
    try:
        number = parse_decimal(value)
    except ValueError:
        run.error(row, column, N_("not a number: %(value)s"), value=value)
        return None
    if positive and number <= 0:
        run.error(row, column, N_("must be greater than zero: %(value)s"), value=value)
        return None
    if number < 0:
        run.error(row, column, N_("must not be negative: %(value)s"), value=value)
        return None
    return number
