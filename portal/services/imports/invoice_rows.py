"""Gathering an invoice from the rows of a file, one row per line.

A file has one row per invoice line, repeating the invoice's header (customer,
dates, currency) on each. The first row gives the header and later rows must
repeat it; each line is checked and its amounts computed as the ledger does.
This is the per-row work of an invoice import, so it is kept lean: numbers a
file repeats are parsed once, and a header already seen is not parsed again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from portal.services.errors import N_
from portal.services.imports import cells
from portal.services.imports.cells import MAX_CENTS
from portal.services.imports.fingerprints import canonical, invoice_fingerprint, line_key
from portal.services.imports.report import ImportRun
from portal.services.payments.invoicing import line_amounts
from portal.values.money import parse_decimal

#: Quantities, prices and rates from here on are typing mistakes (and would overflow).
MAX_LINE_NUMBER = Decimal(10**12)
_CURRENCY_RE = re.compile(r"[A-Z]{3}")
_PERCENT = "% \u00a0\u202f"
MAX_DESCRIPTION = 500


@lru_cache(maxsize=8192)
def _number(text: str) -> tuple[Decimal, str]:
    """A number as the file writes it, and its canonical form (files repeat their numbers)."""
    value = parse_decimal(text)
    return value, canonical(value)


@lru_cache(maxsize=8192)
def _amount(text: str) -> tuple[Decimal, str] | None:
    """A quantity or price that needs no report (None otherwise): the common case, cached."""
    try:
        number = _number(text)
    except ValueError:
        return None
    return number if abs(number[0]) < MAX_LINE_NUMBER else None


@lru_cache(maxsize=256)
def _rate(text: str) -> tuple[Decimal, str] | None:
    """A tax rate that needs no report (None otherwise); "20 %" is how the French write one."""
    try:
        number = _number(text.rstrip(_PERCENT))
    except ValueError:
        return None
    return number if 0 <= number[0] < MAX_LINE_NUMBER else None


class DraftLine(NamedTuple):
    """One checked line: its values as stored, and its amounts as the ledger computes them."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    net_cents: int
    tax_cents: int
    key: str
    """`line_key` of the line, for the invoice's fingerprint."""


@dataclass(slots=True)
class InvoiceDraft:
    """One invoice as the file describes it, gathered from its rows.

    Slots and plain fields rather than dicts: tens of thousands of drafts pass
    through an import, and fewer objects means fewer garbage-collector passes.
    """

    number: str
    row: int
    customer_ref: str | None = None
    issue_date: date | None = None
    due_date: date | None = None
    currency: str | None = None
    raw_header: tuple[str, ...] = ()
    set_on: dict[str, int] | None = None
    """Header values first given on a later row than `row` (after a bad first value)."""
    lines: list[DraftLine] = field(default_factory=list)
    valid: bool = True
    dates_checked: bool = False
    net_cents: int = 0
    tax_cents: int = 0

    def add(self, line: DraftLine) -> None:
        self.lines.append(line)
        self.net_cents += line.net_cents
        self.tax_cents += line.tax_cents

    def row_of(self, column: str) -> int:
        return self.set_on.get(column, self.row) if self.set_on else self.row

    def fingerprint(self) -> str:
        return invoice_fingerprint(
            self.number,
            self.customer_ref,
            self.issue_date,
            self.due_date,
            self.currency,  # type: ignore[arg-type]
            [line.key for line in self.lines],
        )


def add_invoice_row(run: ImportRun, draft: InvoiceDraft, row: int, values: dict[str, str]) -> None:
    """Check one row and add its line to the draft; any problem makes the draft invalid."""
    raw_header = (
        values["customer_ref"],
        values["issue_date"],
        values["due_date"],
        values.get("currency", ""),
    )
    errors_before = len(run.result.errors)
    if raw_header != draft.raw_header:
        _merge_invoice_header(run, draft, row, raw_header)
    line = _invoice_line(run, row, values)
    if line is None or len(run.result.errors) > errors_before:
        draft.valid = False
    else:
        draft.add(line)


