"""The reference rates of each half-year: shipped with the portal, corrected or extended by the owner.

The shipped table (`rates.toml`, sources cited there) is read at run time
rather than seeded by a migration: a release that adds a half-year or fixes a
figure reaches every deployment without touching its data, and what the owner
entered in the dashboard (`reference_rates` rows) still wins, field by field.

A half-year has only its own rates. Reusing the last known one would claim a
figure no text supports, so a missing rate is an error (`MissingRate`) that the
claim reports instead of computing 0 % or a stale rate.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

from sqlalchemy import Select, select

from portal.extensions import db
from portal.models import ReferenceRate
from portal.statements import built_once

SHIPPED_FILE = Path(__file__).with_name("rates.toml")
#: The dashboard warns this many days before a half-year whose rates are not known.
WARN_DAYS_BEFORE = 15


def half_year_start(day: date) -> date:
    """1 January or 1 July: the rate in force on that day applies to the whole half-year."""
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def next_half_year(start: date) -> date:
    return date(start.year, 7, 1) if start.month == 1 else date(start.year + 1, 1, 1)


def half_year_end(start: date) -> date:
    return next_half_year(start) - timedelta(days=1)


class MissingRate(LookupError):
    """A half-year's rate is needed and nobody has entered it.

    Not a DomainError: the claim catches it to flag the half-year, and a
    request that asked for a claim must still commit.
    """

    def __init__(self, start: date, which: str):
        super().__init__(f"no {which} rate for the half-year starting {start.isoformat()}")
        self.start = start
        self.which = which


@dataclass(frozen=True)
class HalfYearRates:
    """In basis points (2.15 % is 215); None when unknown."""

    start: date
    ecb_bp: int | None = None
    legal_other_bp: int | None = None
    """Legal interest rate "all other cases": a business creditor's, and the floor basis."""
    legal_private_bp: int | None = None
    """Legal interest rate for a creditor who is a private person: never the portal's creditor."""
    entered: bool = False
    """True when the owner entered or corrected this half-year."""

    @property
    def complete(self) -> bool:
        return self.ecb_bp is not None and self.legal_other_bp is not None


@dataclass(frozen=True)
class Rates:
    by_start: dict[date, HalfYearRates]

    def get(self, start: date) -> HalfYearRates:
        return self.by_start.get(start) or HalfYearRates(start)

    def ecb_bp(self, start: date) -> int:
        value = self.get(start).ecb_bp
        if value is None:
            raise MissingRate(start, "ecb")
        return value

    def legal_other_bp(self, start: date) -> int:
        value = self.get(start).legal_other_bp
        if value is None:
            raise MissingRate(start, "legal_other")
        return value


def _bp(text: str | None) -> int | None:
    return None if text is None else int(Decimal(str(text)) * 100)


@cache
def shipped() -> dict[date, HalfYearRates]:
    data = tomllib.loads(SHIPPED_FILE.read_text(encoding="utf-8"))
    return {
        row["start"]: HalfYearRates(
            row["start"],
            _bp(row.get("ecb")),
            _bp(row.get("legal_other")),
            _bp(row.get("legal_private")),
        )
        for row in data["half_year"]
    }


@built_once
def _entered_rates() -> Select:
    return select(ReferenceRate)


def load() -> Rates:
    """The shipped table with the owner's entries laid over it, field by field."""
    table = dict(shipped())
    for row in db.session.scalars(_entered_rates()):
        base = table.get(row.semester_start) or HalfYearRates(row.semester_start)
        table[row.semester_start] = replace(
            base,
            ecb_bp=row.rate_bp,
            legal_other_bp=(
                row.legal_rate_professional_bp
                if row.legal_rate_professional_bp is not None
                else base.legal_other_bp
            ),
            legal_private_bp=(
                row.legal_rate_consumer_bp
                if row.legal_rate_consumer_bp is not None
                else base.legal_private_bp
            ),
            entered=True,
        )
    return Rates(table)


def missing_soon(today: date, rates: Rates | None = None) -> date | None:
    """The half-year to enter now: the current one if unknown, or the next from 15 days before."""
    rates = rates or load()
    current = half_year_start(today)
    if not rates.get(current).complete:
        return current
    upcoming = next_half_year(current)
    if (upcoming - today).days <= WARN_DAYS_BEFORE and not rates.get(upcoming).complete:
        return upcoming
    return None
