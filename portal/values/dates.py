"""Dates as people and files write them. No Flask: shared by imports, forms and jobs."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

_ISO_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_FRENCH_DATE_RE = re.compile(r"([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{4})")


@lru_cache(maxsize=8192)
def parse_date(text: str) -> date:
    """2026-01-31, or 31/01/2026 (also 31-01-2026 and 31.01.2026). Raises ValueError."""
    if match := _ISO_DATE_RE.fullmatch(text):
        year, month, day = match.groups()
    elif match := _FRENCH_DATE_RE.fullmatch(text):
        day, _, month, year = match.groups()
    else:
        raise ValueError(text)
    return sane(date(int(year), int(month), int(day)))


#: Business dates outside these years are typing mistakes; beyond them, date arithmetic
#: (a plan's last instalment, a deadline) would overflow.
MIN_YEAR = 1900
MAX_YEAR = 2199


def sane(day: date) -> date:
    """`day` itself, or ValueError when its year is outside MIN_YEAR..MAX_YEAR."""
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValueError(f"year out of range: {day.year}")
    return day


def parse_iso_date(text: str) -> date:
    """An ISO date (2026-01-31) within the sane years. Raises ValueError."""
    return sane(date.fromisoformat(text))