def _merge_invoice_header(
    run: ImportRun, draft: InvoiceDraft, row: int, raw: tuple[str, ...]
) -> None:
    """Take the header from the invoice's first row; later rows must repeat it."""
    ref, issue, due, currency = raw
    parsed = {
        "customer_ref": cells.text(
            run, row, "customer_ref", cells.required(run, row, "customer_ref", ref), 64
        ),
        "issue_date": cells.date(run, row, "issue_date", issue),
        "due_date": cells.date(run, row, "due_date", due),
        "currency": _currency(run, row, currency),
    }
    clean = True
    for column, value in parsed.items():
        if value is None or value == "":
            clean = False
            continue
        known = getattr(draft, column)
        if known is None:
            setattr(draft, column, value)
            if row != draft.row:
                draft.set_on = {**(draft.set_on or {}), column: row}
        elif known != value:
            clean = False
            run.error(
                row,
                column,
                N_("invoice %(number)s has a different value on row %(other_row)d: %(other)s"),
                number=draft.number,
                other_row=draft.row_of(column),
                other=str(known),
            )
    if clean and not draft.raw_header:
        draft.raw_header = raw
    issue_date, due_date = draft.issue_date, draft.due_date
    if not draft.dates_checked and issue_date and due_date:
        draft.dates_checked = True
        if due_date < issue_date:
            run.error(
                row,
                "due_date",
                N_("due date %(due)s is before issue date %(issue)s"),
                due=due_date.isoformat(),
                issue=issue_date.isoformat(),
            )


def _currency(run: ImportRun, row: int, value: str) -> str | None:
    currency = value.upper() or "EUR"
    if not _CURRENCY_RE.fullmatch(currency):
        run.error(row, "currency", N_("not a valid currency code (as EUR): %(value)s"), value=value)
        return None
    return currency


def _invoice_line(run: ImportRun, row: int, values: dict[str, str]) -> DraftLine | None:
    """One line; a negative quantity or price is a discount, rounded like any line (half away
    from zero), and the invoice's total is checked once all its lines are in.

    This runs for every row: a row with nothing to report costs three cache
    hits and the arithmetic; anything else goes through the checks that say why.
    """
    description = values.get("description", "")
    quantity = _amount(values["quantity"])
    unit_price = _amount(values["unit_price"])
    tax_rate = _rate(values["tax_rate"])
    if quantity is None or unit_price is None or tax_rate is None:
        return _reported_line(run, row, values)
    if len(description) > MAX_DESCRIPTION:  # reported; the line is still checked
        cells.text(run, row, "description", description, MAX_DESCRIPTION)
    net, tax = line_amounts(quantity[0], unit_price[0], tax_rate[0])
    if abs(net + tax) > MAX_CENTS:
        run.error(row, "unit_price", N_("amount too large"))
        return None
    key = line_key(description, quantity[1], unit_price[1], tax_rate[1])
    return DraftLine(description, quantity[0], unit_price[0], tax_rate[0], net, tax, key)


def _reported_line(run: ImportRun, row: int, values: dict[str, str]) -> None:
    """Report every problem of a line whose numbers are not all usable."""
    cells.text(run, row, "description", values.get("description", ""), MAX_DESCRIPTION)
    _line_number(run, row, "quantity", values["quantity"], signed=True)
    _line_number(run, row, "unit_price", values["unit_price"], signed=True)
    _line_number(run, row, "tax_rate", values["tax_rate"].rstrip(_PERCENT))


def _line_number(
    run: ImportRun, row: int, column: str, text: str, *, signed: bool = False
) -> tuple[Decimal, str] | None:
    """A quantity, price or rate with its canonical form, or None after reporting why not.

    `signed` lets a quantity or price be negative (a discount line); a rate never is.
    """
    try:
        number = _number(text)
    except ValueError:
        number = None
    if number is None or (number[0] < 0 and not signed):
        cells.decimal(run, row, column, text)  # reports what is wrong
        return None
    if abs(number[0]) >= MAX_LINE_NUMBER:
        run.error(row, column, N_("amount too large"))
        return None
    return number
