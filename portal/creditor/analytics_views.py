"""Collection figures over time: the trends page, and how ratios are written.

The figures come from the daily snapshots (`services.analytics.snapshots`),
never from the ledger on the request: the page must stay fast on a million
invoices.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from babel.numbers import format_decimal
from flask import render_template
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from portal import clock
from portal.creditor.views import bp
from portal.services import organisation
from portal.services.analytics import risk, snapshots, trends
from portal.values.ratios import format_ratio


@bp.app_template_filter("ratio")
def ratio_filter(value: Fraction | float | None, signed: bool = False) -> str:
    """One decimal, rounded half up, in the reader's language; "—" when undefined."""
    text = format_ratio(value, str(get_locale() or "en"))
    return f"+{text}" if signed and value is not None and value > 0 else text


@bp.app_template_filter("whole")
def whole_filter(value: int) -> str:
    """A chart's scale: whole numbers with the reader's thousands separator."""
    return format_decimal(value, format="#,##0", locale=str(get_locale() or "en"))


@bp.app_template_filter("format_month")
def month_filter(value: date | str) -> str:
    """A month as people name it: "décembre 2026", "December 2026" (ISO text too)."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return format_date(value, "LLLL yyyy")


def _currency() -> str:
    org = organisation.get()
    return org.currency if org else "EUR"


@bp.route("/trends")
def trends_show():
    """Twelve months of DSO, CEI, overdue share, aged balance and cash, as charts and tables."""
    currency = _currency()
    months = snapshots.months(clock.today(), currency)
    labels = [format_date(m.first_day, "MMM yy") for m in months]
    return render_template(
        "creditor/trends.html",
        months=months,
        labels=labels,
        charts=trends.build(months, labels),
        currency=currency,
    )


@bp.route("/forecast")
def forecast_show():
    """Receipts expected per week and per month, and last month's forecast against reality."""
    currency = _currency()
    page = snapshots.forecast(clock.today(), currency)
    weeks, overdue = page.rows.get("week", []), page.rows.get("overdue", [])
    labels = [_("Overdue")] + [format_date(w.period_start, "d MMM") for w in weeks]
    chart = trends.forecast_chart(overdue[0], weeks, labels) if overdue else None
    return render_template("creditor/forecast.html", page=page, chart=chart, currency=currency)


@bp.route("/risk")
def risk_list():
    """Customers by payer-risk score, riskiest first, each with the reasons in words."""
    currency = _currency()
    snapshots.refresh_if_stale(clock.today(), currency)
    return render_template("creditor/risk.html", customers=risk.ranked(currency), currency=currency)
