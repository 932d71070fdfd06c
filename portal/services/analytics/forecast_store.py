"""The forecasts kept day by day, and how last month's compared with what came in.

The daily refresh stores today's forecast beside the earlier ones (kept for
120 days) and writes, on each week that has ended, the cash actually received
that week. The forecast page then reads rows only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, func, select

from portal.extensions import db
from portal.models import ForecastSnapshot
from portal.services.analytics import forecast as forecasting
from portal.services.analytics.ledger import Ledger

KEEP_DAYS = 120
LOOK_BACK_DAYS = 28


def store(book: Ledger, today: date, delays: dict | None = None) -> None:
    """Today's forecast, and what came in during the weeks forecast before."""
    made = forecasting.compute(today, book.currency, delays)
    db.session.execute(
        delete(ForecastSnapshot).where(
            ForecastSnapshot.currency == book.currency,
            (ForecastSnapshot.made_on == today)
            | (ForecastSnapshot.made_on < today - timedelta(days=KEEP_DAYS)),
        )
    )
    db.session.add_all(
        ForecastSnapshot(
            currency=book.currency,
            made_on=today,
            kind=period.kind,
            period_start=period.start,
            period_end=period.end,
            invoices_cents=period.cents["invoices"],
            instalments_cents=period.cents["instalments"],
            promises_cents=period.cents["promises"],
        )
        for period in made.periods()
    )
    for row in db.session.scalars(
        select(ForecastSnapshot).where(
            ForecastSnapshot.currency == book.currency,
            ForecastSnapshot.kind == "week",
            ForecastSnapshot.period_end < today,
            ForecastSnapshot.received_cents.is_(None),
        )
    ):
        row.received_cents = book.collected(row.period_start - timedelta(days=1), row.period_end)
    db.session.flush()


def latest(today: date, currency: str) -> dict[str, list[ForecastSnapshot]]:
    """Today's forecast rows by kind (weeks and months in date order)."""
    rows = db.session.scalars(
        select(ForecastSnapshot)
        .where(ForecastSnapshot.currency == currency, ForecastSnapshot.made_on == today)
        .order_by(ForecastSnapshot.period_start)
    )
    found: dict[str, list[ForecastSnapshot]] = {}
    for row in rows:
        found.setdefault(row.kind, []).append(row)
    return found


@dataclass
class Comparison:
    made_on: date
    weeks: list[ForecastSnapshot]

    @property
    def expected_cents(self) -> int:
        return sum(w.expected_cents for w in self.weeks if w.received_cents is not None)

    @property
    def received_cents(self) -> int:
        return sum(w.received_cents or 0 for w in self.weeks)


def last_month(today: date, currency: str) -> Comparison | None:
    """The forecast made about four weeks ago, its ended weeks against what came in."""
    made_on = db.session.scalar(
        select(func.max(ForecastSnapshot.made_on)).where(
            ForecastSnapshot.currency == currency,
            ForecastSnapshot.made_on <= today - timedelta(days=LOOK_BACK_DAYS),
        )
    )
    if made_on is None:
        return None
    weeks = db.session.scalars(
        select(ForecastSnapshot)
        .where(
            ForecastSnapshot.currency == currency,
            ForecastSnapshot.made_on == made_on,
            ForecastSnapshot.kind == "week",
            ForecastSnapshot.period_end < today,
        )
        .order_by(ForecastSnapshot.period_start)
    )
    return Comparison(made_on, list(weeks))
