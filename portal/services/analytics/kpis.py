"""DSO, best possible DSO, DBT, CEI, ADD and the overdue share, one definition each.

For a period of D days ending on day T, in one currency:

- S, credit sales: totals of the invoices issued in (T - D, T], minus the credit
  notes dated in that window;
- AR(t): what was owed at the end of day t (`ledger.Position`); CAR(t) its part
  not yet overdue (due on or after t);
- DSO = AR(T) / S × D; best possible DSO = CAR(T) / S × D; DBT = DSO - best;
- CEI = (AR(T - D) + S - AR(T)) / (AR(T - D) + S - CAR(T)) × 100;
- ADD = Σ(outstanding × days overdue) / Σ outstanding over invoices overdue at T;
- overdue share = (AR(T) - CAR(T)) / AR(T) × 100.

Ratios are exact fractions, so display rounding (half up, one decimal) never
inherits a float's error. A ratio whose divisor is zero or negative is
undefined (None): the page shows "—" rather than a number that means nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from portal.services.analytics import ledger as ledger_sums
from portal.values.ratios import one_decimal

DEFAULT_DAYS = 90

#: The keys of `portal kpis --json`, in order.
JSON_KEYS = (
    "as_of",
    "days",
    "credit_sales_cents",
    "receivables_cents",
    "current_receivables_cents",
    "dso_days",
    "best_possible_dso_days",
    "dbt_days",
    "cei_percent",
    "add_days",
    "overdue_percent",
)


def _ratio(numerator: int, divisor: int, scale: int = 1) -> Fraction | None:
    if divisor <= 0:
        return None
    return Fraction(numerator * scale, divisor)


@dataclass(frozen=True)
class Kpis:
    """The sums behind the figures; every ratio is derived from them."""

    as_of: date
    days: int
    currency: str
    credit_sales_cents: int
    receivables_cents: int
    current_receivables_cents: int
    opening_receivables_cents: int
    """AR(T - D)."""
    overdue_days_cents: int
    """Σ(outstanding × days overdue) at T, in cent-days."""
    unallocated_cents: int = 0
    """Money received that no invoice took, never netted from the receivables."""

    @property
    def overdue_cents(self) -> int:
        return self.receivables_cents - self.current_receivables_cents

    @property
    def dso_days(self) -> Fraction | None:
        return _ratio(self.receivables_cents, self.credit_sales_cents, self.days)

    @property
    def best_possible_dso_days(self) -> Fraction | None:
        return _ratio(self.current_receivables_cents, self.credit_sales_cents, self.days)

    @property
    def dbt_days(self) -> Fraction | None:
        dso, best = self.dso_days, self.best_possible_dso_days
        return None if dso is None or best is None else dso - best

    @property
    def cei_percent(self) -> Fraction | None:
        available = self.opening_receivables_cents + self.credit_sales_cents
        return _ratio(
            available - self.receivables_cents,
            available - self.current_receivables_cents,
            100,
        )

    @property
    def add_days(self) -> Fraction | None:
        return _ratio(self.overdue_days_cents, self.overdue_cents)

    @property
    def overdue_percent(self) -> Fraction | None:
        return _ratio(self.overdue_cents, self.receivables_cents, 100)

    def as_json(self) -> dict:
        """The `--json` object: numbers unrounded, null when undefined."""

        def number(value: Fraction | None) -> float | None:
            return None if value is None else float(value)

        return {
            "as_of": self.as_of.isoformat(),
            "days": self.days,
            "credit_sales_cents": self.credit_sales_cents,
            "receivables_cents": self.receivables_cents,
            "current_receivables_cents": self.current_receivables_cents,
            "dso_days": number(self.dso_days),
            "best_possible_dso_days": number(self.best_possible_dso_days),
            "dbt_days": number(self.dbt_days),
            "cei_percent": number(self.cei_percent),
            "add_days": number(self.add_days),
            "overdue_percent": number(self.overdue_percent),
        }


def from_ledger(
    book: ledger_sums.Ledger,
    as_of: date,
    days: int,
    positions: dict[date, ledger_sums.Position] | None = None,
) -> Kpis:
    """The figures of one period, from sums already loaded (one load serves many periods).

    `positions` keeps the days already added up, when several periods share them.
    """
    positions = {} if positions is None else positions
    start = as_of - timedelta(days=days)
    for day in (as_of, start):
        if day not in positions:
            positions[day] = book.position(day)
    end, opening = positions[as_of], positions[start]
    return Kpis(
        as_of=as_of,
        days=days,
        currency=book.currency,
        credit_sales_cents=book.credit_sales(start, as_of),
        receivables_cents=end.receivables_cents,
        current_receivables_cents=end.current_cents,
        opening_receivables_cents=opening.receivables_cents,
        overdue_days_cents=end.overdue_days_cents,
        unallocated_cents=book.unallocated(as_of),
    )


def compute(as_of: date, days: int = DEFAULT_DAYS, currency: str = "EUR") -> Kpis:
    """The figures for the D days ending on `as_of`, straight from the ledger."""
    if days <= 0:
        raise ValueError("a period has at least one day")
    return from_ledger(ledger_sums.load(currency), as_of, days)


#: The figures the home page compares, and which way is better.
COMPARED = (
    ("dso_days", "lower"),
    ("best_possible_dso_days", "lower"),
    ("dbt_days", "lower"),
    ("cei_percent", "higher"),
    ("add_days", "lower"),
    ("overdue_percent", "lower"),
)


@dataclass(frozen=True)
class Change:
    """One figure now and over the previous period of the same length."""

    key: str
    value: Fraction | None
    previous: Fraction | None
    better: str
    """"lower" or "higher": which way the figure should move."""

    @property
    def delta(self) -> Fraction | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def direction(self) -> str:
        """ "up", "down" or "same", as the change reads once rounded to one decimal."""
        shown = one_decimal(self.delta)
        if not shown:
            return "same"
        return "up" if shown > 0 else "down"

    @property
    def improved(self) -> bool | None:
        """None when unchanged (once rounded) or undefined."""
        if self.direction == "same":
            return None
        return (self.direction == "down") == (self.better == "lower")


def compare(current: Kpis, previous: Kpis) -> list[Change]:
    return [
        Change(key, getattr(current, key), getattr(previous, key), better)
        for key, better in COMPARED
    ]
