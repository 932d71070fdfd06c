"""Each analytics table as a file: CSV for French Excel, or XLSX.

The tables are the pages' own (trends, forecast, payer risk), read from the
daily snapshots; column names are in the reader's language.
"""

from __future__ import annotations

from flask import abort, make_response
from flask_babel import lazy_gettext as _l

from portal import clock
from portal.creditor.analytics_views import _currency
from portal.creditor.views import bp
from portal.services.analytics import exports, risk, snapshots

LABELS = {
    "month": _l("Month"),
    "days": _l("Days"),
    "dso": _l("DSO"),
    "best_dso": _l("Best possible DSO"),
    "dbt": _l("DBT"),
    "cei": _l("CEI %%"),
    "add": _l("ADD"),
    "overdue_share": _l("Overdue %%"),
    "credit_sales": _l("Credit sales"),
    "receivables": _l("Receivables"),
    "current": _l("Not yet due"),
    "invoiced": _l("Invoiced"),
    "collected": _l("Collected"),
    "not_due": _l("Not due"),
    "1_30": _l("1 to 30 days late"),
    "31_60": _l("31 to 60 days late"),
    "61_90": _l("61 to 90 days late"),
    "over_90": _l("Over 90 days late"),
    "period": _l("Period"),
    "from": _l("From"),
    "to": _l("To"),
    "invoices": _l("Invoices"),
    "instalments": _l("Instalments"),
    "promises": _l("Promises"),
    "expected": _l("Expected"),
    "overdue": _l("Already overdue"),
    "week": _l("Week"),
    "later": _l("Later"),
    "disputed": _l("Disputed, left out"),
    "ref": _l("Reference"),
    "customer": _l("Customer"),
    "score": _l("Risk"),
    "average_late": _l("Average days late"),
    "earlier_late": _l("Days late before the last 90 days"),
    "late_share": _l("Paid late %%"),
    "open": _l("Open"),
    "broken_promises": _l("Broken promises"),
    "broken_plans": _l("Broken plans"),
    "open_disputes": _l("Open disputes"),
    "bounces": _l("Bounced emails"),
}
TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _label(key: str) -> str:
    return str(LABELS[key]).replace("%%", "%")


@bp.route("/exports/<name>.<fmt>")
def export_download(name: str, fmt: str):
    """The trends, forecast or payer-risk table as a CSV or XLSX file."""
    if fmt not in TYPES:
        abort(404)
    currency, today = _currency(), clock.today()
    if name == "trends":
        table = exports.trends_table(snapshots.months(today, currency), "trends", _label)
    elif name == "forecast":
        table = exports.forecast_table(snapshots.forecast(today, currency).rows, name, _label)
    elif name == "risk":
        snapshots.refresh_if_stale(today, currency)
        table = exports.risk_table(risk.ranked(currency, limit=100_000), name, _label)
    else:
        abort(404)
    body = exports.to_csv(table) if fmt == "csv" else exports.to_xlsx(table)
    response = make_response(body)
    response.headers["Content-Type"] = TYPES[fmt]
    filename = f"{name}-{today.isoformat()}.{fmt}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
