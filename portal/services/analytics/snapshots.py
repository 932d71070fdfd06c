"""The figures the pages show, computed once a day and kept as `KpiSnapshot` rows.

One refresh loads the ledger once and keeps, for one currency: the rolling
period the home page shows (D days ending today) and the one before it (for
the change), and each of the last twelve calendar months (the current one to
date) for the trends. Pages only read these rows; the scheduler refreshes them
after its first pass of the day, and the first page opened on a day without a
scheduler refreshes them itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import KpiSnapshot
from portal.services.analytics import delays, forecast_store, kpis, ledger, risk
from portal.services.analytics.kpis import DEFAULT_DAYS, Kpis

MONTH, ROLLING = "month", "rolling"
MONTHS = 12
AGED_COLUMNS = {
    "1_30": "aged_1_30_cents",
    "31_60": "aged_31_60_cents",
    "61_90": "aged_61_90_cents",
    "over_90": "aged_over_90_cents",
}


@dataclass(frozen=True)
class MonthFigures:
    """One calendar month (to date for the current one), as the trends page shows it."""

    first_day: date
    kpis: Kpis
    invoiced_cents: int
    collected_cents: int
    aged: dict[str, int]
    """Receivables at the month's end by age, `not_due` included."""

    @property
    def to_date(self) -> bool:
        return self.kpis.as_of < _month_end(self.first_day)


def _month_end(first_day: date) -> date:
    return (first_day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def month_periods(today: date, months: int = MONTHS) -> list[tuple[date, date]]:
    """(first day, last day counted) of each of the last `months` months, oldest first."""
    periods, first = [], today.replace(day=1)
    for _ in range(months):
        periods.append((first, min(_month_end(first), today)))
        first = (first - timedelta(days=1)).replace(day=1)
    return periods[::-1]


def refresh(today: date, currency: str = "EUR", days: int = DEFAULT_DAYS) -> list[KpiSnapshot]:
    """Replace the currency's rows with figures read from the ledger now."""
    book = ledger.load(currency)
    positions: dict[date, ledger.Position] = {}
    periods = [(ROLLING, today, days), (ROLLING, today - timedelta(days=days), days)]
    periods += [(MONTH, end, (end - first).days + 1) for first, end in month_periods(today)]
    rows = [_row(book, kind, end, length, today, positions) for kind, end, length in periods]
    db.session.execute(delete(KpiSnapshot).where(KpiSnapshot.currency == currency))
    db.session.add_all(rows)
    db.session.flush()
    split = delays.split(today, currency, recent_days=risk.RECENT_DAYS)
    forecast_store.store(book, today, {cid: year for cid, (year, _) in split.items()})
    risk.refresh(today, currency, split)
    return rows


def _row(book, kind, end, days, today, positions) -> KpiSnapshot:
    figures = kpis.from_ledger(book, end, days, positions)
    aged = positions[end].aged
    start = end - timedelta(days=days)
    return KpiSnapshot(
        currency=book.currency,
        kind=kind,
        period_end=end,
        days=days,
        computed_on=today,
        credit_sales_cents=figures.credit_sales_cents,
        invoiced_cents=book.invoiced(start, end),
        collected_cents=book.collected(start, end),
        receivables_cents=figures.receivables_cents,
        current_receivables_cents=figures.current_receivables_cents,
        opening_receivables_cents=figures.opening_receivables_cents,
        overdue_days_cents=figures.overdue_days_cents,
        unallocated_cents=figures.unallocated_cents,
        **{column: aged[key] for key, column in AGED_COLUMNS.items()},
    )


def _to_kpis(row: KpiSnapshot) -> Kpis:
    return Kpis(
        as_of=row.period_end,
        days=row.days,
        currency=row.currency,
        credit_sales_cents=row.credit_sales_cents,
        receivables_cents=row.receivables_cents,
        current_receivables_cents=row.current_receivables_cents,
        opening_receivables_cents=row.opening_receivables_cents,
        overdue_days_cents=row.overdue_days_cents,
        unallocated_cents=row.unallocated_cents,
    )


def is_fresh(today: date, currency: str = "EUR", days: int = DEFAULT_DAYS) -> bool:
    fresh = exists().where(
        KpiSnapshot.currency == currency,
        KpiSnapshot.kind == ROLLING,
        KpiSnapshot.period_end == today,
        KpiSnapshot.days == days,
        KpiSnapshot.computed_on == today,
    )
    return bool(db.session.scalar(select(fresh)))


def refresh_if_stale(today: date, currency: str = "EUR", days: int = DEFAULT_DAYS) -> bool:
    """The scheduler's daily job: True when it computed the figures again."""
    if is_fresh(today, currency, days):
        return False
    try:
        with db.session.begin_nested():
            refresh(today, currency, days)
    except IntegrityError:  # another process refreshed them meanwhile
        return False
    return True


def _rows(today: date, currency: str, days: int) -> list[KpiSnapshot]:
    """Today's rows, refreshed first when the scheduler has not made them yet."""
    refresh_if_stale(today, currency, days)
    return list(
        db.session.scalars(
            select(KpiSnapshot)
            .where(KpiSnapshot.currency == currency)
            .order_by(KpiSnapshot.kind, KpiSnapshot.period_end)
        )
    )


def period_and_previous(
    today: date, currency: str = "EUR", days: int = DEFAULT_DAYS
) -> tuple[Kpis, Kpis]:
    """The D days ending today, and the D days before them."""
    rolling = {
        r.period_end: _to_kpis(r)
        for r in _rows(today, currency, days)
        if r.kind == ROLLING and r.days == days
    }
    return rolling[today], rolling[today - timedelta(days=days)]


def months(today: date, currency: str = "EUR") -> list[MonthFigures]:
    """The last twelve months, oldest first."""
    result = []
    for row in _rows(today, currency, DEFAULT_DAYS):
        if row.kind != MONTH:
            continue
        aged = {key: getattr(row, column) for key, column in AGED_COLUMNS.items()}
        aged = {"not_due": row.current_receivables_cents, **aged}
        first_day = row.period_end.replace(day=1)
        result.append(
            MonthFigures(first_day, _to_kpis(row), row.invoiced_cents, row.collected_cents, aged)
        )
    return sorted(result, key=lambda m: m.first_day)


@dataclass(frozen=True)
class ForecastPage:
    rows: dict[str, list]
    """Today's forecast rows by kind: week, month, overdue, later, disputed."""
    compared: forecast_store.Comparison | None


def forecast(today: date, currency: str = "EUR") -> ForecastPage:
    """Today's forecast, and last month's against what came in."""
    refresh_if_stale(today, currency)
    return ForecastPage(
        forecast_store.latest(today, currency), forecast_store.last_month(today, currency)
    )
