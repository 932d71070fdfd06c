"""Simple interest day by day, cut into segments where the balance or the half-year changes.

The conventions are the law's, made exact (stated on the letter and in the
README): each day bears interest on the balance due at the end of the previous
day, so a payment dated D still bears interest on D; a day is the annual rate /
365, in leap years too; a half-year uses its own rate throughout. Amounts stay
exact (`Decimal`) until the invoice's total is rounded half up, once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from portal.services.claims.rate_table import half_year_start, next_half_year

DAYS_A_YEAR = 365


@dataclass(frozen=True)
class Segment:
    """Days from `start` to `end` (both included) on one balance at one annual rate."""

    start: date
    end: date
    balance_cents: int
    rate_bp: int | None = None
    """None until known; a missing half-year rate leaves it None."""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def half_year(self) -> date:
        return half_year_start(self.start)

    @property
    def amount(self) -> Decimal:
        """Exact cents: balance × rate × days / 365."""
        if self.rate_bp is None:
            return Decimal(0)
        return Decimal(self.balance_cents * self.rate_bp * self.days) / Decimal(
            10_000 * DAYS_A_YEAR
        )


def balance_segments(
    opening_cents: int, reductions: Iterable[tuple[date, int]], first_day: date, last_day: date
) -> list[Segment]:
    """The days of [first_day, last_day] with a positive balance, cut at balance and half-year changes.

    `reductions` are (date, cents): the balance falls by `cents` at the end of
    that date (a negative amount, such as a returned transfer, raises it).
    """
    if last_day < first_day:
        return []
    changes = sorted(reductions)
    cuts = {first_day}
    cuts |= {day + timedelta(days=1) for day, _ in changes if first_day <= day < last_day}
    boundary = next_half_year(half_year_start(first_day))
    while boundary <= last_day:
        cuts.add(boundary)
        boundary = next_half_year(boundary)
    starts = sorted(cuts)
    segments = []
    for i, start in enumerate(starts):
        end = starts[i + 1] - timedelta(days=1) if i + 1 < len(starts) else last_day
        balance = opening_cents - sum(cents for day, cents in changes if day < start)
        if balance > 0:
            segments.append(Segment(start, end, balance))
    return segments


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
