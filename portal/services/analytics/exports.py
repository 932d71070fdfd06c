"""Tables of figures as files a French accountant opens without fuss: CSV and XLSX.

French Excel reads a CSV well only with `;` between fields, a comma before the
decimals and a UTF-8 byte order mark (else accents break), so the CSV is
written that way; dates are written dd/mm/yyyy. The XLSX keeps real numbers
and dates with number formats, so sums and charts work at once. An undefined
ratio is an empty cell: "—" would turn a numeric column into text.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from portal.values.money import from_cents
from portal.values.ratios import one_decimal

BOM = "\ufeff"


@dataclass(frozen=True)
class Money:
    cents: int


Cell = str | int | Money | Fraction | Decimal | date | None


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Cell]]


def _value(cell: Cell):
    """What a cell holds: euros as Decimal, ratios rounded half up to one decimal."""
    if isinstance(cell, Money):
        return from_cents(cell.cents)
    if isinstance(cell, Fraction):
        return one_decimal(cell)
    return cell


def _csv_text(cell: Cell) -> str:
    value = _value(cell)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    return str(value)


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_csv_text(cell) for cell in row])
    return out.getvalue().encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    """The table as a workbook; openpyxl (15 MB) is loaded only by a worker asked for one."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]
    sheet.append(table.headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_value(cell) for cell in row])
        for written, cell in zip(sheet[sheet.max_row], row, strict=True):
            if isinstance(cell, Money):
                written.number_format = "#,##0.00"
            elif isinstance(cell, Fraction):
                written.number_format = "0.0"
            elif isinstance(cell, date):
                written.number_format = "DD/MM/YYYY"
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 60)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def trends_table(months, title: str, label) -> Table:
    """The trends page's table; `label(key)` names each column in the reader's language."""
    keys = ["month", "days", "dso", "best_dso", "dbt", "cei", "add", "overdue_share"]
    keys += ["credit_sales", "receivables", "current", "invoiced", "collected"]
    keys += ["not_due", "1_30", "31_60", "61_90", "over_90"]
    rows = []
    for m in months:
        k = m.kpis
        rows.append(
            [
                m.first_day,
                k.days,
                k.dso_days,
                k.best_possible_dso_days,
                k.dbt_days,
                k.cei_percent,
                k.add_days,
                k.overdue_percent,
                Money(k.credit_sales_cents),
                Money(k.receivables_cents),
                Money(k.current_receivables_cents),
                Money(m.invoiced_cents),
                Money(m.collected_cents),
                *(Money(m.aged[b]) for b in ("not_due", "1_30", "31_60", "61_90", "over_90")),
            ]
        )
    return Table(title, [label(k) for k in keys], rows)


FORECAST_ORDER = ("overdue", "week", "month", "later", "disputed")


def forecast_table(rows_by_kind: dict, title: str, label) -> Table:
    keys = ["period", "from", "to", "invoices", "instalments", "promises", "expected"]
    rows = []
    for kind in FORECAST_ORDER:
        for row in rows_by_kind.get(kind, []):
            bounded = kind in ("week", "month")
            rows.append(
                [
                    label(kind),
                    row.period_start if bounded or kind == "later" else None,
                    row.period_end if bounded else None,
                    Money(row.invoices_cents),
                    Money(row.instalments_cents),
                    Money(row.promises_cents),
                    Money(row.expected_cents),
                ]
            )
    return Table(title, [label(k) for k in keys], rows)


def risk_table(ranked, title: str, label) -> Table:
    keys = ["ref", "customer", "score", "average_late", "earlier_late", "late_share"]
    keys += ["overdue", "open", "broken_promises", "broken_plans", "open_disputes", "bounces"]
    rows = [
        [
            r.customer.ref,
            r.customer.name,
            r.score,
            r.average_late_days,
            r.earlier_late_days,
            r.late_share_percent,
            Money(r.overdue_cents),
            Money(r.open_cents),
            r.broken_promises,
            r.broken_plans,
            r.open_disputes,
            r.bounces,
        ]
        for r in ranked
    ]
    return Table(title, [label(k) for k in keys], rows)
