"""The trends page's charts and tables, from the twelve monthly snapshots."""

from __future__ import annotations

from dataclasses import dataclass

from portal.services.analytics import charts
from portal.services.analytics.ledger import AGE_BUCKETS
from portal.services.analytics.snapshots import MonthFigures

AGE_KEYS = [key for key, _ in AGE_BUCKETS]


@dataclass
class TrendCharts:
    dso: charts.Chart
    effectiveness: charts.Chart
    aged: charts.Chart
    cash: charts.Chart


def build(months: list[MonthFigures], labels: list[str]) -> TrendCharts:
    """`labels` are the months as the reader says them (the view knows the language)."""
    figures = [m.kpis for m in months]
    return TrendCharts(
        dso=charts.line_chart(
            labels,
            {
                "dso": [k.dso_days for k in figures],
                "best": [k.best_possible_dso_days for k in figures],
            },
            floor_max=30,
        ),
        effectiveness=charts.line_chart(
            labels,
            {
                "cei": [k.cei_percent for k in figures],
                "overdue": [k.overdue_percent for k in figures],
            },
            floor_max=100,
        ),
        aged=charts.stacked_bars(labels, [m.aged for m in months], AGE_KEYS),
        cash=charts.grouped_bars(
            labels,
            [{"invoiced": m.invoiced_cents, "collected": m.collected_cents} for m in months],
            ["invoiced", "collected"],
        ),
    )


def forecast_chart(overdue, weeks, labels: list[str]) -> charts.Chart:
    """The overdue bar, then one bar per week, each stacked by where the money comes from."""
    stacks = [
        {
            "invoices": row.invoices_cents,
            "instalments": row.instalments_cents,
            "promises": row.promises_cents,
        }
        for row in [overdue, *weeks]
    ]
    return charts.stacked_bars(labels, stacks, ["invoices", "instalments", "promises"])
